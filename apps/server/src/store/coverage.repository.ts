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
import type { CoverageFetch, CoverageRepository } from './store.port.ts';

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
    await this.markFetchedMany([{ series, range, candleOpenTimesMs }]);
  }

  /**
   * Many fetches in one transaction with one read, one delete and one insert per round (a series
   * fetched twice goes into a later round): a snapshot poll marks a slot of every instrument
   * at once, and one transaction per instrument made the ledger most of the poll's cost.
   */
  async markFetchedMany(fetches: readonly CoverageFetch[]): Promise<void> {
    const rounds: { key: string; series: SeriesKey; range: TimeRange; incoming: KnownRange[] }[][] = [];
    const roundOf = new Map<string, number>();
    for (const { series, range, candleOpenTimesMs } of fetches) {
      assertSeriesKey(series);
      assertTimeRange(range, 'fetched range');
      if (!isOnGrid(range.startMs, series.timeframe) || !isOnGrid(range.endMs, series.timeframe)) {
        throw new ValidationError(
          `fetched range [${range.startMs}, ${range.endMs}) of ${formatSeriesKey(series)} is not on the ${series.timeframe} grid`,
        );
      }
      if (range.endMs === range.startMs) continue;
      const key = formatSeriesKey(series);
      const round = roundOf.get(key) ?? 0;
      roundOf.set(key, round + 1);
      (rounds[round] ??= []).push({
        key,
        series,
        range,
        incoming: rangesFromFetch(range, candleOpenTimesMs, timeframeMs(series.timeframe)),
      });
    }
    if (rounds.length === 0) return;
    await this.database.transaction(async (transaction) => {
      // Two writers merging the same series would each rewrite the rows they read; locks are
      // taken in key order so two batches cannot wait on each other.
      if (transaction.engine === 'postgres') {
        await transaction.query(
          `SELECT pg_advisory_xact_lock(hashtextextended(key, 0))
           FROM (SELECT key FROM unnest($1::text[]) AS key ORDER BY key) AS ordered`,
          [[...roundOf.keys()].sort().map((key) => `coverage:${key}`)],
        );
      }
      for (const round of rounds) {
        const columns = {
          exchange: round.map((fetch) => fetch.series.exchange),
          symbol: round.map((fetch) => fetch.series.symbol),
          timeframe: round.map((fetch) => fetch.series.timeframe),
        };
        // Touching neighbours are read too, so a new range merges with them.
        const existing = await transaction.query<CoverageRow & { fetch_index: number }>(
          `SELECT wanted.ordinality::int - 1 AS fetch_index, known.start_ms, known.end_ms, known.state
           FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
             WITH ORDINALITY AS wanted (exchange, symbol, timeframe, start_ms, end_ms, ordinality)
           JOIN LATERAL (
             SELECT start_ms, end_ms, state FROM coverage_ranges AS known
             WHERE known.exchange = wanted.exchange AND known.symbol = wanted.symbol
               AND known.timeframe = wanted.timeframe
               AND known.start_ms <= wanted.end_ms AND known.end_ms >= wanted.start_ms
               AND known.start_ms >= COALESCE(
                 (SELECT max(earlier.start_ms) FROM coverage_ranges AS earlier
                  WHERE earlier.exchange = wanted.exchange AND earlier.symbol = wanted.symbol
                    AND earlier.timeframe = wanted.timeframe AND earlier.start_ms < wanted.start_ms),
                 wanted.start_ms)
           ) AS known ON true
           ORDER BY 1, known.start_ms`,
          [
            columns.exchange,
            columns.symbol,
            columns.timeframe,
            round.map((fetch) => fetch.range.startMs),
            round.map((fetch) => fetch.range.endMs),
          ],
        );
        const existingOf = round.map((): KnownRange[] => []);
        for (const row of existing) existingOf[row.fetch_index]?.push(toKnownRange(row));
        const removed = existing.map((row) => round[row.fetch_index] as (typeof round)[number]);
        if (removed.length > 0) {
          await transaction.query(
            `DELETE FROM coverage_ranges AS known
             USING unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS gone (exchange, symbol, timeframe, start_ms)
             WHERE known.exchange = gone.exchange AND known.symbol = gone.symbol
               AND known.timeframe = gone.timeframe AND known.start_ms = gone.start_ms`,
            [
              removed.map((fetch) => fetch.series.exchange),
              removed.map((fetch) => fetch.series.symbol),
              removed.map((fetch) => fetch.series.timeframe),
              existing.map((row) => row.start_ms),
            ],
          );
        }
        const merged = round.flatMap((fetch, index) =>
          overlayRanges(existingOf[index] ?? [], fetch.incoming).map((known) => ({ fetch, known })),
        );
        await transaction.query(
          `INSERT INTO coverage_ranges (exchange, symbol, timeframe, start_ms, end_ms, state)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[])`,
          [
            merged.map(({ fetch }) => fetch.series.exchange),
            merged.map(({ fetch }) => fetch.series.symbol),
            merged.map(({ fetch }) => fetch.series.timeframe),
            merged.map(({ known }) => known.startMs),
            merged.map(({ known }) => known.endMs),
            merged.map(({ known }) => known.state),
          ],
        );
      }
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
