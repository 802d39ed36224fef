import {
  assertValidCandle,
  type Candle,
  type Timeframe,
  timeframeMs,
  ValidationError,
} from '@runecast/market';

/** Guards against a stray timestamp turning the grid into gigabytes of filled gaps. */
const MAX_GRID_LENGTH = 5_000_000;

/**
 * Candles of one series laid on their timeframe grid, column by column. Hours the exchange never
 * reported (outages) are filled with a flat candle at the previous close and zero volume, marked
 * `observed = 0`, so that "k steps back" always means "k timeframes back".
 */
export interface CandleGrid {
  timeframe: Timeframe;
  timeframeMs: number;
  openTimesMs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** 1 for a candle the exchange reported, 0 for a filled gap. */
  observed: Uint8Array;
}

/**
 * Validates candles (one series, one timeframe, strictly ascending, closed) and lays them on the grid.
 * Trailing candles that are still open are left out: they are not known yet. An open candle followed
 * by closed ones is corrupt input and rejected.
 */
export function alignCandlesToGrid(candles: readonly Candle[], label: string): CandleGrid {
  let lastClosed = candles.length - 1;
  while (lastClosed >= 0 && !candles[lastClosed]!.closed) lastClosed -= 1;
  if (lastClosed < 0) throw new ValidationError(`${label}: no closed candles`);
  const first = candles[0]!;
  const timeframe = first.timeframe;
  const stepMs = timeframeMs(timeframe);
  for (let index = 0; index <= lastClosed; index += 1) {
    const candle = candles[index]!;
    if (candle.timeframe !== timeframe) {
      throw new ValidationError(
        `${label}: candle ${index} has timeframe ${candle.timeframe}, expected ${timeframe} like the first candle`,
      );
    }
    if (!candle.closed) {
      throw new ValidationError(
        `${label}: candle ${index} (${candle.openTimeMs}) is still open but later candles are closed`,
      );
    }
    assertValidCandle(candle);
    if (index > 0 && candle.openTimeMs <= candles[index - 1]!.openTimeMs) {
      throw new ValidationError(
        `${label}: candles must be strictly ascending by open time; candle ${index} (${candle.openTimeMs}) is not after ${candles[index - 1]!.openTimeMs}`,
      );
    }
  }
  const last = candles[lastClosed]!;
  const length = (last.openTimeMs - first.openTimeMs) / stepMs + 1;
  if (length > MAX_GRID_LENGTH) {
    throw new ValidationError(
      `${label}: ${first.openTimeMs}..${last.openTimeMs} spans ${length} ${timeframe} candles, more than ${MAX_GRID_LENGTH}`,
    );
  }
  const grid: CandleGrid = {
    timeframe,
    timeframeMs: stepMs,
    openTimesMs: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
    observed: new Uint8Array(length),
  };
  let source = 0;
  for (let index = 0; index < length; index += 1) {
    const openTimeMs = first.openTimeMs + index * stepMs;
    grid.openTimesMs[index] = openTimeMs;
    const candle = candles[source]!;
    if (candle.openTimeMs === openTimeMs) {
      grid.open[index] = candle.open;
      grid.high[index] = candle.high;
      grid.low[index] = candle.low;
      grid.close[index] = candle.close;
      grid.volume[index] = candle.volume;
      grid.observed[index] = 1;
      source += 1;
    } else {
      const previousClose = grid.close[index - 1]!;
      grid.open[index] = previousClose;
      grid.high[index] = previousClose;
      grid.low[index] = previousClose;
      grid.close[index] = previousClose;
      grid.volume[index] = 0;
      grid.observed[index] = 0;
    }
  }
  return grid;
}

/**
 * Close of another series as known at the close of each target candle: the last close of a
 * candle that had closed by then (an as-of join), NaN before the other series starts.
 */
export function alignClosesAsOf(target: CandleGrid, other: CandleGrid): Float64Array {
  const aligned = new Float64Array(target.openTimesMs.length).fill(Number.NaN);
  let otherIndex = -1;
  for (let index = 0; index < aligned.length; index += 1) {
    const knownAtMs = target.openTimesMs[index]! + target.timeframeMs;
    while (
      otherIndex + 1 < other.openTimesMs.length &&
      other.openTimesMs[otherIndex + 1]! + other.timeframeMs <= knownAtMs
    ) {
      otherIndex += 1;
    }
    if (otherIndex >= 0) aligned[index] = other.close[otherIndex]!;
  }
  return aligned;
}
