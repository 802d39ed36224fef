import { busTopicPrefixes, type BusTopicPrefix } from '@runecast/contracts';
import {
  isTimeframe,
  isValidExchangeId,
  isValidSymbol,
  type SeriesKey,
  symbolFromTopicSegment,
  symbolTopicSegment,
  type Timeframe,
  ValidationError,
} from '@runecast/market';

/** An exchange market, as far as topics care. */
export interface MarketRef {
  exchange: string;
  symbol: string;
}

/** A concrete topic taken apart. `symbol` is the unified `BASE/QUOTE` form. */
export type ParsedTopic =
  | { family: 'candles'; prefix: 'data.candles'; exchange: string; symbol: string; timeframe: Timeframe }
  | { family: 'metrics'; prefix: 'data.metrics'; exchange: string; symbol: string; timeframe: Timeframe }
  | { family: 'trades'; prefix: 'data.trades'; exchange: string; symbol: string }
  | { family: 'book'; prefix: 'data.book'; exchange: string; symbol: string }
  | {
      family: 'backfillProgress';
      prefix: 'ingest.progress';
      exchange: string;
      symbol: string;
      timeframe: Timeframe;
    }
  | { family: 'ingestFaults'; prefix: 'ingest.faults'; exchange: string }
  | { family: 'sourceState'; prefix: 'source.state'; exchange: string }
  | { family: 'jobProgress'; prefix: 'jobs.progress'; jobId: string }
  | { family: 'alertsFired'; prefix: 'alerts.fired'; ownerUserId: string }
  | { family: 'forecasts'; prefix: 'forecasts.made'; exchange: string; symbol: string; timeframe: Timeframe }
  | {
      family: 'forecastsScored';
      prefix: 'forecasts.scored';
      exchange: string;
      symbol: string;
      timeframe: Timeframe;
    }
  | { family: 'healthChanged'; prefix: 'health.changed'; process: string };

export type TopicFamily = ParsedTopic['family'];

/** A segment may hold no dot, whitespace, wildcard or control character (NATS subject rules). */
const SEGMENT_PATTERN = /^[A-Za-z0-9_~-]+$/;

function exchangeSegment(exchange: string): string {
  if (!isValidExchangeId(exchange)) {
    throw new ValidationError(
      `bad exchange id "${exchange}" for a topic (want lower-case letters and digits)`,
    );
  }
  return exchange;
}

function symbolSegment(symbol: string): string {
  if (!isValidSymbol(symbol)) {
    throw new ValidationError(`bad symbol "${symbol}" for a topic (want BASE/QUOTE, e.g. BTC/USDT)`);
  }
  return symbolTopicSegment(symbol);
}

function timeframeSegment(timeframe: string): Timeframe {
  if (!isTimeframe(timeframe)) throw new ValidationError(`bad timeframe "${timeframe}" for a topic`);
  return timeframe;
}

/** `data.candles.binance.BTC-USDT.1m` */
export function candlesTopic(series: SeriesKey): string {
  return `${busTopicPrefixes.candles}.${exchangeSegment(series.exchange)}.${symbolSegment(series.symbol)}.${timeframeSegment(series.timeframe)}`;
}

/** `data.metrics.unisat.DOG~GO~TO~THE~MOON-SATS.5m`: an instrument's stats from one poll. */
export function metricsTopic(series: SeriesKey): string {
  return `${busTopicPrefixes.metrics}.${exchangeSegment(series.exchange)}.${symbolSegment(series.symbol)}.${timeframeSegment(series.timeframe)}`;
}

/** `data.trades.binance.BTC-USDT` */
export function tradesTopic(market: MarketRef): string {
  return `${busTopicPrefixes.trades}.${exchangeSegment(market.exchange)}.${symbolSegment(market.symbol)}`;
}

/** `data.book.binance.BTC-USDT` */
export function bookTopic(market: MarketRef): string {
  return `${busTopicPrefixes.book}.${exchangeSegment(market.exchange)}.${symbolSegment(market.symbol)}`;
}

/** `ingest.progress.binance.BTC-USDT.1m` */
export function backfillProgressTopic(series: SeriesKey): string {
  return `${busTopicPrefixes.backfillProgress}.${exchangeSegment(series.exchange)}.${symbolSegment(series.symbol)}.${timeframeSegment(series.timeframe)}`;
}

/** `ingest.faults.binance` */
export function ingestFaultsTopic(exchange: string): string {
  return `${busTopicPrefixes.ingestFaults}.${exchangeSegment(exchange)}`;
}

/** `source.state.binance` */
export function sourceStateTopic(exchange: string): string {
  return `${busTopicPrefixes.sourceState}.${exchangeSegment(exchange)}`;
}

const JOB_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** User ids are lower-case UUIDs, as job ids are. */
const USER_ID_PATTERN = JOB_ID_PATTERN;

function jobIdSegment(jobId: string): string {
  if (!JOB_ID_PATTERN.test(jobId))
    throw new ValidationError(`bad job id "${jobId}" for a topic (want a lower-case UUID)`);
  return jobId;
}

