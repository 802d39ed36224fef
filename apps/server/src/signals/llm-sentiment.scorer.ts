import { z } from 'zod';
import { type ChatEndpoint, ChatEndpointError, completeChat } from './chat-client.ts';
import type { BatchSentimentScorer, SentimentScore } from './sentiment-scorer.port.ts';

/** Texts sent in one chat request; a longer batch is split into requests of this size. */
export const LLM_SENTIMENT_BATCH_SIZE = 20;
/** How long one batch may take before it counts as failed. */
export const LLM_SENTIMENT_TIMEOUT_MS = 30_000;
/** Each text is cut to this many characters before it is sent, to bound the cost of a request. */
export const LLM_SENTIMENT_MAX_TEXT_CHARACTERS = 1_000;

/** Why a batch was not scored by the chat model; the caller scores it with the lexicon instead. */
export class LlmSentimentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LlmSentimentError';
  }
}

const SYSTEM_PROMPT =
  'You rate the sentiment of short crypto market texts (news headlines, chat messages) toward ' +
  'the market or asset they discuss. For each numbered text give one number from -1 (most ' +
  'negative, bearish) through 0 (neutral or no opinion) to 1 (most positive, bullish). Answer ' +
  'with a JSON array of numbers only, one per text, in the same order, and nothing else.';

const scoresSchema = z.array(z.number().finite().min(-1).max(1));

/** The JSON array in an answer, without the Markdown code fence some models put around it. */
function answerJson(text: string): string {
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(text);
  return fenced?.[1] ?? text;
}

/**
 * Scores the sentiment of texts with a chat model behind an OpenAI-compatible endpoint, in
 * batches of up to 20 texts a request. The answer must be a JSON array of exactly one finite
 * number in [-1, 1] per text; any other answer, an error status or no answer in time throws an
 * `LlmSentimentError` naming the reason, and the whole batch goes unscored (no partial result).
 * The scorer id is `llm:<model>`, so stored scores say which model made them.
 */
export class LlmSentimentScorer implements BatchSentimentScorer {
  readonly id: string;

  constructor(
    private readonly endpoint: ChatEndpoint,
    private readonly fetchImplementation: typeof fetch = (...parameters) => fetch(...parameters),
    private readonly timeoutMs = LLM_SENTIMENT_TIMEOUT_MS,
  ) {
    this.id = `llm:${endpoint.model}`;
  }

  async scoreBatch(texts: readonly string[]): Promise<SentimentScore[]> {
    const scores: SentimentScore[] = [];
    for (let start = 0; start < texts.length; start += LLM_SENTIMENT_BATCH_SIZE) {
      const batch = texts.slice(start, start + LLM_SENTIMENT_BATCH_SIZE);
      for (const sentiment of await this.requestScores(batch)) scores.push({ sentiment, scorer: this.id });
    }
    return scores;
  }

  private async requestScores(texts: readonly string[]): Promise<number[]> {
    const numbered = texts
      .map(
        (text, index) =>
          `${index + 1}. ${text.replace(/\s+/g, ' ').trim().slice(0, LLM_SENTIMENT_MAX_TEXT_CHARACTERS)}`,
      )
      .join('\n');
    let text: string;
    try {
      ({ text } = await completeChat(
        this.endpoint,
        [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: `${texts.length} texts:\n${numbered}` },
        ],
        { fetchImplementation: this.fetchImplementation, timeoutMs: this.timeoutMs },
      ));
    } catch (error) {
      if (error instanceof ChatEndpointError) throw new LlmSentimentError(error.message);
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(answerJson(text));
    } catch {
      throw new LlmSentimentError('the chat model answered something other than a JSON array');
    }
    const parsed = scoresSchema.safeParse(json);
    if (!parsed.success) {
      throw new LlmSentimentError(
        'the chat model answered something other than an array of numbers from -1 to 1',
      );
    }
    if (parsed.data.length !== texts.length) {
      throw new LlmSentimentError(
        `the chat model answered ${parsed.data.length} scores for ${texts.length} texts`,
      );
    }
    return parsed.data;
  }
}
