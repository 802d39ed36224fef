import { isValidExchangeId, isValidMetricName, isValidSymbol } from './series-key.ts';

/**
 * One named stat of one instrument at one poll of a snapshot source: `holders` of
 * `DOG•GO•TO•THE•MOON/SATS` from `ordiscan` at 12:05. A stat the source did not give is no
 * point at all, never a zero.
 */
export interface MetricPoint {
  source: string;
  symbol: string;
  metric: string;
  timeMs: number;
  value: number;
}

/** One dated item of text from a text source: a Discord message, a news article. */
export interface TextItem {
  source: string;
  /** The source's own id of the channel (a Discord channel snowflake, a feed id). */
  channel: string;
  /** The source's own id of the item, unique within its channel; writes are idempotent on it. */
  id: string;
  /** When it was published, by the source's word. */
  publishedAtMs: number;
  /** When Runecast first saw it; features use the later of the two, never the earlier. */
  seenAtMs: number;
  title: string | null;
  body: string;
  url: string | null;
  /** A one-way hash of the author's id, or the name where the admin opted in; null when unknown. */
  author: string | null;
  /** Assets the source itself tags the item with (CryptoPanic's currencies): counted as its mentions. */
  about?: readonly string[];
}

/** The first problem with a metric point, or null when it is good. */
export function findMetricPointProblem(point: MetricPoint): string | null {
  if (!isValidExchangeId(point.source)) return `bad source id "${String(point.source)}"`;
  if (!isValidSymbol(point.symbol)) return `bad instrument "${String(point.symbol)}"`;
  if (!isValidMetricName(point.metric)) return `bad metric name "${String(point.metric)}"`;
  if (!Number.isSafeInteger(point.timeMs) || point.timeMs < 0) return 'time must be epoch milliseconds';
  if (typeof point.value !== 'number' || !Number.isFinite(point.value)) {
    return `value of ${point.metric} must be a finite number (${String(point.value)})`;
  }
  return null;
}

/** Longest text body kept; longer items are cut here, with the cut said in the text. */
export const TEXT_ITEM_MAX_BODY = 40_000;

/** The first problem with a text item, or null when it is good. */
export function findTextItemProblem(item: TextItem): string | null {
  if (!isValidExchangeId(item.source)) return `bad source id "${String(item.source)}"`;
  for (const field of ['channel', 'id'] as const) {
    const value = item[field];
    if (typeof value !== 'string' || value === '' || value.length > 200) {
      return `${field} must be a non-empty string of at most 200 characters`;
    }
  }
  for (const field of ['publishedAtMs', 'seenAtMs'] as const) {
    if (!Number.isSafeInteger(item[field]) || item[field] < 0) return `${field} must be epoch milliseconds`;
  }
  if (typeof item.body !== 'string') return 'body must be text';
  if (item.body.length > TEXT_ITEM_MAX_BODY) return `body is longer than ${TEXT_ITEM_MAX_BODY} characters`;
  for (const field of ['title', 'url', 'author'] as const) {
    const value = item[field];
    if (value !== null && typeof value !== 'string') return `${field} must be text or null`;
  }
  return null;
}

/** Titles with fewer words than this are near-identical only when equal word for word. */
const SHORT_TITLE_WORDS = 4;
/** Share of words two longer titles must have in common (Jaccard) to be the same story. */
const NEAR_IDENTICAL_TITLE_OVERLAP = 0.8;

/** The words of a title, lower case, without punctuation or a trailing `- Outlet` / `| Outlet`. */
export function titleWords(title: string): string[] {
  return title
    .replace(/\s+[-–—|]\s+[^-–—|]{1,40}$/u, '')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\p{L}\p{N}$%.]+/gu, ' ')
    .replace(/(?<!\d)\.|\.(?!\d)/g, ' ')
    .split(' ')
    .filter(Boolean);
}

/**
 * True when two titles name the same story: equal after dropping case, punctuation and an
 * outlet's suffix, or (four words or more) sharing at least 80% of their words. Syndicated copies
 * and re-posts with a corrected typo or a tag added match; two different stories about the same
 * coin usually share far fewer words.
 */
export function areNearIdenticalTitles(left: string, right: string): boolean {
  const leftWords = titleWords(left);
  const rightWords = titleWords(right);
  if (leftWords.length === 0 || rightWords.length === 0) return false;
  if (leftWords.join(' ') === rightWords.join(' ')) return true;
  if (leftWords.length < SHORT_TITLE_WORDS || rightWords.length < SHORT_TITLE_WORDS) return false;
  const leftSet = new Set(leftWords);
  const rightSet = new Set(rightWords);
  let shared = 0;
  for (const word of leftSet) if (rightSet.has(word)) shared += 1;
  return shared / (leftSet.size + rightSet.size - shared) >= NEAR_IDENTICAL_TITLE_OVERLAP;
}

/** What Runecast read in a text item: its sentiment, the scorer that made it, and the assets it names. */
export interface TextItemAnalysis {
  /** In [-1, 1]; null when not scored. */
  sentiment: number | null;
  /** The scorer that made `sentiment` (`lexicon-v1`); null exactly when `sentiment` is. */
  scorer: string | null;
  /** Assets (`BTC`) and runes (`DOG•GO•TO•THE•MOON`) the item names or its channel is about. */
  mentions: string[];
}

export type AnalysedTextItem = TextItem & TextItemAnalysis;

/** An asset code or rune name as mentions hold them: upper-case letters and digits, `•` between words. */
export const MENTION_PATTERN = /^[A-Z0-9](?:[A-Z0-9]|•(?=[A-Z0-9])){0,59}$/u;
/**
 * A scorer id: lower-case letters, digits and dashes (`lexicon-v1`), or `llm:` and the name of the
 * chat model that scored (`llm:llama3.2:3b`; printable ASCII without spaces, as configured).
 */
export const SCORER_ID_PATTERN = /^(?:[a-z][a-z0-9-]{0,39}|llm:[\x21-\x7e]{1,200})$/;

/** The first problem with an item's analysis, or null when it is good. */
export function findTextItemAnalysisProblem(analysis: TextItemAnalysis): string | null {
  const { sentiment, scorer, mentions } = analysis;
  if (sentiment !== null && (typeof sentiment !== 'number' || !(sentiment >= -1 && sentiment <= 1))) {
    return `sentiment must be a number from -1 to 1 (${String(sentiment)})`;
  }
  if (scorer !== null && (typeof scorer !== 'string' || !SCORER_ID_PATTERN.test(scorer))) {
    return `scorer must be an id like lexicon-v1 (${String(scorer)})`;
  }
  if ((sentiment === null) !== (scorer === null)) return 'sentiment and scorer come together';
  if (!Array.isArray(mentions) || mentions.length > 100) return 'mentions must be a list of at most 100';
  for (const mention of mentions) {
    if (typeof mention !== 'string' || !MENTION_PATTERN.test(mention))
      return `bad mention "${String(mention)}"`;
  }
  return null;
}
