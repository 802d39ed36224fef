import { eng as ENGLISH_STOPWORDS } from 'stopword';
import type { TextItem } from '@runecast/market';

/** The ranking behind extractive summaries; stored with each summary so rankings are never mixed up. */
export const EXTRACTIVE_RANKER = 'sumbasic-v1';

/** Sentences read of one item: its title and the lead of its body, where a story's point is. */
export const SENTENCES_PER_ITEM = 8;
/** A sentence needs this many distinct content words to be chosen: "lol" and "this." say nothing alone. */
export const MIN_CONTENT_WORDS = 4;
/** Longer sentences (run-on chat, pasted tables) are not chosen; they still count towards word frequencies. */
export const MAX_SENTENCE_CHARACTERS = 320;
/**
 * A sentence sharing this share of its content words with a chosen one (Jaccard index) says the
 * same again and is skipped.
 */
export const REDUNDANCY_JACCARD = 0.5;

const STOPWORDS = new Set(ENGLISH_STOPWORDS);
const SENTENCES = new Intl.Segmenter('en', { granularity: 'sentence' });
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;
const LETTER = /\p{L}/u;
const LINK = /\bhttps?:\/\/\S+/giu;
/**
 * Abbreviations after which ICU's sentence rules break although the sentence goes on ("Dr. Lee",
 * "e.g. ETH"). V8's segmenter has no switch for ICU's own list of these, so the common English
 * ones are joined back here.
 */
