/**
 * Snapshot ingest throughput: polls of 1,000 runes × 40 stats through the whole path the runes
 * collector runs (validate, price candle of the poll slot, metric points, newest-state rows, the
 * coverage ledger, bus announcement) beside a raw binary COPY of the same metric-point and candle
 * rows into tables of the same shape in the same database, in the same run. Target: our path at
 * 50% or more of raw COPY, counted in stored values (one price and 40 stats per rune per poll).
 */
import { pathToFileURL } from 'node:url';
import type { MetricPoint } from '@runecast/market';
import { InProcessBus } from '../apps/server/src/bus/in-process.bus.ts';
import { SnapshotCollector } from '../apps/server/src/ingest/snapshot-collector.ts';
import { createLogger } from '../apps/server/src/observability/logger.ts';
import type { InstrumentSnapshot, SnapshotSource } from '../apps/server/src/sources/snapshot-source.port.ts';
import { CANDLE_COLUMNS, candlesToCopyData } from '../apps/server/src/store/candle.repository.ts';
import { BinaryCopyWriter, TextEncodingCache } from '../apps/server/src/store/copy-binary.ts';
import type { Database } from '../apps/server/src/store/database.port.ts';
import type { Store } from '../apps/server/src/store/store.ts';
import { openStoreWithDatabase } from '../apps/server/src/store/testing/store-with-database.ts';
import { createTestPostgresDatabase } from '../apps/server/test/support/postgres.ts';
import { formatRate, printBenchTable, timed } from './bench-support.ts';

const RUNES = Number(process.env.BENCH_SNAPSHOT_RUNES ?? 1_000);
const STATS = 40;
const POLLS = Number(process.env.BENCH_SNAPSHOT_POLLS ?? 6);
const START_MS = Date.UTC(2026, 0, 1);
const POLL_MS = 5 * 60_000;
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function runeName(index: number): string {
  let name = '';
  for (let rest = index + 26 ** 3; rest > 0; rest = Math.floor(rest / 26)) name += LETTERS[rest % 26];
  return `${name}•BENCH`;
}

function snapshotsAt(poll: number): InstrumentSnapshot[] {
  const observedAtMs = START_MS + poll * POLL_MS;
  return Array.from({ length: RUNES }, (_, index) => {
    const metrics: Record<string, number> = {};
    for (let stat = 0; stat < STATS; stat += 1) metrics[`stat_${stat}`] = index * 7 + stat + poll * 0.5;
    metrics.stat_0 = 1_000 + poll * 3 + index; // a cumulative volume
    return {
      source: 'benchrunes',
      symbol: `${runeName(index)}/SATS`,
      observedAtMs,
      price: 1 + ((index + poll) % 97) / 100,
      metrics,
      simulated: true,
    };
  });
}

const unusedSource: SnapshotSource = {
  id: 'benchrunes',
  kind: 'snapshots',
  simulated: true,
  capabilities: { pollTimeframe: '5m', batchLimit: RUNES, rateLimitMs: 0, cumulativeVolumeMetric: 'stat_0' },
  listInstruments: async () => [],
  fetchSnapshots: async () => ({ snapshots: [], rejected: [] }),
  close: async () => undefined,
};

const RAW_POINTS_TABLE = `CREATE TABLE IF NOT EXISTS bench_raw_points (
  source text NOT NULL, symbol text NOT NULL, metric text NOT NULL, time_ms bigint NOT NULL,
  value double precision NOT NULL, PRIMARY KEY (source, symbol, metric, time_ms))`;

function pointsCopyData(points: readonly MetricPoint[]): Buffer {
  const writer = new BinaryCopyWriter(points.length * 64);
  const texts = new TextEncodingCache();
  for (const point of points) {
    writer
      .row(5)
      .encodedText(texts.encode(point.source))
      .encodedText(texts.encode(point.symbol))
      .encodedText(texts.encode(point.metric))
      .int64(point.timeMs)
      .float64(point.value);
  }
  return writer.finish();
}

async function measure(engine: string, store: Store, db: Database): Promise<string[]> {
  const bus = new InProcessBus();
  let announced = 0;
  bus.subscribe('data.candles.>', () => {
    announced += 1;
  });
  const collector = new SnapshotCollector({
    source: unusedSource,
    store,
    bus,
    clock: { now: () => START_MS },
    logger: createLogger('silent'),
    symbols: () => [],
  });
  const polls = Array.from({ length: POLLS }, (_, poll) => snapshotsAt(poll));
  const ours = await timed(async () => {
    for (const snapshots of polls) await collector.store(snapshots);
  });

  // The same rows, pre-encoded, into tables of the same shape: the ceiling of any write path.
  await db.query(RAW_POINTS_TABLE);
  await db.query('CREATE TABLE IF NOT EXISTS bench_raw_candles (LIKE candles INCLUDING ALL)');
  const encoded = polls.map((snapshots) => ({
    points: pointsCopyData(
      snapshots.flatMap((snapshot) =>
        Object.entries(snapshot.metrics).map(([metric, value]) => ({
          source: snapshot.source,
          symbol: snapshot.symbol,
          metric,
          timeMs: snapshot.observedAtMs,
          value,
        })),
      ),
    ),
    candles: candlesToCopyData(
      snapshots.map((snapshot) => ({
        exchange: snapshot.source,
        symbol: snapshot.symbol,
        timeframe: '5m' as const,
        openTimeMs: snapshot.observedAtMs,
        open: snapshot.price ?? 1,
        high: snapshot.price ?? 1,
        low: snapshot.price ?? 1,
        close: snapshot.price ?? 1,
        volume: 0,
        quoteVolume: null,
        tradeCount: null,
        closed: false,
      })),
    ),
  }));
  const raw = await timed(async () => {
    for (const poll of encoded) {
      await db.copyFrom('bench_raw_points', ['source', 'symbol', 'metric', 'time_ms', 'value'], poll.points);
      await db.copyFrom('bench_raw_candles', CANDLE_COLUMNS, poll.candles);
    }
  });
  const values = POLLS * RUNES * (STATS + 1);
  await bus.close();
  return [
    engine,
    `${RUNES} × ${STATS + 1} × ${POLLS} polls`,
    formatRate(values, ours.seconds),
    formatRate(values, raw.seconds),
    `${Math.round((raw.seconds / ours.seconds) * 100)}%`,
    `${((ours.seconds / POLLS) * 1000).toFixed(0)} ms`,
    String(announced),
  ];
}

export async function runSnapshotsBench(): Promise<void> {
  const rows: string[][] = [];
  const pglite = await openStoreWithDatabase({ url: 'memory://' });
  try {
    rows.push(await measure('PGlite', pglite.store, pglite.db));
  } finally {
    await pglite.store.close();
  }
  const postgres = await createTestPostgresDatabase().catch(() => null);
  if (postgres) {
    const opened = await openStoreWithDatabase({ url: postgres.url });
    try {
      rows.push(await measure('PostgreSQL', opened.store, opened.db));
    } finally {
      await opened.store.close();
      await postgres.drop();
    }
  }
  printBenchTable(
    'Snapshot ingest: runes polls through the collector vs raw binary COPY of the same rows (target ≥ 50%)',
    ['engine', 'values', 'ours', 'raw COPY', 'ours / raw', 'per poll', 'bus batches'],
    rows,
  );
  if (!postgres)
    process.stdout.write('PostgreSQL at 127.0.0.1:5432 was not reachable; measured PGlite only\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runSnapshotsBench();
