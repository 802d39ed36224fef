import {
  assertValidCandle,
  type Candle,
  createRangeOverlapMeter,
  derivationBases,
  type DerivedCandle,
  isBucketComplete,
  type SeriesKey,
  type Timeframe,
  timeframeMs,
  type TimeRange,
  ValidationError,
} from '@runecast/market';
import { assertLimit, assertSeriesKey, assertTimeRange } from './argument-checks.ts';
import { BinaryCopyWriter, TextEncodingCache } from './copy-binary.ts';
import type { Database } from './database.port.ts';
import type { CandleColumnsJson, CandleRepository, SampledClose } from './store.port.ts';
import { appendRows, mergeStagedRows } from './bulk-write.ts';

export const CANDLE_COLUMNS = [
  'exchange',
  'symbol',
  'timeframe',
  'open_time_ms',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'quote_volume',
  'trade_count',
  'closed',
] as const;
const CANDLE_COLUMN_LIST = CANDLE_COLUMNS.join(', ');

// Rows land in a session-local staging table first so one INSERT … ON CONFLICT can merge the
// whole batch; ON COMMIT DELETE ROWS empties it for the next batch on the same connection.
const CREATE_STAGING_TABLE = `
  CREATE TEMPORARY TABLE IF NOT EXISTS candle_staging (
    exchange text NOT NULL,
    symbol text NOT NULL,
    timeframe text NOT NULL,
    open_time_ms bigint NOT NULL,
    open double precision NOT NULL,
    high double precision NOT NULL,
    low double precision NOT NULL,
    close double precision NOT NULL,
    volume double precision NOT NULL,
    quote_volume double precision,
    trade_count bigint,
    closed boolean NOT NULL
  ) ON COMMIT DELETE ROWS`;

// A closed candle replaces anything (the exchange's final word, or a correction); an open one
// replaces only an open one, so a late live update never undoes a closed candle. Rows that
// would not change are skipped, which keeps re-runs of a backfill from rewriting the table.
const MERGE_STAGED_CANDLES = `
  WITH written AS (
    INSERT INTO candles AS stored (${CANDLE_COLUMN_LIST})
    SELECT ${CANDLE_COLUMN_LIST} FROM candle_staging
    ON CONFLICT (exchange, symbol, timeframe, open_time_ms) DO UPDATE SET
      open = excluded.open,
      high = excluded.high,
      low = excluded.low,
      close = excluded.close,
      volume = excluded.volume,
      quote_volume = excluded.quote_volume,
      trade_count = excluded.trade_count,
      closed = excluded.closed,
      updated_at = now()
    WHERE (excluded.closed OR NOT stored.closed)
      AND (stored.open, stored.high, stored.low, stored.close, stored.volume,
           stored.quote_volume, stored.trade_count, stored.closed)
          IS DISTINCT FROM
          (excluded.open, excluded.high, excluded.low, excluded.close, excluded.volume,
           excluded.quote_volume, excluded.trade_count, excluded.closed)
    RETURNING 1
  )
  SELECT count(*) AS written FROM written`;

const CANDLE_STAGING = {
  createStaging: CREATE_STAGING_TABLE,
  table: 'candle_staging',
  columns: CANDLE_COLUMNS,
  merge: MERGE_STAGED_CANDLES,
};

interface CandleRow {
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  open_time_ms: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quote_volume: number | null;
  trade_count: number | null;
  closed: boolean;
}

interface DerivedRow {
  open_time_ms: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quote_volume: number | null;
  trade_count: number | null;
  source_candle_count: number;
  all_closed: boolean;
}

/** Candles on the `candles` table; writes go through COPY. */
export class SqlCandleRepository implements CandleRepository {
  /**
   * Per series, the latest open time this repository has stored. A batch that starts after it
   * is new history as far as this process knows, so the span check's round trip is skipped
   * (on PostgreSQL that round trip held up every batch on the ingest benchmark); if another
   * process wrote there meanwhile, the COPY fails on the key and the merge runs as usual.
   */
  private readonly latestStoredOpenTimeMs = new Map<string, number>();

