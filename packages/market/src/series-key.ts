import { ValidationError } from './errors.ts';
import { TIMEFRAMES, parseTimeframe, type Timeframe } from './timeframe.ts';

/**
 * One candle series: a source, an instrument of it and a timeframe, written
 * `source:INSTRUMENT:timeframe` (`binance:BTC/USDT:1m`, `ordiscan:DOG•GO•TO•THE•MOON/SATS:1h`).
 * For exchanges the source is the ccxt exchange id and the instrument its unified symbol, so the
 * fields keep those names.
 */
export interface SeriesKey {
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
}

/**
 * A named metric of an instrument sampled on a timeframe (holders, listings, sales…), written
 * `source:INSTRUMENT:timeframe:metric` (`ordiscan:DOG•GO•TO•THE•MOON/SATS:1h:holders`).
 */
export interface MetricSeriesKey extends SeriesKey {
  metric: string;
}

/** The spacer rune names carry between letters (U+2022), as `DOG•GO•TO•THE•MOON`. */
export const RUNE_SPACER = '•';

// One grammar, written once as pattern text, so the key parser, the API schemas (whose OpenAPI
// document shows the pattern) and the dashboard agree. A name part is upper-case letters and
// digits, optionally with rune spacers between them.
const SOURCE_ID_SOURCE = '[a-z][a-z0-9]{1,30}';
const NAME_PART_SOURCE = `[A-Z0-9](?:[A-Z0-9]|${RUNE_SPACER}(?=[A-Z0-9])){0,59}`;
const INSTRUMENT_SOURCE = `${NAME_PART_SOURCE}\\/${NAME_PART_SOURCE}(?::${NAME_PART_SOURCE})?`;
const TIMEFRAME_SOURCE = `(?:${TIMEFRAMES.join('|')})`;
const METRIC_SOURCE = '[a-z][a-z0-9_]{0,39}';

/** A source id: lower-case letters and digits (`binance`, `ordiscan`). */
export const SOURCE_ID_PATTERN = new RegExp(`^${SOURCE_ID_SOURCE}$`);
/** An instrument: `BASE/QUOTE`, `BASE/QUOTE:SETTLE` for derivatives, rune names with `•`. */
export const INSTRUMENT_PATTERN = new RegExp(`^${INSTRUMENT_SOURCE}$`);
/** `source:INSTRUMENT:timeframe`. */
export const SERIES_KEY_PATTERN = new RegExp(
  `^${SOURCE_ID_SOURCE}:${INSTRUMENT_SOURCE}:${TIMEFRAME_SOURCE}$`,
  'u',
);
/** A metric name: lower-case letters, digits and underscores (`holders`, `floor_price_sats`). */
export const METRIC_NAME_PATTERN = new RegExp(`^${METRIC_SOURCE}$`);
/** `source:INSTRUMENT:timeframe:metric`: a named stat of an instrument on a timeframe. */
export const METRIC_SERIES_KEY_PATTERN = new RegExp(
  `^${SOURCE_ID_SOURCE}:${INSTRUMENT_SOURCE}:${TIMEFRAME_SOURCE}:${METRIC_SOURCE}$`,
  'u',
);

/** A price series key or a metric series key: what may be a cross asset of a model. */
export const CROSS_ASSET_KEY_PATTERN = new RegExp(
  `^${SOURCE_ID_SOURCE}:${INSTRUMENT_SOURCE}:${TIMEFRAME_SOURCE}(?::${METRIC_SOURCE})?$`,
  'u',
);

/** True for `source:INSTRUMENT:timeframe:metric` (a metric series), false for a price series key. */
export function isMetricSeriesKey(text: string): boolean {
  const metric = text.slice(text.lastIndexOf(':') + 1);
  return METRIC_SERIES_KEY_PATTERN.test(text) && isValidMetricName(metric);
}

export function isValidSymbol(symbol: string): boolean {
  return INSTRUMENT_PATTERN.test(symbol);
}

