import { InvalidCandleError } from './errors.ts';
import { isOnGrid, type Timeframe } from './timeframe.ts';
import type { SeriesKey } from './series-key.ts';

/** The values of one candle, without its series or state. Times are UTC epoch milliseconds. */
export interface OhlcvValues {
  openTimeMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Volume in quote currency; null when the source does not give it. */
  quoteVolume: number | null;
  /** Number of trades; null when the source does not give it. */
  tradeCount: number | null;
}

/** One OHLCV candle of one series. Times are UTC epoch milliseconds. */
export interface Candle extends OhlcvValues {
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  /** false while the exchange still updates this candle. */
  closed: boolean;
}

/** A field of a candle that a problem is about. */
export type CandleField = keyof OhlcvValues;

/** What is wrong with a candle: the field to point at and a message naming the values. */
export interface CandleProblem {
  field: CandleField;
  message: string;
}

/**
 * The one rule of a storable candle, shared by ingestion, bus messages and file imports:
 * finite positive prices, open and close inside the high-low range, volumes not negative, a
 * whole trade count. Takes plain numbers so a batch check allocates nothing for a good candle.
 * Returns the first problem, or null.
 */
export function findOhlcvProblem(
  open: number,
  high: number,
  low: number,
  close: number,
  volume: number,
  quoteVolume: number | null | undefined,
  tradeCount: number | null | undefined,
): CandleProblem | null {
  if (!Number.isFinite(open)) return notFinite('open', open);
  if (!Number.isFinite(high)) return notFinite('high', high);
  if (!Number.isFinite(low)) return notFinite('low', low);
  if (!Number.isFinite(close)) return notFinite('close', close);
  if (!Number.isFinite(volume)) return notFinite('volume', volume);
  if (!(open > 0)) return notPositive('open', open);
  if (!(high > 0)) return notPositive('high', high);
  if (!(low > 0)) return notPositive('low', low);
  if (!(close > 0)) return notPositive('close', close);
  if (volume < 0) return { field: 'volume', message: `volume is negative (${volume})` };
  if (high < low) return { field: 'high', message: `high ${high} is below low ${low}` };
  if (open > high || open < low) return outsideRange('open', open, low, high);
  if (close > high || close < low) return outsideRange('close', close, low, high);
  if (quoteVolume !== null && quoteVolume !== undefined && !(quoteVolume >= 0)) {
    return {
      field: 'quoteVolume',
      message: `quote volume is not a non-negative number (${String(quoteVolume)})`,
    };
  }
  if (
    tradeCount !== null &&
    tradeCount !== undefined &&
    !(Number.isSafeInteger(tradeCount) && tradeCount >= 0)
  ) {
    return {
      field: 'tradeCount',
      message: `trade count is not a non-negative whole number (${String(tradeCount)})`,
    };
  }
  return null;
}

// Messages are built only on failure: the rule runs on every ingested candle.
function notFinite(field: CandleField, value: unknown): CandleProblem {
  return { field, message: `${field} is not a finite number (${String(value)})` };
}

function notPositive(field: CandleField, value: number): CandleProblem {
  return { field, message: `${field} must be a positive number (${value})` };
}

function outsideRange(field: CandleField, value: number, low: number, high: number): CandleProblem {
  return { field, message: `${field} ${value} is outside the high-low range ${low}..${high}` };
}

/** Throws InvalidCandleError naming the first problem; corrupt data is never stored. */
export function assertValidCandle(candle: Candle): void {
  const problem = findCandleProblem(candle);
  if (problem !== null) {
    const where = `${candle.exchange}:${candle.symbol}:${candle.timeframe}@${candle.openTimeMs}`;
    throw new InvalidCandleError(`candle ${where}: ${problem.message}`, { field: problem.field });
  }
}

/** The first problem of a candle (including an open time off its timeframe's grid), or null. */
export function findCandleProblem(candle: Candle): CandleProblem | null {
  if (typeof candle.openTimeMs !== 'number' || !isOnGrid(candle.openTimeMs, candle.timeframe)) {
    return { field: 'openTimeMs', message: `open time is not on the ${candle.timeframe} grid` };
  }
  return findOhlcvProblem(
    candle.open,
    candle.high,
    candle.low,
    candle.close,
    candle.volume,
    candle.quoteVolume,
    candle.tradeCount,
  );
}

/** True when two candles have the same open time, prices and volume (the exchange's own values). */
/**
 * A closed candle of one value (open = high = low = close, no volume): a daily close from a file
 * that has only closes, or a metric reading slotted as a candle.
 */
export function closeOnlyCandle(series: SeriesKey, openTimeMs: number, value: number): Candle {
  return {
    exchange: series.exchange,
    symbol: series.symbol,
    timeframe: series.timeframe,
    openTimeMs,
    open: value,
    high: value,
    low: value,
    close: value,
    volume: 0,
    quoteVolume: null,
    tradeCount: null,
    closed: true,
  };
}

export function sameOhlcv(left: OhlcvValues, right: OhlcvValues): boolean {
  return (
    left.openTimeMs === right.openTimeMs &&
    left.open === right.open &&
    left.high === right.high &&
    left.low === right.low &&
    left.close === right.close &&
    left.volume === right.volume
  );
}

/** True when two candles agree on every value, quote volume and trade count included. */
export function sameCandleValues(left: OhlcvValues, right: OhlcvValues): boolean {
  return (
    sameOhlcv(left, right) && left.quoteVolume === right.quoteVolume && left.tradeCount === right.tradeCount
  );
}