  constructor(private readonly database: Database) {}

  /**
   * Validates every candle first (one bad candle rejects the batch, nothing is written), keeps
   * the last version of each candle in the batch, then merges. Returns rows inserted or changed.
   */
  async upsertCandles(candles: readonly Candle[]): Promise<number> {
    for (const candle of candles) assertValidCandle(candle);
    if (candles.length === 0) return 0;
    const batch = latestVersionsInKeyOrder(candles);
    const rows = candlesToCopyData(batch);
    const seriesKey = singleSeriesKey(batch);
    const knownLatestMs = seriesKey === null ? undefined : this.latestStoredOpenTimeMs.get(seriesKey);
    const appendsKnownHistory = knownLatestMs !== undefined && batch[0]!.openTimeMs > knownLatestMs;
    if (
      seriesKey !== null &&
      (appendsKnownHistory || (await spanHoldsNoStoredCandle(this.database, batch)))
    ) {
      // Appending new history (every backfill page, most live batches) needs no merge: one
      // COPY straight into the table, which commits or fails as a whole on its own. Measured on
      // PostgreSQL this doubles the write rate, and fewer round trips let the database write
      // while the next pages are parsed. A writer that stored some of these candles meanwhile
      // makes the COPY fail on the key, and the merge runs instead.
      if (await appendRows(this.database, 'candles', CANDLE_COLUMNS, rows)) {
        this.rememberStored(seriesKey, batch.at(-1)!.openTimeMs);
        return batch.length;
      }
    }
    const written = await mergeStagedRows(this.database, CANDLE_STAGING, rows);
    if (seriesKey !== null) this.rememberStored(seriesKey, batch.at(-1)!.openTimeMs);
    return written;
  }

  private rememberStored(seriesKey: string, openTimeMs: number): void {
    const known = this.latestStoredOpenTimeMs.get(seriesKey);
    if (known === undefined || openTimeMs > known) this.latestStoredOpenTimeMs.set(seriesKey, openTimeMs);
  }

  async listCandles(series: SeriesKey, range: TimeRange, limit?: number): Promise<Candle[]> {
    assertSeriesKey(series);
    assertTimeRange(range);
    assertLimit(limit);
    const rows = await this.database.query<CandleRow>(
      `SELECT ${CANDLE_COLUMN_LIST} FROM candles
       WHERE exchange = $1 AND symbol = $2 AND timeframe = $3 AND open_time_ms >= $4 AND open_time_ms < $5
       ORDER BY open_time_ms
       ${limit === undefined ? '' : 'LIMIT $6'}`,
      [series.exchange, series.symbol, series.timeframe, range.startMs, range.endMs, ...optional(limit)],
    );
    return rows.map(toCandle);
  }

  /**
   * Built by the database, so the page crosses from it as one text value: reading a week of 1m
   * candles (10,080 rows) as row objects took 250–1,100 ms on PGlite, this 30–80 ms (measured on
   * this machine), and float8 output is the shortest text that reads back as the same double.
   */
  async listCandleColumnsJson(
    series: SeriesKey,
    range: TimeRange,
    limit: number,
  ): Promise<CandleColumnsJson> {
    assertSeriesKey(series);
    assertTimeRange(range);
    assertLimit(limit);
    const column = (name: string, member: string) =>
      `'"${member}":' || coalesce(array_to_json(array_agg(${name} ORDER BY open_time_ms) FILTER (WHERE position <= $6))::text, '[]')`;
    const [row] = await this.database.query<{ count: number; next_from_ms: number | null; columns: string }>(
      `WITH page AS (
         SELECT open_time_ms, open, high, low, close, volume, closed,
                row_number() OVER (ORDER BY open_time_ms) AS position
         FROM candles
         WHERE exchange = $1 AND symbol = $2 AND timeframe = $3 AND open_time_ms >= $4 AND open_time_ms < $5
         ORDER BY open_time_ms
         LIMIT $6::bigint + 1
       )
       SELECT count(*) FILTER (WHERE position <= $6)::int AS count,
              max(open_time_ms) FILTER (WHERE position > $6) AS next_from_ms,
              concat_ws(',', ${[
                ['open_time_ms', 'times'],
                ['open', 'open'],
                ['high', 'high'],
                ['low', 'low'],
                ['close', 'close'],
                ['volume', 'volume'],
                ['closed', 'closed'],
              ]
                .map(([name, member]) => column(name!, member!))
                .join(', ')}) AS columns
       FROM page`,
      [series.exchange, series.symbol, series.timeframe, range.startMs, range.endMs, limit],
    );
    return {
      count: Number(row?.count ?? 0),
      nextFromMs: row?.next_from_ms == null ? null : Number(row.next_from_ms),
      columnsJson: row!.columns,
    };
  }

