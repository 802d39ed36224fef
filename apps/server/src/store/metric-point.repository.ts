import { findMetricPointProblem, type MetricPoint, type TimeRange, ValidationError } from '@runecast/market';
import { assertLimit, assertTimeRange } from './argument-checks.ts';
import { appendRows, mergeStagedRows } from './bulk-write.ts';
import { BinaryCopyWriter, TextEncodingCache } from './copy-binary.ts';
import type { Database } from './database.port.ts';
import type { MetricPointRepository } from './store.port.ts';

const COLUMNS = ['source', 'symbol', 'metric', 'time_ms', 'value'] as const;
const COLUMN_LIST = COLUMNS.join(', ');

// A provider that corrects a stat for the same poll time replaces the stored value.
const STAGING = {
  createStaging: `
    CREATE TEMPORARY TABLE IF NOT EXISTS metric_point_staging (
      source text NOT NULL,
      symbol text NOT NULL,
      metric text NOT NULL,
      time_ms bigint NOT NULL,
      value double precision NOT NULL
    ) ON COMMIT DELETE ROWS`,
  table: 'metric_point_staging',
  columns: COLUMNS,
  merge: `
    WITH written AS (
      INSERT INTO metric_points (${COLUMN_LIST})
      SELECT DISTINCT ON (source, symbol, metric, time_ms) ${COLUMN_LIST} FROM metric_point_staging
      ON CONFLICT (source, symbol, metric, time_ms) DO UPDATE SET value = EXCLUDED.value
      WHERE metric_points.value IS DISTINCT FROM EXCLUDED.value
      RETURNING 1
    )
    SELECT count(*)::int AS written FROM written`,
};

/** Bytes per row in binary COPY: 5 fields, short texts. */
const ROW_BYTES_ESTIMATE = 2 + 5 * 4 + 64 + 2 * 8;

/** Each distinct point once (the last copy of a key wins), as binary COPY rows. */
function toCopyData(points: readonly MetricPoint[]): { rows: Buffer; count: number } {
  // Keyed by instrument and time, then by metric: a poll's points come in runs of one instrument
  // and time, so the long key is built once a run rather than once a point.
  const byInstant = new Map<string, Map<string, number>>();
  const kept: MetricPoint[] = [];
  let instantKey = '';
  let instant: Map<string, number> | undefined;
  for (const point of points) {
    const key = `${point.source}\u0000${point.symbol}\u0000${point.timeMs}`;
    if (instant === undefined || key !== instantKey) {
      instantKey = key;
      instant = byInstant.get(key);
      if (instant === undefined) {
        instant = new Map();
        byInstant.set(key, instant);
      }
    }
    const index = instant.get(point.metric);
    if (index === undefined) {
      instant.set(point.metric, kept.length);
      kept.push(point);
    } else {
      kept[index] = point;
    }
  }
  const writer = new BinaryCopyWriter(kept.length * ROW_BYTES_ESTIMATE);
  const texts = new TextEncodingCache();
  for (const point of kept) {
    writer
      .row(COLUMNS.length)
      .encodedText(texts.encode(point.source))
      .encodedText(texts.encode(point.symbol))
      .encodedText(texts.encode(point.metric))
      .int64(point.timeMs)
      .float64(point.value);
  }
  return { rows: writer.finish(), count: kept.length };
}

interface PointRow {
  source: string;
  symbol: string;
  metric: string;
  time_ms: number;
  value: number;
}

const fromRow = (row: PointRow): MetricPoint => ({
  source: row.source,
  symbol: row.symbol,
  metric: row.metric,
  timeMs: Number(row.time_ms),
  value: row.value,
});

/** Instrument stats on the `metric_points` table, one row per source, instrument, metric and poll time. */
export class SqlMetricPointRepository implements MetricPointRepository {
  constructor(private readonly database: Database) {}

  async upsertPoints(points: readonly MetricPoint[]): Promise<number> {
    // A poll repeats one source and instrument over dozens of metrics: each name is checked against
    // its pattern once per call (the instrument pattern is most of the cost of a 40,000-point poll).
    const checked = { sources: new Set<string>(), symbols: new Set<string>(), metrics: new Set<string>() };
    for (const point of points) {
      if (
        checked.sources.has(point.source) &&
        checked.symbols.has(point.symbol) &&
        checked.metrics.has(point.metric) &&
        Number.isSafeInteger(point.timeMs) &&
        point.timeMs >= 0 &&
        typeof point.value === 'number' &&
        Number.isFinite(point.value)
      ) {
        continue;
      }
      const problem = findMetricPointProblem(point);
      if (problem) throw new ValidationError(`metric point ${point.source}:${point.symbol}: ${problem}`);
      checked.sources.add(point.source);
      checked.symbols.add(point.symbol);
      checked.metrics.add(point.metric);
    }
    if (points.length === 0) return 0;
    const { rows, count } = toCopyData(points);
    // New polls (nearly every write) go straight into the table in one COPY; a repeated poll
    // fails on the key and the merge replaces what changed.
    if (await appendRows(this.database, 'metric_points', COLUMNS, rows)) return count;
    return mergeStagedRows(this.database, STAGING, rows);
  }

  async listPoints(
    source: string,
    symbol: string,
    metric: string,
    range: TimeRange,
    limit?: number,
  ): Promise<MetricPoint[]> {
    assertTimeRange(range);
    assertLimit(limit);
    const rows = await this.database.query<PointRow>(
      `SELECT ${COLUMN_LIST} FROM metric_points
       WHERE source = $1 AND symbol = $2 AND metric = $3 AND time_ms >= $4 AND time_ms < $5
       ORDER BY time_ms ${limit === undefined ? '' : 'LIMIT $6'}`,
      [source, symbol, metric, range.startMs, range.endMs, ...(limit === undefined ? [] : [limit])],
    );
    return rows.map(fromRow);
  }

  async latestPoints(source: string, symbol: string): Promise<MetricPoint[]> {
    const rows = await this.database.query<PointRow>(
      `SELECT DISTINCT ON (metric) ${COLUMN_LIST} FROM metric_points
       WHERE source = $1 AND symbol = $2
       ORDER BY metric, time_ms DESC`,
      [source, symbol],
    );
    return rows.map(fromRow);
  }

  async listMetrics(source: string, symbol: string): Promise<string[]> {
    const rows = await this.database.query<{ metric: string }>(
      'SELECT DISTINCT metric FROM metric_points WHERE source = $1 AND symbol = $2 ORDER BY metric',
      [source, symbol],
    );
    return rows.map((row) => row.metric);
  }
}
