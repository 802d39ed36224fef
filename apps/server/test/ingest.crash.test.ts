import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startEmulator, type RunningEmulator } from '@runecast/exchange-emulator';
import type { SeriesKey } from '@runecast/market';
import type { Database } from '../src/store/database.port.ts';
import type { Store } from '../src/store/store.ts';
import { openStoreWithDatabase } from '../src/store/testing/store-with-database.ts';
import { assertMatchesExchange, waitFor } from './ingest.helpers.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const workerPath = fileURLToPath(new URL('./ingest.crash-worker.ts', import.meta.url));

/** A started worker process, with the events it printed so far. */
interface Worker {
  child: ChildProcess;
  events: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWorker(config: Record<string, unknown>): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', workerPath, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not one of ours; ignore.
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, events, exited };
}

const sawEvent = (worker: Worker, name: string): boolean =>
  worker.events.some((event) => event.event === name);
const randomBetween = (lowMs: number, highMs: number): number => lowMs + Math.random() * (highMs - lowMs);

const countEvents = (worker: Worker, name: string): number =>
  worker.events.filter((event) => event.event === name).length;

/** Kills the worker with SIGKILL once it printed `afterEvent` `times` times, plus a random moment. */
async function killAtRandom(
  worker: Worker,
  afterEvent: string,
  times: number,
  withinMs: [number, number],
): Promise<boolean> {
  await Promise.race([waitFor(async () => countEvents(worker, afterEvent) >= times, 60_000), worker.exited]);
  await new Promise((resolve) => setTimeout(resolve, randomBetween(...withinMs)));
  if (worker.child.exitCode !== null) return false;
  worker.child.kill('SIGKILL');
  const { signal } = await worker.exited;
  return signal === 'SIGKILL';
}

/** No open time is stored twice (the primary key says so; this checks it still holds). */
async function duplicateCount(db: Database, series: SeriesKey): Promise<number> {
  const rows = await db.query<{ duplicates: number }>(
    `SELECT count(*)::int AS duplicates FROM (
       SELECT open_time_ms FROM candles WHERE exchange = $1 AND symbol = $2 AND timeframe = $3
       GROUP BY open_time_ms HAVING count(*) > 1) AS repeated`,
    [series.exchange, series.symbol, series.timeframe],
  );
  return rows[0]?.duplicates ?? -1;
}

describe('SIGKILL at random points, then restart: no candle missing, none twice', () => {
  let emulator: RunningEmulator;
  let database: { url: string; drop: () => Promise<void> };
  let store: Store;
  let db: Database;

  before(async () => {
    emulator = await startEmulator({
      speed: 1_200,
      tickMs: 50,
      simulatedHistoryDays: 4,
      seed: 21,
      simulatedSymbols: ['BTC/USDT', 'ETH/USDT'],
    });
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      await fetch(`${emulator.url}/binance/api/v3/klines?symbol=${symbol}&interval=1m&limit=1`);
    }
    database = await createTestPostgresDatabase();
    ({ store, db } = await openStoreWithDatabase({ url: database.url }));
  });

  after(async () => {
    await store?.close();
    await database?.drop();
    await emulator?.close();
  });

  test('during a backfill', async () => {
    const series: SeriesKey = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
    const untilMs = Math.floor(emulator.clock.nowMs() / HOUR_MS) * HOUR_MS - 2 * HOUR_MS;
    const sinceMs = untilMs - 3 * 24 * HOUR_MS;
    const config = {
      mode: 'backfill',
      databaseUrl: database.url,
      emulatorUrl: emulator.url,
      symbol: series.symbol,
      sinceMs,
      untilMs,
      pageLimit: 60,
    };
    let kills = 0;
    for (let round = 0; round < 4; round += 1) {
      const worker = startWorker(config);
      // Somewhere in the first pages of what is left, in the middle of a write or a request.
      const pages = 1 + Math.floor(Math.random() * 12);
      if (await killAtRandom(worker, 'progress', pages, [0, 40])) kills += 1;
      else break;
    }
    assert.ok(kills >= 3, `killed ${kills} times`);
    const finalRun = startWorker(config);
    const { code } = await finalRun.exited;
    assert.equal(code, 0);
    assert.ok(sawEvent(finalRun, 'done'));

    assert.deepEqual(await store.coverage.missingRanges(series, { startMs: sinceMs, endMs: untilMs }), []);
    assert.equal(await duplicateCount(db, series), 0);
    assert.equal(await store.candles.countCandles(series, { startMs: sinceMs, endMs: untilMs }), 3 * 24 * 60);
    await assertMatchesExchange(emulator, 'binance', series, sinceMs, untilMs, store);
  });

  test('during live streaming at 1200× speed', async () => {
    const series: SeriesKey = { exchange: 'binance', symbol: 'ETH/USDT', timeframe: '1m' };
    const sinceMs = Math.floor(emulator.clock.nowMs() / MINUTE_MS) * MINUTE_MS - 2 * HOUR_MS;
    const config = {
      mode: 'live',
      databaseUrl: database.url,
      emulatorUrl: emulator.url,
      symbol: series.symbol,
      sinceMs,
    };
    let kills = 0;
    for (let round = 0; round < 3; round += 1) {
      const worker = startWorker(config);
      // Half the kills land while streaming, the others anywhere from start-up on.
      const afterEvent = round % 2 === 0 ? 'trusted' : 'ready';
      if (await killAtRandom(worker, afterEvent, 1, [50, 1_500])) kills += 1;
    }
    assert.ok(kills >= 2, `killed ${kills} times`);
    const finalRun = startWorker(config);
    await waitFor(async () => sawEvent(finalRun, 'trusted'), 60_000);
    const streamedBefore = countEvents(finalRun, 'candles');
    await waitFor(async () => countEvents(finalRun, 'candles') >= streamedBefore + 10, 60_000);
    finalRun.child.kill('SIGTERM');
    assert.equal((await finalRun.exited).code, 0);

    const latest = await store.candles.latestCandle(series);
    assert.ok(latest);
    const endMs = latest.openTimeMs + MINUTE_MS;
    assert.ok(endMs - sinceMs > 2 * HOUR_MS, 'the stream carried on past the start');
    assert.deepEqual(await store.coverage.missingRanges(series, { startMs: sinceMs, endMs }), []);
    assert.equal(await duplicateCount(db, series), 0);
    assert.equal(
      await store.candles.countCandles(series, { startMs: sinceMs, endMs }),
      (endMs - sinceMs) / MINUTE_MS,
    );
    await assertMatchesExchange(emulator, 'binance', series, sinceMs, endMs, store);
  });
});
