/** One candle as read from a kline file. Times are UTC epoch milliseconds. */
export interface KlineRow {
  openTimeMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Volume in quote currency; null when the file does not carry it (freqtrade JSON). */
  quoteVolume: number | null;
  /** Number of trades; null when the file does not carry it. */
  tradeCount: number | null;
}

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

/** Returns the first problem with a row, or null when it can be stored. */
export function findKlineRowProblem(row: KlineRow): string | null {
  for (const field of ['open', 'high', 'low', 'close', 'volume'] as const) {
    if (!Number.isFinite(row[field])) return `${field} is not a finite number (${String(row[field])})`;
  }
  if (row.open <= 0 || row.high <= 0 || row.low <= 0 || row.close <= 0) {
    return `prices must be positive (open ${row.open}, high ${row.high}, low ${row.low}, close ${row.close})`;
  }
  if (row.volume < 0) return `volume is negative (${row.volume})`;
  if (row.high < row.low) return `high ${row.high} is below low ${row.low}`;
  if (row.open > row.high || row.open < row.low) {
    return `open ${row.open} is outside the low-high range ${row.low}..${row.high}`;
  }
  if (row.close > row.high || row.close < row.low) {
    return `close ${row.close} is outside the low-high range ${row.low}..${row.high}`;
  }
  if (row.quoteVolume !== null && (!Number.isFinite(row.quoteVolume) || row.quoteVolume < 0)) {
    return `quote volume is not a non-negative number (${String(row.quoteVolume)})`;
  }
  if (row.tradeCount !== null && (!Number.isSafeInteger(row.tradeCount) || row.tradeCount < 0)) {
    return `trade count is not a non-negative whole number (${String(row.tradeCount)})`;
  }
  return null;
}

export function klineRowsEqual(left: KlineRow, right: KlineRow): boolean {
  return (
    left.openTimeMs === right.openTimeMs &&
    left.open === right.open &&
    left.high === right.high &&
    left.low === right.low &&
    left.close === right.close &&
    left.volume === right.volume &&
    left.quoteVolume === right.quoteVolume &&
    left.tradeCount === right.tradeCount
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
        identical: klineRowsEqual(earlier, row),
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
