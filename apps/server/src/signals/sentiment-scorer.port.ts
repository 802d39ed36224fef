/** A sentiment score and the scorer that made it (stored together, so scores of different scorers never mix unseen). */
export interface SentimentScore {
  /** From -1 (most negative) through 0 (neutral or no opinion found) to +1 (most positive). */
  sentiment: number;
  /** Which scorer and version made it (`lexicon-v1`). */
  scorer: string;
}

/** Scores the sentiment of a piece of text. */
export interface SentimentScorer {
  readonly id: string;
  score(text: string): SentimentScore;
}

/** Scores many texts in one go, remotely (a chat model): slow, and it can fail. */
export interface BatchSentimentScorer {
  readonly id: string;
  /** One score per text, in order; throws when the batch cannot be scored. */
  scoreBatch(texts: readonly string[]): Promise<SentimentScore[]>;
}

/** Scores within this distance of zero count as neutral in the positive and negative shares. */
export const NEUTRAL_SENTIMENT_BAND = 0.05;

/** Which way a score leans: 1 positive, -1 negative, 0 neutral. */
export function sentimentDirection(sentiment: number): -1 | 0 | 1 {
  if (sentiment > NEUTRAL_SENTIMENT_BAND) return 1;
  if (sentiment < -NEUTRAL_SENTIMENT_BAND) return -1;
  return 0;
}