export function isValidExchangeId(exchange: string): boolean {
  return SOURCE_ID_PATTERN.test(exchange);
}

export function isValidMetricName(metric: string): boolean {
  return METRIC_NAME_PATTERN.test(metric) && !(TIMEFRAMES as readonly string[]).includes(metric);
}

/**
 * A rune name as people type it (`dog.go.to.the.moon`, `DOG GO TO THE MOON`, `DOG•GO•TO•THE•MOON`)
 * in the one spelling keys use: upper case, `•` between the words.
 */
export function normalizeRuneName(name: string): string {
  return name
    .trim()
    .toUpperCase()
    .replace(/[.\s•·]+/gu, RUNE_SPACER);
}

export function formatSeriesKey(key: SeriesKey): string {
  return `${key.exchange}:${key.symbol}:${key.timeframe}`;
}

export function formatMetricSeriesKey(key: MetricSeriesKey): string {
  return `${formatSeriesKey(key)}:${key.metric}`;
}

export function parseSeriesKey(text: string): SeriesKey {
  const lastColon = text.lastIndexOf(':');
  const firstColon = text.indexOf(':');
  if (firstColon <= 0 || lastColon === firstColon) {
    throw new ValidationError(
      `series "${text}" must look like source:BASE/QUOTE:timeframe, e.g. binance:BTC/USDT:1m`,
    );
  }
  const exchange = text.slice(0, firstColon);
  const symbol = text.slice(firstColon + 1, lastColon);
  const timeframeText = text.slice(lastColon + 1);
  if (!isValidExchangeId(exchange))
    throw new ValidationError(`series "${text}": bad source id "${exchange}"`);
  if (!isValidSymbol(symbol))
    throw new ValidationError(`series "${text}": bad instrument "${symbol}" (want BASE/QUOTE)`);
  let timeframe: Timeframe;
  try {
    timeframe = parseTimeframe(timeframeText);
  } catch (error) {
    throw new ValidationError(`series "${text}": ${(error as Error).message}`);
  }
  return { exchange, symbol, timeframe };
}

export function parseMetricSeriesKey(text: string): MetricSeriesKey {
  const lastColon = text.lastIndexOf(':');
  const metric = lastColon < 0 ? '' : text.slice(lastColon + 1);
  if (!isValidMetricName(metric)) {
    throw new ValidationError(
      `metric series "${text}" must look like source:BASE/QUOTE:timeframe:metric, e.g. ordiscan:DOG${RUNE_SPACER}GO/SATS:1h:holders`,
    );
  }
  return { ...parseSeriesKey(text.slice(0, lastColon)), metric };
}

// Bus topic segments may hold no dot, wildcard or whitespace (NATS subject rules), and stay
// ASCII so every client and log shows them alike: `/` → `-`, `:` → `_`, `•` → `~`.
const TOPIC_SEGMENT_PATTERN = /^([A-Z0-9~]{1,100})-([A-Z0-9~]{1,100})(?:_([A-Z0-9~]{1,100}))?$/;

/** Bus topic segment for an instrument: `BTC/USDT` → `BTC-USDT`, `DOG•GO/SATS` → `DOG~GO-SATS`. */
export function symbolTopicSegment(symbol: string): string {
  return symbol.replaceAll('/', '-').replaceAll(':', '_').replaceAll(RUNE_SPACER, '~');
}

/** The inverse of `symbolTopicSegment`; throws on a segment no instrument makes. */
export function symbolFromTopicSegment(segment: string): string {
  const match = TOPIC_SEGMENT_PATTERN.exec(segment);
  const [, base, quote, settle] = match ?? [];
  const symbol =
    base === undefined || quote === undefined
      ? ''
      : `${base}/${quote}${settle === undefined ? '' : `:${settle}`}`.replaceAll('~', RUNE_SPACER);
  if (!isValidSymbol(symbol)) {
    throw new ValidationError(`bad symbol segment "${segment}" in a topic (want BASE-QUOTE, e.g. BTC-USDT)`);
  }
  return symbol;
}
