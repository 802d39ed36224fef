import {
  type CoverageRange,
  formatSeriesKey,
  isOnGrid,
  type SeriesKey,
  type Timeframe,
  timeframeMs,
  type TimeRange,
  ValidationError,
} from '@runecast/market';
import { assertSeriesKey, assertTimeRange } from './argument-checks.ts';
import { overlayRanges, rangesFromFetch, withMissingRanges, type KnownRange } from './coverage-ranges.ts';
import type { Database } from './database.port.ts';
import type { CoverageRepository } from './store.port.ts';

interface CoverageRow {
  start_ms: number;
  end_ms: number;
  state: KnownRange['state'];
}

const SERIES_FILTER = 'exchange = $1 AND symbol = $2 AND timeframe = $3';

// Ranges never overlap, so the only row that can start before `startMs` and still reach into
// the window is the last one starting at or before it; bounding on it keeps the scan on the
// primary key instead of walking every older row of the series.
const OVERLAPPING_ROWS = `
  SELECT start_ms, end_ms, state FROM coverage_ranges
  WHERE ${SERIES_FILTER} AND start_ms < $5 AND end_ms > $4
    AND start_ms >= COALESCE(
      (SELECT max(start_ms) FROM coverage_ranges WHERE ${SERIES_FILTER} AND start_ms <= $4), $4)
  ORDER BY start_ms`;

/** The coverage ledger on the `coverage_ranges` table. */
export class SqlCoverageRepository implements CoverageRepository {
  constructor(private readonly database: Database) {}

  async markFetched(
    series: SeriesKey,
    range: TimeRange,
    candleOpenTimesMs: readonly number[],
  ): Promise<void> {
    assertSeriesKey(series);
    assertTimeRange(range, 'fetched range');
    if (!isOnGrid(range.startMs, series.timeframe) || !isOnGrid(range.endMs, series.timeframe)) {
      throw new ValidationError(
        `fetched range [${range.startMs}, ${range.endMs}) of ${formatSeriesKey(series)} is not on the ${series.timeframe} grid`,
      );
    }
    if (range.endMs === range.startMs) return;
    const incoming = rangesFromFetch(range, candleOpenTimesMs, timeframeMs(series.timeframe));
    const seriesParameters = [series.exchange, series.symbol, series.timeframe];
    await this.database.transaction(async (transaction) => {
      // Two writers merging the same series would each rewrite the rows they read.
      if (transaction.engine === 'postgres') {
        await transaction.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          `coverage:${formatSeriesKey(series)}`,
        ]);
      }
      // Touching neighbours are read too, so a new range merges with them.
      const existing = await transaction.query<CoverageRow>(
        `SELECT start_ms, end_ms, state FROM coverage_ranges
         WHERE ${SERIES_FILTER} AND start_ms <= $5 AND end_ms >= $4
           AND start_ms >= COALESCE(
             (SELECT max(start_ms) FROM coverage_ranges WHERE ${SERIES_FILTER} AND start_ms < $4), $4)
         ORDER BY start_ms`,
        [...seriesParameters, range.startMs, range.endMs],
      );
      const merged = overlayRanges(existing.map(toKnownRange), incoming);
      if (existing.length > 0) {
        await transaction.query(
          `DELETE FROM coverage_ranges WHERE ${SERIES_FILTER} AND start_ms = ANY($4::bigint[])`,
          [...seriesParameters, existing.map((row) => row.start_ms)],
        );
      }
      await transaction.query(
        `INSERT INTO coverage_ranges (exchange, symbol, timeframe, start_ms, end_ms, state)
         SELECT $1, $2, $3, start_ms, end_ms, state
         FROM unnest($4::bigint[], $5::bigint[], $6::text[]) AS merged (start_ms, end_ms, state)`,
        [
          ...seriesParameters,
          merged.map((known) => known.startMs),
          merged.map((known) => known.endMs),
          merged.map((known) => known.state),
        ],
      );
    });
  }

  async listCoverage(series: SeriesKey, window?: TimeRange): Promise<CoverageRange[]> {
    assertSeriesKey(series);
    const seriesParameters = [series.exchange, series.symbol, series.timeframe];
    if (window === undefined) {
      const rows = await this.database.query<CoverageRow>(
        `SELECT start_ms, end_ms, state FROM coverage_ranges WHERE ${SERIES_FILTER} ORDER BY start_ms`,
        seriesParameters,
      );
      return withMissingRanges(rows.map(toKnownRange));
    }
    assertTimeRange(window, 'coverage window');
    if (window.endMs === window.startMs) return [];
    const rows = await this.database.query<CoverageRow>(OVERLAPPING_ROWS, [
      ...seriesParameters,
      window.startMs,
      window.endMs,
    ]);
    return withMissingRanges(rows.map(toKnownRange), window);
  }

  async missingRanges(series: SeriesKey, window: TimeRange): Promise<TimeRange[]> {
    const coverage = await this.listCoverage(series, window);
    return coverage
      .filter((range) => range.state === 'missing')
      .map(({ startMs, endMs }) => ({ startMs, endMs }));
  }

  async knownUntil(series: SeriesKey, fromMs: number): Promise<number> {
    assertSeriesKey(series);
    if (!Number.isSafeInteger(fromMs)) {
      throw new ValidationError(`knownUntil needs integer epoch milliseconds, got ${String(fromMs)}`);
    }
    // Gaps and islands: the known prefix ends where a row does not start at its predecessor's end.
    const [row] = await this.database.query<{
      first_start_ms: number | null;
      gap_after_ms: number | null;
      last_end_ms: number | null;
    }>(
      `WITH following AS (
         SELECT start_ms, end_ms, lag(end_ms) OVER (ORDER BY start_ms) AS previous_end_ms
         FROM coverage_ranges
         WHERE ${SERIES_FILTER} AND end_ms > $4
           AND start_ms >= COALESCE(
             (SELECT max(start_ms) FROM coverage_ranges WHERE ${SERIES_FILTER} AND start_ms <= $4), $4)
       )
       SELECT (SELECT min(start_ms) FROM following) AS first_start_ms,
              (SELECT min(previous_end_ms) FROM following WHERE previous_end_ms < start_ms) AS gap_after_ms,
              (SELECT max(end_ms) FROM following) AS last_end_ms`,
      [series.exchange, series.symbol, series.timeframe, fromMs],
    );
    if (!row || row.first_start_ms === null || row.first_start_ms > fromMs) return fromMs;
    return row.gap_after_ms ?? row.last_end_ms ?? fromMs;
  }

  async listSeries(): Promise<SeriesKey[]> {
    const rows = await this.database.query<{ exchange: string; symbol: string; timeframe: Timeframe }>(
      'SELECT DISTINCT exchange, symbol, timeframe FROM coverage_ranges ORDER BY exchange, symbol, timeframe',
    );
    return rows.map((row) => ({ exchange: row.exchange, symbol: row.symbol, timeframe: row.timeframe }));
  }
}

function toKnownRange(row: CoverageRow): KnownRange {
  return { startMs: row.start_ms, endMs: row.end_ms, state: row.state };
}
