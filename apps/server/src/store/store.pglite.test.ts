import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { ValidationError } from '../domain/errors.ts';
import { openDatabase } from './db.ts';
import { readMigrationFiles, runMigrations } from './migrate.ts';
import { openStore } from './store.ts';
import { runStoreContract } from './store.contract.ts';

runStoreContract('PGlite (in memory)', async () => {
  const database = await openDatabase();
  assert.equal(database.engine, 'pglite');
  assert.deepEqual(
    await runMigrations(database),
    (await readMigrationFiles()).map((file) => file.name),
  );
  return database;
});

test('PGlite in a data folder keeps its rows across restarts', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'runecast-pglite-'));
  try {
    const candle = {
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '1m' as const,
      openTimeMs: Date.UTC(2025, 5, 2),
      open: 1,
      high: 2,
      low: 0.5,
      close: 1.5,
      volume: 3,
      quoteVolume: 4,
      tradeCount: 5,
      closed: true,
    };
    const first = await openStore({ dataDir });
    // The database was created by a child process (initdb's memory peak leaves with it).
    assert.ok(existsSync(join(dataDir, 'PG_VERSION')));
    await first.candles.upsertCandles([candle]);
    await first.db.close();
    await first.db.close();

    const second = await openStore({ url: pathToFileURL(dataDir).href });
    try {
      assert.deepEqual(await second.candles.latestCandle(candle), candle);
      assert.deepEqual(await runMigrations(second.db), []);
    } finally {
      await second.db.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('an unknown database url is refused by name', async () => {
  await assert.rejects(openDatabase({ url: 'mysql://localhost/runecast' }), ValidationError);
  await assert.rejects(openDatabase({ url: 'mysql://localhost/runecast' }), /mysql:\/\/localhost/);
});

test('a data folder that cannot hold a database is refused with the reason', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'runecast-pglite-'));
  try {
    const notAFolder = join(parent, 'file');
    writeFileSync(notAFolder, 'x');
    await assert.rejects(openDatabase({ dataDir: join(notAFolder, 'pg') }), /ENOTDIR|not a directory/);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
