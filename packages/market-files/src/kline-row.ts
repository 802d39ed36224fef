import { findOhlcvProblem, type OhlcvValues, sameCandleValues } from '@runecast/market';

/** One candle as read from a kline file. Times are UTC epoch milliseconds. */
export type KlineRow = OhlcvValues;

/** A row that was rejected. `line` is 1-based: the text line for CSV, the array position for JSON. */
export interface KlineRowError {
  line: number;
  message: string;
}

/** A valid row whose time repeats or goes backwards; reported apart from invalid rows. */
export interface KlineSequenceIssue {
  line: number;
  openTimeMs: number;
  kind: 'duplicate' | 'out-of-order';
  /** For duplicates: true when every value equals the earlier row with the same time. */
  identical: boolean;
}

/** Columns of a series as typed arrays, for code that scans many rows. */
export interface KlineColumns {
  openTimeMs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

// Anything below this is seconds (before 1973 in ms); anything above is microseconds (after 5138 in ms).
const SMALLEST_MILLISECOND_TIME = 100_000_000_000;
const LARGEST_MILLISECOND_TIME = 100_000_000_000_000;

/**
 * Binance switched its spot kline files to microsecond times in 2025; both units appear in the
 * wild, so the unit is told apart by magnitude. Returns an error message or the time in ms.
 */
export function normalizeOpenTime(rawTime: number): number | string {
  if (!Number.isFinite(rawTime)) return `open time is not a number (${String(rawTime)})`;
  if (rawTime < 0) return `open time is negative (${rawTime})`;
  if (rawTime < SMALLEST_MILLISECOND_TIME) {
    return `open time ${rawTime} is too small for milliseconds (seconds are not accepted)`;
  }
  const timeMs = rawTime >= LARGEST_MILLISECOND_TIME ? rawTime / 1000 : rawTime;
  if (!Number.isSafeInteger(timeMs)) return `open time ${rawTime} is not a whole number of milliseconds`;
  return timeMs;
}

/** Returns the first problem with a row, or null when it can be stored (the one candle rule). */
export function findKlineRowProblem(row: KlineRow): string | null {
  return (
    findOhlcvProblem(row.open, row.high, row.low, row.close, row.volume, row.quoteVolume, row.tradeCount)
      ?.message ?? null
  );
}

/** Finds repeated and backward times in file order. */
export function findSequenceIssues(
  rows: readonly KlineRow[],
  lines: readonly number[],
): KlineSequenceIssue[] {
  const issues: KlineSequenceIssue[] = [];
  const seen = new Map<number, KlineRow>();
  let latestTimeMs = Number.NEGATIVE_INFINITY;
  rows.forEach((row, index) => {
    const line = lines[index] ?? index + 1;
    const earlier = seen.get(row.openTimeMs);
    if (earlier) {
      issues.push({
        line,
        openTimeMs: row.openTimeMs,
        kind: 'duplicate',
        identical: sameCandleValues(earlier, row),
      });
      return;
    }
    seen.set(row.openTimeMs, row);
    if (row.openTimeMs < latestTimeMs) {
      issues.push({ line, openTimeMs: row.openTimeMs, kind: 'out-of-order', identical: false });
    }
    latestTimeMs = Math.max(latestTimeMs, row.openTimeMs);
  });
  return issues;
}

export function toKlineColumns(rows: readonly KlineRow[]): KlineColumns {
  const columns: KlineColumns = {
    openTimeMs: new Float64Array(rows.length),
    open: new Float64Array(rows.length),
    high: new Float64Array(rows.length),
    low: new Float64Array(rows.length),
    close: new Float64Array(rows.length),
    volume: new Float64Array(rows.length),
  };
  rows.forEach((row, index) => {
    columns.openTimeMs[index] = row.openTimeMs;
    columns.open[index] = row.open;
    columns.high[index] = row.high;
    columns.low[index] = row.low;
    columns.close[index] = row.close;
    columns.volume[index] = row.volume;
  });
  return columns;
}
