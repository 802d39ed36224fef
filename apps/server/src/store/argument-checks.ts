import { isTimeframe, type SeriesKey, type TimeRange, ValidationError } from '@runecast/market';

// Repository arguments come from code, CLI flags and HTTP queries alike; a wrong one is
// reported by name instead of turning into an empty result or a SQL error.

export function assertSeriesKey(series: SeriesKey): void {
  if (typeof series.exchange !== 'string' || series.exchange === '') {
    throw new ValidationError('series exchange must be a non-empty string');
  }
  if (typeof series.symbol !== 'string' || series.symbol === '') {
    throw new ValidationError('series symbol must be a non-empty string');
  }
  if (!isTimeframe(series.timeframe)) {
    throw new ValidationError(`series timeframe "${String(series.timeframe)}" is not a known timeframe`);
  }
}

export function assertTimeRange(range: TimeRange, what = 'time range'): void {
  if (!Number.isSafeInteger(range.startMs) || !Number.isSafeInteger(range.endMs)) {
    throw new ValidationError(
      `${what} needs integer epoch milliseconds, got [${String(range.startMs)}, ${String(range.endMs)})`,
    );
  }
  if (range.endMs < range.startMs) {
    throw new ValidationError(`${what} ends (${range.endMs}) before it starts (${range.startMs})`);
  }
}

export function assertLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw new ValidationError(`limit must be a positive integer, got ${String(limit)}`);
  }
}
