import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { ValidationError } from '@runecast/market';
import { createPgliteDataDir, openDatabase } from './db.ts';
import { readMigrationFiles, runMigrations } from './migrate.ts';
import { openStore } from './store.ts';
import { runStoreContract } from './store.contract.ts';
import { openStoreWithDatabase } from './testing/store-with-database.ts';

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
    // Created from the build's empty database, or by initdb in a child process.
    assert.ok(existsSync(join(dataDir, 'PG_VERSION')));
    await first.candles.upsertCandles([candle]);
    await first.close();
    await first.close();

    const { store: second, db } = await openStoreWithDatabase({ url: pathToFileURL(dataDir).href });
    try {
      assert.deepEqual(await second.candles.latestCandle(candle), candle);
      assert.deepEqual(await runMigrations(db), []);
    } finally {
      await second.close();
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

test('a new data folder is a copy of the empty database template of this PGlite version, or made by initdb', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'runecast-pglite-'));
  try {
    const require = createRequire(import.meta.url);
    const { version } = JSON.parse(
      readFileSync(join(require.resolve('@electric-sql/pglite'), '..', '..', 'package.json'), 'utf8'),
    ) as { version: string };
    const template = { dir: join(parent, 'template'), stamp: join(parent, 'template.json') };
    // No template yet: initdb makes the database, which then serves as the template.
    assert.equal(await createPgliteDataDir(template.dir, template), 'initdb');
    writeFileSync(template.stamp, JSON.stringify({ pgliteVersion: version }));

    const copied = join(parent, 'home', 'pg');
    assert.equal(await createPgliteDataDir(copied, template), 'template');
    const database = await openDatabase({ dataDir: copied });
    try {
      await runMigrations(database);
      assert.deepEqual(await database.query('SELECT count(*)::int AS markets FROM markets'), [
        { markets: 0 },
      ]);
    } finally {
      await database.close();
    }
    assert.ok(!existsSync(`${copied}.new-${process.pid}`), 'nothing is left beside the folder');

    // A folder that already holds files is never overwritten by the copy.
    const occupied = join(parent, 'occupied');
    mkdirSync(occupied);
    writeFileSync(join(occupied, 'notes.txt'), 'mine');
    assert.equal(await createPgliteDataDir(occupied, template), 'initdb');
    assert.equal(readFileSync(join(occupied, 'notes.txt'), 'utf8'), 'mine');

    // A template made by another PGlite version is not used.
    writeFileSync(template.stamp, JSON.stringify({ pgliteVersion: '0.0.1' }));
    assert.equal(await createPgliteDataDir(join(parent, 'stale'), template), 'initdb');
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