  async latestCandle(series: SeriesKey): Promise<Candle | null> {
    assertSeriesKey(series);
    const [row] = await this.database.query<CandleRow>(
      `SELECT ${CANDLE_COLUMN_LIST} FROM candles
       WHERE exchange = $1 AND symbol = $2 AND timeframe = $3
       ORDER BY open_time_ms DESC LIMIT 1`,
      [series.exchange, series.symbol, series.timeframe],
    );
    return row ? toCandle(row) : null;
  }

  async candlesOpenAt(
    exchange: string,
    timeframe: Timeframe,
    symbols: readonly string[],
    openTimeMs: number,
  ): Promise<Candle[]> {
    for (const symbol of symbols) assertSeriesKey({ exchange, symbol, timeframe });
    if (!Number.isSafeInteger(openTimeMs)) {
      throw new ValidationError(`candlesOpenAt needs integer epoch milliseconds, got ${String(openTimeMs)}`);
    }
    if (symbols.length === 0) return [];
    const rows = await this.database.query<CandleRow>(
      `SELECT ${CANDLE_COLUMN_LIST} FROM candles
       WHERE exchange = $1 AND timeframe = $2 AND symbol = ANY($3::text[]) AND open_time_ms = $4`,
      [exchange, timeframe, symbols, openTimeMs],
    );
    return rows.map(toCandle);
  }

  async sampledCloses(
    exchange: string,
    timeframe: Timeframe,
    symbols: readonly string[],
    range: TimeRange,
    stepMs: number,
  ): Promise<SampledClose[]> {
    for (const symbol of symbols) assertSeriesKey({ exchange, symbol, timeframe });
    assertTimeRange(range);
    if (!Number.isSafeInteger(stepMs) || stepMs < 1) {
      throw new ValidationError(`sampledCloses needs a positive integer step, got ${String(stepMs)}`);
    }
    if (symbols.length === 0) return [];
    const rows = await this.database.query<{ symbol: string; bucket: number | string; close: number }>(
      `SELECT DISTINCT ON (symbol, bucket) symbol, bucket, close
       FROM (
         SELECT symbol, (open_time_ms - $4::bigint) / $6::bigint AS bucket, open_time_ms, close
         FROM candles
         WHERE exchange = $1 AND timeframe = $2 AND symbol = ANY($3::text[])
           AND open_time_ms >= $4 AND open_time_ms < $5
       ) AS ranged
       ORDER BY symbol, bucket, open_time_ms DESC`,
      [exchange, timeframe, symbols, range.startMs, range.endMs, stepMs],
    );
    return rows.map((row) => ({
      symbol: row.symbol,
      bucketStartMs: range.startMs + Number(row.bucket) * stepMs,
      close: row.close,
    }));
  }

  async countCandles(series: SeriesKey, range?: TimeRange): Promise<number> {
    assertSeriesKey(series);
    if (range) assertTimeRange(range);
    const [row] = await this.database.query<{ count: number }>(
      `SELECT count(*) AS count FROM candles
       WHERE exchange = $1 AND symbol = $2 AND timeframe = $3
       ${range ? 'AND open_time_ms >= $4 AND open_time_ms < $5' : ''}`,
      [series.exchange, series.symbol, series.timeframe, ...(range ? [range.startMs, range.endMs] : [])],
    );
    return row?.count ?? 0;
  }