/** `alerts.fired.<ownerUserId>`: one topic per user, so a stream follows only its owner's firings. */
export function alertsFiredTopic(ownerUserId: string): string {
  if (!USER_ID_PATTERN.test(ownerUserId)) {
    throw new ValidationError(`bad user id "${ownerUserId}" for a topic (want a lower-case UUID)`);
  }
  return `${busTopicPrefixes.alertsFired}.${ownerUserId}`;
}

/** `jobs.progress.<jobId>` */
export function jobProgressTopic(jobId: string): string {
  return `${busTopicPrefixes.jobProgress}.${jobIdSegment(jobId)}`;
}

/** `forecasts.made.binance.BTC-USDT.1h` */
export function forecastsTopic(series: SeriesKey): string {
  return `${busTopicPrefixes.forecasts}.${exchangeSegment(series.exchange)}.${symbolSegment(series.symbol)}.${timeframeSegment(series.timeframe)}`;
}

/** `forecasts.scored.binance.BTC-USDT.1h` */
export function forecastsScoredTopic(series: SeriesKey): string {
  return `${busTopicPrefixes.forecastsScored}.${exchangeSegment(series.exchange)}.${symbolSegment(series.symbol)}.${timeframeSegment(series.timeframe)}`;
}

/** `health.changed.<process>`: a process names itself with letters, digits, "-" and "_". */
export function healthChangedTopic(process: string): string {
  if (!SEGMENT_PATTERN.test(process) || process.length > 64) {
    throw new ValidationError(`bad process name "${process}" for a topic (letters, digits, "-" and "_")`);
  }
  return `${busTopicPrefixes.healthChanged}.${process}`;
}

/**
 * Subscription pattern for a topic family, with `*` for every part left out:
 * `topicPattern('candles', { symbol: 'BTC/USDT' })` → `data.candles.*.BTC-USDT.*`.
 * With nothing given, the family's whole tree (`data.candles.>`).
 */
export function topicPattern(
  family: TopicFamily,
  parts: { exchange?: string; symbol?: string; timeframe?: Timeframe } = {},
): string {
  const prefix = busTopicPrefixes[family];
  if (parts.exchange === undefined && parts.symbol === undefined && parts.timeframe === undefined) {
    return `${prefix}.>`;
  }
  if (family === 'jobProgress' || family === 'alertsFired' || family === 'healthChanged')
    return `${prefix}.*`;
  const exchange = parts.exchange === undefined ? '*' : exchangeSegment(parts.exchange);
  if (family === 'ingestFaults' || family === 'sourceState') return `${prefix}.${exchange}`;
  const symbol = parts.symbol === undefined ? '*' : symbolSegment(parts.symbol);
  if (family === 'trades' || family === 'book') return `${prefix}.${exchange}.${symbol}`;
  const timeframe = parts.timeframe === undefined ? '*' : timeframeSegment(parts.timeframe);
  return `${prefix}.${exchange}.${symbol}.${timeframe}`;
}

const familyByPrefix = Object.fromEntries(
  Object.entries(busTopicPrefixes).map(([family, prefix]) => [prefix, family]),
) as Record<BusTopicPrefix, TopicFamily>;

function splitSegments(text: string, what: string): string[] {
  if (text.length === 0) throw new ValidationError(`${what} is empty`);
  if (text.length > 255)
    throw new ValidationError(`${what} "${text.slice(0, 40)}…" is longer than 255 characters`);
  return text.split('.');
}

/** Throws ValidationError unless `topic` is a concrete topic: dot-separated plain segments. */
export function assertConcreteTopic(topic: string): void {
  for (const segment of splitSegments(topic, 'topic')) {
    if (segment === '*' || segment === '>') {
      throw new ValidationError(`topic "${topic}" holds a wildcard; publish to a concrete topic`);
    }
    if (!SEGMENT_PATTERN.test(segment)) {
      throw new ValidationError(
        `topic "${topic}" has a bad segment "${segment}" (letters, digits, "-" and "_" only, no empty segments)`,
      );
    }
  }
}

/** Throws ValidationError unless `pattern` is a valid subscription pattern (`*` and a final `>` allowed). */
export function assertValidPattern(pattern: string): void {
  const segments = splitSegments(pattern, 'topic pattern');
  segments.forEach((segment, index) => {
    if (segment === '*') return;
    if (segment === '>') {
      if (index !== segments.length - 1) {
        throw new ValidationError(`topic pattern "${pattern}": ">" may only be the last segment`);
      }
      return;
    }
    if (!SEGMENT_PATTERN.test(segment)) {
      throw new ValidationError(
        `topic pattern "${pattern}" has a bad segment "${segment}" (letters, digits, "-", "_", or a whole-segment "*" / final ">")`,
      );
    }
  });
}

/** NATS subject matching: `*` matches one segment, a final `>` one or more. */
export function topicMatches(pattern: string, topic: string): boolean {
  const patternSegments = pattern.split('.');
  const topicSegments = topic.split('.');
  for (let index = 0; index < patternSegments.length; index += 1) {
    const expected = patternSegments[index];
    if (expected === '>') return topicSegments.length > index;
    const actual = topicSegments[index];
    if (actual === undefined) return false;
    if (expected !== '*' && expected !== actual) return false;
  }
  return patternSegments.length === topicSegments.length;
}

