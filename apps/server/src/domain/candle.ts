import { InvalidCandleError } from './errors.ts';
import { isOnGrid, type Timeframe } from './timeframe.ts';

/** One OHLCV candle of one series. Times are UTC epoch milliseconds. */
export interface Candle {
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  openTimeMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number | null;
  tradeCount: number | null;
  /** false while the exchange still updates this candle. */
  closed: boolean;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Throws InvalidCandleError naming the first problem; corrupt data is never stored. */
export function assertValidCandle(candle: Candle): void {
  const problem = findCandleProblem(candle);
  if (problem !== null) {
    // The location string is built only on failure: this check runs on every ingested candle.
    const where = `${candle.exchange}:${candle.symbol}:${candle.timeframe}@${candle.openTimeMs}`;
    throw new InvalidCandleError(`candle ${where}: ${problem.message}`, { field: problem.field });
  }
}

/** The first problem of a candle, or null when it may be stored. */
export function findCandleProblem(candle: Candle): { field: string; message: string } | null {
  for (const field of ['open', 'high', 'low', 'close', 'volume'] as const) {
    if (!isFiniteNumber(candle[field])) {
      return { field, message: `${field} is not a finite number (${String(candle[field])})` };
    }
  }
  if (!isOnGrid(candle.openTimeMs, candle.timeframe)) {
    return { field: 'openTimeMs', message: `open time is not on the ${candle.timeframe} grid` };
  }
  if (candle.open <= 0 || candle.high <= 0 || candle.low <= 0 || candle.close <= 0) {
    return { field: 'price', message: `prices must be positive` };
  }
  if (candle.volume < 0) return { field: 'volume', message: `negative volume` };
  if (candle.high < candle.low) return { field: 'high', message: `high < low` };
  if (candle.high < Math.max(candle.open, candle.close) || candle.low > Math.min(candle.open, candle.close)) {
    return { field: 'high', message: `open/close outside the high-low range` };
  }
  if (candle.quoteVolume !== null && (!isFiniteNumber(candle.quoteVolume) || candle.quoteVolume < 0)) {
    return { field: 'quoteVolume', message: `bad quote volume` };
  }
  if (candle.tradeCount !== null && (!Number.isSafeInteger(candle.tradeCount) || candle.tradeCount < 0)) {
    return { field: 'tradeCount', message: `bad trade count` };
  }
  return null;
}
