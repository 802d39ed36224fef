import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEmulator, type RunningEmulator } from '@runecast/exchange-emulator';
import type { SeriesKey } from '@runecast/market';
import type { Database } from '../src/store/database.port.ts';
import type { Store } from '../src/store/store.ts';
import { openStoreWithDatabase } from '../src/store/testing/store-with-database.ts';
import { waitFor } from './ingest.helpers.ts';
import { RUNECAST_BIN } from './support/cli.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

const LEASE_SECONDS = 3;
const SYMBOLS = ['BTC/USDT', 'ETH/USDT'];
const seriesOf = (symbol: string): SeriesKey => ({ exchange: 'binance', symbol, timeframe: '1m' });

interface IngestProcess {
  child: ChildProcess;
  home: string;
  log: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Who holds each market's ingest lease now. */
async function marketOwners(store: Store): Promise<Map<string, string>> {
  const leases = await store.leases.list('ingest:market:');
  return new Map(leases.map((lease) => [lease.name.slice('ingest:market:binance:'.length), lease.owner]));
}

async function duplicateCandles(db: Database): Promise<number> {
  const [row] = await db.query<{ duplicates: number }>(
    `SELECT count(*)::int AS duplicates FROM (
       SELECT 1 FROM candles GROUP BY exchange, symbol, timeframe, open_time_ms HAVING count(*) > 1) AS repeated`,
  );
  return row?.duplicates ?? -1;
}

describe('two ingest processes share the tracked markets through leases', () => {
  let emulator: RunningEmulator;
  let database: { url: string; drop: () => Promise<void> };
  let store: Store;
  let db: Database;
  const processes: IngestProcess[] = [];

  const startIngest = async (): Promise<IngestProcess> => {
    const home = await mkdtemp(join(tmpdir(), 'runecast-leases-'));
    const child = spawn(process.execPath, [RUNECAST_BIN, 'serve', '--roles', 'ingest', '--port', '0'], {
      env: {
        ...process.env,
        RUNECAST_HOME: home,
        RUNECAST_DATABASE_URL: database.url,
        RUNECAST_EMULATOR_URL: emulator.url,
        RUNECAST_MARKETS: SYMBOLS.map((symbol) => `binance:${symbol}`).join(','),
        RUNECAST_BACKFILL_DAYS: '1',
        RUNECAST_INGEST_LEASE_SECONDS: String(LEASE_SECONDS),
        RUNECAST_RUNES_PROVIDERS: 'none',
        RUNECAST_NEWS_FEEDS: 'none',
        RUNECAST_DEFAULT_MODEL: 'none',
        RUNECAST_ADMIN_PASSWORD: 'a-long-test-password',
        RUNECAST_LOG_LEVEL: 'info',
        RUNECAST_LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log: string[] = [];
    child.stdout!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const started: IngestProcess = { child, home, log, exited };
    processes.push(started);
    return started;
  };

  before(async () => {
    // Simulated market at 600×: a minute lasts 100 ms.
    emulator = await startEmulator({ speed: 600, tickMs: 50, simulatedHistoryDays: 2 });
    database = await createTestPostgresDatabase();
    ({ store, db } = await openStoreWithDatabase({ url: database.url }));
  });

  after(async () => {
    for (const running of processes) {
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
      await running.exited;
      await rm(running.home, { recursive: true, force: true });
    }
    await store?.close();
    await database?.drop();
    await emulator?.close();
  });

  test('each market has one owner; a killed owner’s market moves on and its gap is filled', async (t) => {
    const first = await startIngest();
    const second = await startIngest();
    const describeLogs = () => processes.map((item) => item.log.join('').slice(-3000)).join('\n---\n');
    t.diagnostic(`lease ${LEASE_SECONDS} s`);

    // Balanced: two live members, one market each.
    await waitFor(async () => {
      const owners = await marketOwners(store);
      return owners.size === 2 && new Set(owners.values()).size === 2;
    }, 60_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${describeLogs()}`);
    });
    for (const symbol of SYMBOLS) {
      await waitFor(async () => (await store.candles.countCandles(seriesOf(symbol))) > 1_000, 60_000);
    }

    // Kill the owner of BTC/USDT outright: its lease expires and the survivor takes it over.
    const owners = await marketOwners(store);
    const members = (await store.leases.list('member:ingest:')).map((lease) => lease.owner);
    assert.equal(members.length, 2);
    const victimOwner = owners.get('BTC/USDT')!;
    const survivorOwner = owners.get('ETH/USDT')!;
    assert.notEqual(victimOwner, survivorOwner);
    // Which child is the victim: the one whose log names its owner id.
    const victim = [first, second].find((item) => item.log.join('').includes(victimOwner));
    assert.ok(victim, 'the owner of BTC/USDT is one of the two processes');
    const before = await store.candles.latestCandle(seriesOf('BTC/USDT'));
    victim.child.kill('SIGKILL');
    assert.equal((await victim.exited).signal, 'SIGKILL');
    const killedAtMs = Date.now();
    await waitFor(async () => (await marketOwners(store)).get('BTC/USDT') === survivorOwner, 30_000);
    const takeoverMs = Date.now() - killedAtMs;
    t.diagnostic(`taken over ${takeoverMs} ms after the kill`);
    // Expiry (one lease length) plus at most one renewal interval, with slack for a loaded machine.
    assert.ok(takeoverMs < (LEASE_SECONDS * 4_000) / 3 + 5_000, `took ${takeoverMs} ms`);

    // The survivor ingests both markets, and the stretch the victim missed is filled in.
    const resumeFromMs = before!.openTimeMs;
    await waitFor(async () => {
      const latest = await store.candles.latestCandle(seriesOf('BTC/USDT'));
      return latest !== null && latest.openTimeMs > resumeFromMs + 200 * 60_000;
    }, 60_000);
    for (const symbol of SYMBOLS) {
      const series = seriesOf(symbol);
      const latest = await store.candles.latestCandle(series);
      const earliest = await store.candles.listCandles(series, { startMs: 0, endMs: latest!.openTimeMs }, 1);
      const missing = await store.coverage.missingRanges(series, {
        startMs: earliest[0]!.openTimeMs,
        endMs: latest!.openTimeMs - 5 * 60_000,
      });
      assert.deepEqual(missing, [], `${symbol}: no hole in the ledger`);
    }
    assert.equal(await duplicateCandles(db), 0);

    // A graceful stop hands everything back at once.
    const survivor = [first, second].find((item) => item !== victim)!;
    survivor.child.kill('SIGTERM');
    assert.equal((await survivor.exited).code, 0);
    assert.deepEqual(await store.leases.list('ingest:'), []);
    assert.deepEqual(await store.leases.list('member:ingest:'), []);
  });
});
