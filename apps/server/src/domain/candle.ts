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
  const where = `${candle.exchange}:${candle.symbol}:${candle.timeframe}@${candle.openTimeMs}`;
  for (const field of ['open', 'high', 'low', 'close', 'volume'] as const) {
    if (!isFiniteNumber(candle[field])) {
      throw new InvalidCandleError(
        `candle ${where}: ${field} is not a finite number (${String(candle[field])})`,
        {
          field,
        },
      );
    }
  }
  if (!isOnGrid(candle.openTimeMs, candle.timeframe)) {
    throw new InvalidCandleError(`candle ${where}: open time is not on the ${candle.timeframe} grid`, {
      field: 'openTimeMs',
    });
  }
  if (candle.open <= 0 || candle.high <= 0 || candle.low <= 0 || candle.close <= 0) {
    throw new InvalidCandleError(`candle ${where}: prices must be positive`, { field: 'price' });
  }
  if (candle.volume < 0)
    throw new InvalidCandleError(`candle ${where}: negative volume`, { field: 'volume' });
  if (candle.high < candle.low)
    throw new InvalidCandleError(`candle ${where}: high < low`, { field: 'high' });
  if (candle.high < Math.max(candle.open, candle.close) || candle.low > Math.min(candle.open, candle.close)) {
    throw new InvalidCandleError(`candle ${where}: open/close outside the high-low range`, { field: 'high' });
  }
  if (candle.quoteVolume !== null && (!isFiniteNumber(candle.quoteVolume) || candle.quoteVolume < 0)) {
    throw new InvalidCandleError(`candle ${where}: bad quote volume`, { field: 'quoteVolume' });
  }
  if (candle.tradeCount !== null && (!Number.isSafeInteger(candle.tradeCount) || candle.tradeCount < 0)) {
    throw new InvalidCandleError(`candle ${where}: bad trade count`, { field: 'tradeCount' });
  }
}
