import { assertValidCandle, type Candle } from './candle.ts';
import { ValidationError } from './errors.ts';
import type { TimeRange } from './time-range.ts';
import { floorToGrid, timeframeMs, type Timeframe } from './timeframe.ts';

const MINUTE_MS = 60_000;

/**
 * A candle of a larger timeframe built from 1m candles, the way exchanges build theirs: open of
 * the first minute, highest high, lowest low, close of the last minute, summed volumes.
 */
export interface DerivedCandle extends Candle {
  /** How many 1m candles went into it. */
  sourceCandleCount: number;
  /**
   * Every minute of the bucket is accounted for: it has a 1m candle, or it is known empty (the
   * exchange had no trades). An incomplete bucket may still change when missing minutes arrive.
   */
  complete: boolean;
}

/**
 * Measures how much of consecutive, ascending buckets lies in sorted, non-overlapping ranges.
 * Walks both lists once, so deriving a year of buckets stays linear.
 */
export function createRangeOverlapMeter(ranges: readonly TimeRange[]): (bucket: TimeRange) => number {
  const sorted = [...ranges].sort((left, right) => left.startMs - right.startMs);
  let first = 0;
  return (bucket) => {
    while (first < sorted.length && sorted[first]!.endMs <= bucket.startMs) first += 1;
    let overlapMs = 0;
    for (let index = first; index < sorted.length; index += 1) {
      const range = sorted[index]!;
      if (range.startMs >= bucket.endMs) break;
      overlapMs += Math.min(range.endMs, bucket.endMs) - Math.max(range.startMs, bucket.startMs);
    }
    return overlapMs;
  };
}

/**
 * Whether a bucket of `stepMs` holding `sourceCandleCount` candles of `sourceStepMs` (1m unless
 * said) is complete, given how many of its milliseconds the ledger knows to be empty.
 */
export function isBucketComplete(
  sourceCandleCount: number,
  knownEmptyMs: number,
  stepMs: number,
  sourceStepMs: number = MINUTE_MS,
): boolean {
  return sourceCandleCount * sourceStepMs + knownEmptyMs >= stepMs;
}

export interface RollupOptions {
  /** Minutes known to have had no trades (from the coverage ledger); they count as present. */
  knownEmptyRanges?: readonly TimeRange[];
}

/**
 * Rolls 1m candles of one series up into `targetTimeframe`. A bucket is returned when it has
 * at least one 1m candle; `complete` says whether every minute was accounted for, and
 * `closed` is true only for a complete bucket whose 1m candles are all closed.
 * Input order does not matter; two candles with one open time, another series or another
 * timeframe are rejected, as is any invalid candle.
 */
export function rollupCandles(
  candles1m: readonly Candle[],
  targetTimeframe: Timeframe,
  options: RollupOptions = {},
): DerivedCandle[] {
  if (candles1m.length === 0) return [];
  const first = candles1m[0]!;
  for (const candle of candles1m) {
    if (candle.timeframe !== '1m') {
      throw new ValidationError(`rollup needs 1m candles, got a ${candle.timeframe} candle`);
    }
    if (candle.exchange !== first.exchange || candle.symbol !== first.symbol) {
      throw new ValidationError(
        `rollup needs one series, got ${first.exchange}:${first.symbol} and ${candle.exchange}:${candle.symbol}`,
      );
    }
    assertValidCandle(candle);
  }
  const sorted = [...candles1m].sort((left, right) => left.openTimeMs - right.openTimeMs);
  const stepMs = timeframeMs(targetTimeframe);
  const measureEmptyMs = createRangeOverlapMeter(options.knownEmptyRanges ?? []);
  const derived: DerivedCandle[] = [];
  let bucket: DerivedCandle | null = null;
  let previousOpenTimeMs = Number.NaN;
  const finish = (done: DerivedCandle) => {
    const knownEmptyMs = measureEmptyMs({ startMs: done.openTimeMs, endMs: done.openTimeMs + stepMs });
    done.complete = isBucketComplete(done.sourceCandleCount, knownEmptyMs, stepMs);
    done.closed = done.closed && done.complete;
    derived.push(done);
  };
  for (const candle of sorted) {
    if (candle.openTimeMs === previousOpenTimeMs) {
      throw new ValidationError(
        `rollup got two 1m candles of ${candle.exchange}:${candle.symbol} at ${candle.openTimeMs}`,
      );
    }
    previousOpenTimeMs = candle.openTimeMs;
    const bucketOpenTimeMs = floorToGrid(candle.openTimeMs, targetTimeframe);
    if (bucket === null || bucket.openTimeMs !== bucketOpenTimeMs) {
      if (bucket !== null) finish(bucket);
      bucket = {
        exchange: candle.exchange,
        symbol: candle.symbol,
        timeframe: targetTimeframe,
        openTimeMs: bucketOpenTimeMs,
        open: candle.open,
        high: candle.high,
        low: candle.low,
        close: candle.close,
        volume: candle.volume,
        quoteVolume: candle.quoteVolume,
        tradeCount: candle.tradeCount,
        closed: candle.closed,
        sourceCandleCount: 1,
        complete: false,
      };
      continue;
    }
    bucket.high = Math.max(bucket.high, candle.high);
    bucket.low = Math.min(bucket.low, candle.low);
    bucket.close = candle.close;
    bucket.volume += candle.volume;
    // A sum over only some minutes would be wrong, so one unknown makes the total unknown.
    bucket.quoteVolume =
      bucket.quoteVolume === null || candle.quoteVolume === null
        ? null
        : bucket.quoteVolume + candle.quoteVolume;
    bucket.tradeCount =
      bucket.tradeCount === null || candle.tradeCount === null ? null : bucket.tradeCount + candle.tradeCount;
    bucket.closed = bucket.closed && candle.closed;
    bucket.sourceCandleCount += 1;
  }
  if (bucket !== null) finish(bucket);
  return derived;
}
