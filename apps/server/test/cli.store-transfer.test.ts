import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { SeriesKey } from '@runecast/market';
import { openStore, type Store } from '../src/store/store.ts';
import { runRunecast } from './support/cli.ts';
import { minuteCandles } from './support/http/api-harness.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

const START_MS = Date.UTC(2025, 5, 2);
const CANDLES = 12_000; // more than two pages of rows
const VERSIONS = 20; // more than one page of rows holding blobs
const SERIES: SeriesKey = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };

interface TransferJson {
  rows: number;
  tables: { table: string; rows: number; digest: string }[];
}

const artifactOf = (index: number) =>
  Uint8Array.from({ length: 3_000 }, (_, byte) => (byte * 7 + index) % 256);

/** Fills a store with rows of every kind a copy must carry: paged tables, blobs, identities, generated columns. */
async function seed(store: Store): Promise<void> {
  await store.candles.upsertCandles(minuteCandles(SERIES.exchange, SERIES.symbol, START_MS, CANDLES));
  await store.coverage.markFetched(
    SERIES,
    { startMs: START_MS, endMs: START_MS + CANDLES * 60_000 },
    Array.from({ length: CANDLES }, (_, index) => START_MS + index * 60_000),
  );
  for (let index = 0; index < VERSIONS; index += 1) {
    await store.models.insertVersion({
      modelType: 'naive',
      series: SERIES,
      horizonMinutes: 60,
      params: { index, note: 'quote " and newline \n kept' },
      featureNames: ['close'],
      trainingStartMs: START_MS,
      trainingEndMs: START_MS + 60_000 * 100,
      trainingCandles: 100,
      dataFingerprint: createHash('sha256').update(`fp-${index}`).digest('hex'),
      metrics: { mase: 1 + index / 1000, rmse: null },
      artifact: artifactOf(index),
      createdAtMs: START_MS + index,
    });
  }
  await store.textItems.upsertItems([
    {
      source: 'news',
      channel: 'feed',
      id: 'a1',
      publishedAtMs: START_MS + 5_000,
      seenAtMs: START_MS + 9_000,
      title: 'Bitcoin • runes ünïcode',
      body: 'body',
      url: 'https://example.com/a1',
      author: null,
    },
  ]);
  await store.logs.insertEntries([
    { timeMs: START_MS, level: 30, component: 'test', message: 'hello', data: { nested: [1, 2.5, null] } },
  ]);
}

