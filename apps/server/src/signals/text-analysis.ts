import type { TextItem, TextItemAnalysis } from '@runecast/market';
import { MentionFinder, subjectOf } from './market-mentions.ts';
import type { SentimentScorer } from './sentiment-scorer.port.ts';

/**
 * How much of an item's body is scored after its title. A headline and its lead carry the
 * direction of a story; the rest of a long article is background that would pull every long
 * article towards ±1 as its word scores add up.
 */
export const SCORED_BODY_CHARACTERS = 1_000;

/** The text a scorer reads of an item: its title, then the start of its body. */
export function scoredTextOf(item: Pick<TextItem, 'title' | 'body'>): string {
  const lead = item.body.slice(0, SCORED_BODY_CHARACTERS);
  return item.title === null ? lead : `${item.title}.\n${lead}`;
}

/**
 * Scores and tags text items: sentiment by one scorer, and the assets and runes each item names
 * (with those its channel is about), for the subjects of the tracked markets and the widely
 * traded assets.
 */
export class TextAnalyser {
  private finder: { key: string; finder: MentionFinder } | null = null;

  constructor(
    private readonly scorer: SentimentScorer,
    private readonly subjects: () => readonly string[],
  ) {}

  analyse(item: Pick<TextItem, 'title' | 'body'>, channelAbout: readonly string[] = []): TextItemAnalysis {
    const { sentiment, scorer } = this.scorer.score(scoredTextOf(item));
    const named = this.mentionFinder().find(item.title === null ? item.body : `${item.title}\n${item.body}`);
    const about = channelAbout.map(subjectOf).filter((subject): subject is string => subject !== null);
    return { sentiment, scorer, mentions: [...new Set([...named, ...about])].sort() };
  }

  private mentionFinder(): MentionFinder {
    const subjects = [...new Set(this.subjects())].sort();
    const key = subjects.join(',');
    if (this.finder?.key !== key) this.finder = { key, finder: new MentionFinder(subjects) };
    return this.finder.finder;
  }
}