  /**
   * Builds `series.timeframe` candles whose open time lies in `range` from stored 1m candles,
   * in SQL. A bucket is returned when it has at least one 1m candle; `complete` tells whether
   * every minute is accounted for (a 1m candle, or known empty in the 1m coverage ledger), and
   * `closed` is true only for complete buckets whose 1m candles are all closed.
   */
  async deriveCandles(series: SeriesKey, range: TimeRange): Promise<DerivedCandle[]> {
    assertSeriesKey(series);
    assertTimeRange(range);
    // Exchange series store 1m candles; snapshot sources (runes providers) their 5m poll candles.
    for (const base of derivationBases(series.timeframe)) {
      const derived = await this.deriveFrom(series, range, base);
      if (derived.length > 0) return derived;
    }
    return [];
  }

  private async deriveFrom(series: SeriesKey, range: TimeRange, base: Timeframe): Promise<DerivedCandle[]> {
    const stepMs = timeframeMs(series.timeframe);
    const firstBucketMs = ceilToStep(range.startMs, stepMs);
    const endBucketMs = ceilToStep(range.endMs, stepMs);
    if (endBucketMs <= firstBucketMs) return [];
    const sourceParameters = [series.exchange, series.symbol, firstBucketMs, endBucketMs, base];
    const rows = await this.database.query<DerivedRow>(
      `SELECT bucket_ms AS open_time_ms,
              (array_agg(open ORDER BY open_time_ms))[1] AS open,
              max(high) AS high,
              min(low) AS low,
              (array_agg(close ORDER BY open_time_ms DESC))[1] AS close,
              sum(volume) AS volume,
              CASE WHEN count(quote_volume) = count(*) THEN sum(quote_volume) END AS quote_volume,
              CASE WHEN count(trade_count) = count(*) THEN sum(trade_count)::bigint END AS trade_count,
              count(*) AS source_candle_count,
              bool_and(closed) AS all_closed
       FROM (
         -- Open times are positive epoch milliseconds, so subtracting the remainder floors them.
         SELECT open_time_ms - open_time_ms % $6::bigint AS bucket_ms,
                open_time_ms, open, high, low, close, volume, quote_volume, trade_count, closed
         FROM candles
         WHERE exchange = $1 AND symbol = $2 AND timeframe = $5
           AND open_time_ms >= $3 AND open_time_ms < $4
       ) AS minutes
       GROUP BY bucket_ms
       ORDER BY bucket_ms`,
      [...sourceParameters, stepMs],
    );
    if (rows.length === 0) return [];
    const emptyRanges = await this.database.query<{ start_ms: number; end_ms: number }>(
      `SELECT start_ms, end_ms FROM coverage_ranges
       WHERE exchange = $1 AND symbol = $2 AND timeframe = $5 AND state = 'empty'
         AND start_ms < $4 AND end_ms > $3
       ORDER BY start_ms`,
      sourceParameters,
    );
    const measureEmptyMs = createRangeOverlapMeter(
      emptyRanges.map((row) => ({ startMs: row.start_ms, endMs: row.end_ms })),
    );
    return rows.map((row) => {
      const knownEmptyMs = measureEmptyMs({ startMs: row.open_time_ms, endMs: row.open_time_ms + stepMs });
      const complete = isBucketComplete(row.source_candle_count, knownEmptyMs, stepMs, timeframeMs(base));
      return {
        exchange: series.exchange,
        symbol: series.symbol,
        timeframe: series.timeframe,
        openTimeMs: row.open_time_ms,
        open: row.open,
        high: row.high,
        low: row.low,
        close: row.close,
        volume: row.volume,
        quoteVolume: row.quote_volume,
        tradeCount: row.trade_count,
        closed: complete && row.all_closed,
        sourceCandleCount: row.source_candle_count,
        complete,
      };
    });
  }
}

function optional(value: number | undefined): number[] {
  return value === undefined ? [] : [value];
}

function ceilToStep(timeMs: number, stepMs: number): number {
  return Math.ceil(timeMs / stepMs) * stepMs;
}