describe('runecast store copy, backup and restore', () => {
  let work: string;
  let embeddedHome: string;
  let target: { url: string; drop: () => Promise<void> };
  let original: TransferJson;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'runecast-transfer-'));
    embeddedHome = join(work, 'embedded');
    const store = await openStore({ dataDir: join(embeddedHome, 'pg') });
    try {
      await seed(store);
    } finally {
      await store.close();
    }
    target = await createTestPostgresDatabase();
  });

  after(async () => {
    await target?.drop();
    await rm(work, { recursive: true, force: true });
  });

  test('copies the embedded store to PostgreSQL row for row, and refuses a target holding data', async () => {
    const copied = await runRunecast(['store', 'copy', '--to', target.url, '--json'], {
      RUNECAST_HOME: embeddedHome,
    });
    assert.equal(copied.code, 0, copied.stderr);
    original = JSON.parse(copied.stdout) as TransferJson;
    const rowsOf = (table: string) => original.tables.find((entry) => entry.table === table)?.rows;
    assert.equal(rowsOf('candles'), CANDLES);
    assert.equal(rowsOf('model_versions'), VERSIONS);
    assert.equal(rowsOf('text_items'), 1);

    const copy = await openStore({ url: target.url });
    try {
      assert.equal(await copy.candles.countCandles(SERIES), CANDLES);
      const versions = await copy.models.listVersions();
      assert.equal(versions.length, VERSIONS);
      const first = versions.find((version) => version.params.index === 0)!;
      assert.deepEqual(first.params, { index: 0, note: 'quote " and newline \n kept' });
      assert.deepEqual(await copy.models.getArtifact(first.id), artifactOf(0));
      // Identities continue after the copied ones; generated columns were derived again.
      const next = await copy.models.insertVersion({
        modelType: 'naive',
        series: SERIES,
        horizonMinutes: 60,
        params: {},
        featureNames: ['close'],
        trainingStartMs: START_MS,
        trainingEndMs: START_MS + 60_000,
        trainingCandles: 1,
        dataFingerprint: createHash('sha256').update('after-copy').digest('hex'),
        metrics: {},
        artifact: new Uint8Array([1]),
      });
      assert.equal(next.id, Math.max(...versions.map((version) => version.id)) + 1);
      const [item] = await copy.textItems.queryItems({ source: 'news', limit: 5 });
      assert.equal(item?.title, 'Bitcoin • runes ünïcode');
      assert.deepEqual(
        await copy.textItems.listKnown('news', { startMs: START_MS, endMs: START_MS + 60_000 }),
        [{ knownAtMs: START_MS + 9_000, sentiment: null, mentions: [], deletedAtMs: null }],
      );
    } finally {
      await copy.close();
    }

    const again = await runRunecast(['store', 'copy', '--to', target.url], { RUNECAST_HOME: embeddedHome });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already holds data \(.*model_versions.*\); copy into an empty database/);
    assert.doesNotMatch(again.stderr, /\n\s+at /, 'no stack trace');
  });

  test('backs up PostgreSQL and restores it into an empty embedded store with the same digests', async () => {
    assert.ok(original, 'the copy test ran first');
    const file = join(work, 'store.backup.gz');
    const backedUp = await runRunecast(['backup', '--to', file, '--json'], {
      RUNECAST_HOME: join(work, 'pg-home'),
      RUNECAST_DATABASE_URL: target.url,
    });
    assert.equal(backedUp.code, 0, backedUp.stderr);
    const backup = JSON.parse(backedUp.stdout) as TransferJson;
    assert.equal(backup.rows, original.rows + 1, 'the one version added after the copy is in the backup');

    const exists = await runRunecast(['backup', '--to', file], { RUNECAST_HOME: embeddedHome });
    assert.equal(exists.code, 2);
    assert.match(exists.stderr, /exists already/);

    const restoreHome = join(work, 'restored');
    const restored = await runRunecast(['restore', '--from', file, '--json'], { RUNECAST_HOME: restoreHome });
    assert.equal(restored.code, 0, restored.stderr);
    assert.deepEqual((JSON.parse(restored.stdout) as TransferJson).tables, backup.tables);

    // A second restore into the now filled store is refused; nothing is merged.
    const twice = await runRunecast(['restore', '--from', file], { RUNECAST_HOME: restoreHome });
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /already holds data/);
  });

  test('a damaged, cut-short or foreign file is refused with one clear line, and the store stays empty', async () => {
    const good = await readFile(join(work, 'store.backup.gz'));
    const cases: [string, Buffer, RegExp][] = [
      [
        'truncated.gz',
        good.subarray(0, Math.floor(good.length / 2)),
        /not gzip data, or it is damaged|ends before/,
      ],
      ['plain.txt', Buffer.from('not a backup\n'), /not gzip data/],
      ['foreign.gz', gzipSync('{"format":"something-else"}\n'), /does not start with a runecast-backup/],
      ['empty.gz', gzipSync(''), /it is empty/],
      [
        'headless.gz',
        gzipSync(
          `${JSON.stringify({ format: 'runecast-backup', version: 1, migrations: ['0001_x.sql'] })}\n`,
        ),
        /made by a version with migrations up to 0001_x.sql/,
      ],
    ];
    const home = join(work, 'refused');
    for (const [name, bytes, message] of cases) {
      const file = join(work, name);
      await writeFile(file, bytes);
      const result = await runRunecast(['restore', '--from', file], { RUNECAST_HOME: home });
      assert.equal(result.code, 2, `${name}: ${result.stderr}`);
      assert.match(result.stderr, message, name);
      assert.doesNotMatch(result.stderr, /\n\s+at /, `${name}: no stack trace`);
    }
    const missing = await runRunecast(['restore', '--from', join(work, 'nope.gz')], { RUNECAST_HOME: home });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does not exist/);
    // Every refused restore rolled back: the good backup still restores into the same store.
    const restored = await runRunecast(['restore', '--from', join(work, 'store.backup.gz')], {
      RUNECAST_HOME: home,
    });
    assert.equal(restored.code, 0, restored.stderr);
  });
});