/** Takes a concrete topic apart; throws ValidationError naming the first thing wrong. */
export function parseTopic(topic: string): ParsedTopic {
  assertConcreteTopic(topic);
  const segments = topic.split('.');
  const prefix = `${segments[0]}.${segments[1] ?? ''}` as BusTopicPrefix;
  const family = familyByPrefix[prefix];
  if (family === undefined) {
    throw new ValidationError(
      `topic "${topic}" belongs to no known family (known: ${Object.values(busTopicPrefixes).join(', ')})`,
    );
  }
  const rest = segments.slice(2);
  const expectedLength = {
    candles: 3,
    metrics: 3,
    backfillProgress: 3,
    trades: 2,
    book: 2,
    ingestFaults: 1,
    sourceState: 1,
    jobProgress: 1,
    alertsFired: 1,
    forecasts: 3,
    forecastsScored: 3,
    healthChanged: 1,
  }[family];
  if (rest.length !== expectedLength) {
    const shape = {
      candles: 'data.candles.<exchange>.<BASE-QUOTE>.<timeframe>',
      metrics: 'data.metrics.<exchange>.<BASE-QUOTE>.<timeframe>',
      backfillProgress: 'ingest.progress.<exchange>.<BASE-QUOTE>.<timeframe>',
      trades: 'data.trades.<exchange>.<BASE-QUOTE>',
      book: 'data.book.<exchange>.<BASE-QUOTE>',
      ingestFaults: 'ingest.faults.<exchange>',
      sourceState: 'source.state.<exchange>',
      jobProgress: 'jobs.progress.<jobId>',
      alertsFired: 'alerts.fired.<ownerUserId>',
      forecasts: 'forecasts.made.<exchange>.<BASE-QUOTE>.<timeframe>',
      forecastsScored: 'forecasts.scored.<exchange>.<BASE-QUOTE>.<timeframe>',
      healthChanged: 'health.changed.<process>',
    }[family];
    throw new ValidationError(`topic "${topic}" must look like ${shape}`);
  }
  if (family === 'jobProgress') {
    const jobId = rest[0] as string;
    if (!JOB_ID_PATTERN.test(jobId))
      throw new ValidationError(`topic "${topic}": bad job id "${jobId}" (want a lower-case UUID)`);
    return { family, prefix: 'jobs.progress', jobId };
  }
  if (family === 'alertsFired') {
    const ownerUserId = rest[0] as string;
    if (!USER_ID_PATTERN.test(ownerUserId))
      throw new ValidationError(`topic "${topic}": bad user id "${ownerUserId}" (want a lower-case UUID)`);
    return { family, prefix: 'alerts.fired', ownerUserId };
  }
  if (family === 'healthChanged') {
    const process = rest[0] as string;
    if (process.length > 64) throw new ValidationError(`topic "${topic}": process name longer than 64`);
    return { family, prefix: 'health.changed', process };
  }
  const exchange = rest[0] as string;
  if (!isValidExchangeId(exchange))
    throw new ValidationError(`topic "${topic}": bad exchange id "${exchange}"`);
  if (family === 'ingestFaults' || family === 'sourceState') {
    return family === 'ingestFaults'
      ? { family, prefix: 'ingest.faults', exchange }
      : { family, prefix: 'source.state', exchange };
  }
  let symbol: string;
  try {
    symbol = symbolFromTopicSegment(rest[1] as string);
  } catch (error) {
    throw new ValidationError(`topic "${topic}": ${(error as Error).message}`);
  }
  if (family === 'trades') return { family, prefix: 'data.trades', exchange, symbol };
  if (family === 'book') return { family, prefix: 'data.book', exchange, symbol };
  const timeframe = rest[2] as string;
  if (!isTimeframe(timeframe)) throw new ValidationError(`topic "${topic}": bad timeframe "${timeframe}"`);
  if (family === 'forecasts') return { family, prefix: 'forecasts.made', exchange, symbol, timeframe };
  if (family === 'forecastsScored')
    return { family, prefix: 'forecasts.scored', exchange, symbol, timeframe };
  if (family === 'metrics') return { family, prefix: 'data.metrics', exchange, symbol, timeframe };
  return family === 'candles'
    ? { family, prefix: 'data.candles', exchange, symbol, timeframe }
    : { family, prefix: 'ingest.progress', exchange, symbol, timeframe };
}

/** True when some concrete topic matches both patterns. */
export function topicPatternsOverlap(first: string, second: string): boolean {
  const firstSegments = first.split('.');
  const secondSegments = second.split('.');
  for (let index = 0; ; index += 1) {
    const left = firstSegments[index];
    const right = secondSegments[index];
    if (left === undefined || right === undefined) return left === right;
    if (left === '>' || right === '>') return true;
    if (left !== '*' && right !== '*' && left !== right) return false;
  }
}