const ABBREVIATION_END =
  /(?:^|[\s(])(?:mr|mrs|ms|dr|prof|st|vs|etc|e\.g|i\.e|approx|inc|ltd|jr|sr|no|u\.s)\.\s*$/i;

/** One sentence of a summary, with the item it came from. */
export interface SummarySentence {
  text: string;
  /** Its SumBasic score when it was chosen: the mean frequency of its words, after the earlier picks. */
  score: number;
  source: string;
  channel: string;
  itemId: string;
  url: string | null;
  publishedAtMs: number;
  seenAtMs: number;
  knownAtMs: number;
}

export interface ExtractiveSummary {
  ranker: typeof EXTRACTIVE_RANKER;
  /** Items read, after dropping exact copies of an earlier item's text. */
  itemsRead: number;
  /** Sentences long enough to be chosen. */
  candidateSentences: number;
  sentences: SummarySentence[];
}

interface Candidate {
  text: string;
  words: readonly string[];
  item: TextItem;
}

/**
 * Splits text into sentences with the platform's Unicode segmenter (ICU's sentence rules, as
 * browsers use them), joining back breaks after common abbreviations, and drops links. The
 * textlint project's `sentence-splitter` knows more abbreviations but is several times slower on
 * chat text (`npm run bench summaries` compares both), and a summary reads up to 2,000 messages
 * on request.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let pending = '';
  for (const { segment } of SENTENCES.segment(text.replace(LINK, ' '))) {
    pending += segment;
    if (ABBREVIATION_END.test(pending)) continue;
    const sentence = pending.replace(/\s+/g, ' ').trim();
    if (sentence !== '') sentences.push(sentence);
    pending = '';
  }
  const rest = pending.replace(/\s+/g, ' ').trim();
  if (rest !== '') sentences.push(rest);
  return sentences;
}

/** The distinct content words of a sentence: lower-case words with a letter, not English stopwords. */
export function contentWords(sentence: string): string[] {
  const words = new Set<string>();
  for (const [match] of sentence.toLowerCase().matchAll(WORD)) {
    const word = match.replace(/['’]s$/, '');
    if (word.length < 2 || !LETTER.test(word) || STOPWORDS.has(word)) continue;
    words.add(word);
  }
  return [...words];
}

const itemSentences = (item: TextItem): string[] => {
  const title = item.title?.trim() ? splitSentences(item.title).join(' ') : null;
  const body = splitSentences(item.body);
  return (title === null ? body : [title, ...body]).slice(0, SENTENCES_PER_ITEM);
};

const jaccard = (left: readonly string[], right: ReadonlySet<string>): number => {
  let shared = 0;
  for (const word of left) if (right.has(word)) shared += 1;
  return shared / (left.length + right.size - shared);
};

/**
 * Chooses up to `count` sentences that say what the items are mostly about, by SumBasic
 * (Nenkova and Vanderwende, 2005), with frequencies counted per item:
 *
 * 1. p(w) = the number of items using the word w / the sum of that number over all words.
 *    Counting each word once per item keeps one long article or one repeated word from
 *    outweighing many people saying the same thing.
 * 2. A sentence scores the mean p(w) of its distinct content words; the best is chosen.
 * 3. The chosen sentence's words fall to p(w)² (what is said need not be said again), and
 *    sentences sharing half their words or more with a chosen one are skipped. Repeat.
 *
 * Ties go to the earlier item in the given order, then the earlier sentence; the same items in
 * the same order always give the same summary. Items whose title and body equal an earlier item's
 * are read once.
 *
 * The ranking itself is hand-written (a few dozen lines) so that every chosen sentence keeps
 * the item it came from and the ranking stays fixed and testable by hand; the stopword list comes
 * from a package and sentence splitting from the platform's Unicode segmenter.
 */
export function summariseExtractively(items: readonly TextItem[], count: number): ExtractiveSummary {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError('a summary needs one sentence or more');
  const seenTexts = new Set<string>();
  const usage = new Map<string, number>();
  const candidates: Candidate[] = [];
  let itemsRead = 0;
  for (const item of items) {
    const key = `${item.title ?? ''}\n${item.body}`.replace(/\s+/g, ' ').trim().toLowerCase();
    if (key === '' || seenTexts.has(key)) continue;
    seenTexts.add(key);
    itemsRead += 1;
    const itemWords = new Set<string>();
    const seenSentences = new Set<string>();
    for (const text of itemSentences(item)) {
      const words = contentWords(text);
      for (const word of words) itemWords.add(word);
      const normalised = text.toLowerCase();
      if (seenSentences.has(normalised)) continue;
      seenSentences.add(normalised);
      if (words.length >= MIN_CONTENT_WORDS && text.length <= MAX_SENTENCE_CHARACTERS) {
        candidates.push({ text, words, item });
      }
    }
    for (const word of itemWords) usage.set(word, (usage.get(word) ?? 0) + 1);
  }
  let total = 0;
  for (const uses of usage.values()) total += uses;
  const probability = new Map<string, number>();
  for (const [word, uses] of usage) probability.set(word, uses / total);

  const chosen: { candidate: Candidate; score: number; words: Set<string> }[] = [];
  const taken = new Set<number>();
  while (chosen.length < count) {
    let bestIndex = -1;
    let bestScore = -1;
    for (let index = 0; index < candidates.length; index += 1) {
      if (taken.has(index)) continue;
      const candidate = candidates[index]!;
      if (chosen.some((pick) => jaccard(candidate.words, pick.words) >= REDUNDANCY_JACCARD)) {
        taken.add(index);
        continue;
      }
      let sum = 0;
      for (const word of candidate.words) sum += probability.get(word) ?? 0;
      const score = sum / candidate.words.length;
      // Strictly greater: the earlier candidate wins a tie.
      if (score > bestScore) {
        bestScore = score;
        bestIndex = index;
      }
    }
    if (bestIndex < 0) break;
    const best = candidates[bestIndex]!;
    taken.add(bestIndex);
    chosen.push({ candidate: best, score: bestScore, words: new Set(best.words) });
    for (const word of best.words) {
      const value = probability.get(word) ?? 0;
      probability.set(word, value * value);
    }
  }
  return {
    ranker: EXTRACTIVE_RANKER,
    itemsRead,
    candidateSentences: candidates.length,
    sentences: chosen.map(({ candidate, score }) => ({
      text: candidate.text,
      score,
      source: candidate.item.source,
      channel: candidate.item.channel,
      itemId: candidate.item.id,
      url: candidate.item.url,
      publishedAtMs: candidate.item.publishedAtMs,
      seenAtMs: candidate.item.seenAtMs,
      knownAtMs: Math.max(candidate.item.publishedAtMs, candidate.item.seenAtMs),
    })),
  };
}