function compareKeys(left: Candle, right: Candle): number {
  if (left.exchange !== right.exchange) return left.exchange < right.exchange ? -1 : 1;
  if (left.symbol !== right.symbol) return left.symbol < right.symbol ? -1 : 1;
  if (left.timeframe !== right.timeframe) return left.timeframe < right.timeframe ? -1 : 1;
  return left.openTimeMs - right.openTimeMs;
}

/** `exchange\u0000symbol\u0000timeframe` when every candle of the batch is of one series, else null. */
function singleSeriesKey(batch: readonly Candle[]): string | null {
  const first = batch[0];
  if (first === undefined) return null;
  for (const candle of batch) {
    if (
      candle.exchange !== first.exchange ||
      candle.symbol !== first.symbol ||
      candle.timeframe !== first.timeframe
    ) {
      return null;
    }
  }
  return `${first.exchange}\u0000${first.symbol}\u0000${first.timeframe}`;
}

/** True when no stored candle of the (single-series) batch's series opens within its span. */
async function spanHoldsNoStoredCandle(database: Database, batch: readonly Candle[]): Promise<boolean> {
  const first = batch[0]!;
  const last = batch.at(-1)!;
  const rows = await database.query(
    `SELECT 1 FROM candles
     WHERE exchange = $1 AND symbol = $2 AND timeframe = $3 AND open_time_ms >= $4 AND open_time_ms <= $5
     LIMIT 1`,
    [first.exchange, first.symbol, first.timeframe, first.openTimeMs, last.openTimeMs],
  );
  return rows.length === 0;
}

/**
 * One version per candle, in key order. Later versions win, except that an open candle never
 * replaces a closed one. Key order makes concurrent batches lock rows in one order, so they
 * cannot deadlock each other. Batches usually arrive sorted and unique, so the check is all
 * that costs.
 */
function latestVersionsInKeyOrder(candles: readonly Candle[]): readonly Candle[] {
  let strictlyAscending = true;
  for (let index = 1; index < candles.length && strictlyAscending; index += 1) {
    strictlyAscending = compareKeys(candles[index - 1]!, candles[index]!) < 0;
  }
  if (strictlyAscending) return candles;
  // Array sort is stable, so versions of one candle keep their batch order.
  const sorted = [...candles].sort(compareKeys);
  const latest: Candle[] = [];
  for (const candle of sorted) {
    const previous = latest.at(-1);
    if (previous === undefined || compareKeys(previous, candle) !== 0) latest.push(candle);
    else if (candle.closed || !previous.closed) latest[latest.length - 1] = candle;
  }
  return latest;
}

/** Bytes per candle row in binary COPY: 12 fields with short text and 8-byte numbers. */
const CANDLE_ROW_BYTES_ESTIMATE = 2 + 12 * 4 + 40 + 9 * 8 + 1;

/** Candles as binary COPY data for `CANDLE_COLUMNS`. */
export function candlesToCopyData(candles: readonly Candle[]): Buffer {
  const writer = new BinaryCopyWriter(candles.length * CANDLE_ROW_BYTES_ESTIMATE);
  const texts = new TextEncodingCache();
  for (const candle of candles) {
    writer
      .row(CANDLE_COLUMNS.length)
      .encodedText(texts.encode(candle.exchange))
      .encodedText(texts.encode(candle.symbol))
      .encodedText(texts.encode(candle.timeframe))
      .int64(candle.openTimeMs)
      .float64(candle.open)
      .float64(candle.high)
      .float64(candle.low)
      .float64(candle.close)
      .float64(candle.volume)
      .nullableFloat64(candle.quoteVolume)
      .nullableInt64(candle.tradeCount)
      .boolean(candle.closed);
  }
  return writer.finish();
}

function toCandle(row: CandleRow): Candle {
  return {
    exchange: row.exchange,
    symbol: row.symbol,
    timeframe: row.timeframe,
    openTimeMs: row.open_time_ms,
    open: row.open,
    high: row.high,
    low: row.low,
    close: row.close,
    volume: row.volume,
    quoteVolume: row.quote_volume,
    tradeCount: row.trade_count,
    closed: row.closed,
  };
}
