import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openStore } from '../src/store/store.ts';
import { runRunecast } from './support/cli.ts';
import { replayDataSkip, replayPath } from './support/replay-data.ts';

const DOG = 'DOG•GO•TO•THE•MOON/SATS';
let home: string;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'runecast-runes-'));
});

after(async () => {
  await rm(home, { recursive: true, force: true });
});

test('runecast runes lists the collected runes with their stats; --tracked only those tracked', async () => {
  const store = await openStore({ dataDir: join(home, 'pg') });
  try {
    const observedAtMs = Date.UTC(2026, 8, 1, 12);
    await store.instruments.record([
      {
        source: 'ordiscan',
        symbol: DOG,
        instrumentId: '840000:3',
        name: 'DOG•GO•TO•THE•MOON',
        simulated: true,
        observedAtMs,
        price: 0.31,
        metrics: { price_usd: 0.0021, market_cap_usd: 210_000_000 },
      },
      {
        source: 'unisat',
        symbol: DOG,
        instrumentId: '840000:3',
        name: 'DOG•GO•TO•THE•MOON',
        simulated: true,
        observedAtMs,
        price: 0.36,
        metrics: { holders: 91_000, volume_1d_btc: 4.2 },
      },
      {
        source: 'ordiscan',
        symbol: 'RSIC•GENESIS•RUNE/SATS',
        instrumentId: '840000:1',
        name: 'RSIC•GENESIS•RUNE',
        simulated: true,
        observedAtMs,
        price: 1.5,
        metrics: { market_cap_usd: 9_000_000 },
      },
    ]);
    await store.markets.upsertMarkets([
      {
        exchange: 'ordiscan',
        symbol: DOG,
        base: 'DOG•GO•TO•THE•MOON',
        quote: 'SATS',
        type: 'other',
        active: true,
        pricePrecision: null,
        amountPrecision: null,
        addedAtMs: observedAtMs,
      },
    ]);
  } finally {
    await store.close();
  }
  const env = { RUNECAST_HOME: home };
  const listed = await runRunecast(['runes', '--json'], env);
  assert.equal(listed.code, 0, listed.stderr);
  const runes = JSON.parse(listed.stdout) as Record<string, unknown>[];
  assert.deepEqual(
    runes.map((rune) => rune.name),
    ['DOG•GO•TO•THE•MOON', 'RSIC•GENESIS•RUNE'],
  );
  const dog = runes[0]!;
  for (const field of [
    'name',
    'id',
    'seriesKey',
    'priceSats',
    'priceUsd',
    'holders',
    'volume1dBtc',
    'updatedAtMs',
    'source',
    'simulated',
  ]) {
    assert.ok(field in dog, field);
  }
  assert.equal(dog.seriesKey, 'ordiscan:DOG•GO•TO•THE•MOON/SATS:5m');
  assert.equal(dog.holders, 91_000);
  assert.equal(dog.tracked, true);
  // 0.31 against 0.36 sats: the providers differ by more than 5%, which is said, not averaged.
  assert.deepEqual(dog.disagreement, { sources: ['ordiscan', 'unisat'], pct: 14.93 });

  const tracked = await runRunecast(['runes', '--json', '--tracked'], env);
  assert.deepEqual(
    (JSON.parse(tracked.stdout) as { name: string }[]).map((rune) => rune.name),
    ['DOG•GO•TO•THE•MOON'],
  );
  const table = await runRunecast(['runes'], env);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /DOG•GO•TO•THE•MOON .*providers differ 14\.93%/);
});

test(
  'runecast import --runes loads the daily DOG files: close-only daily candles and on-chain metrics',
  { skip: replayDataSkip },
  async () => {
    const imported = await runRunecast(['import', '--runes', replayPath('runes'), '--json'], {
      RUNECAST_HOME: home,
    });
    assert.equal(imported.code, 0, imported.stderr);
    const result = JSON.parse(imported.stdout) as {
      series: string;
      days: number;
      problems: { reason: string }[];
    };
    assert.equal(result.series, 'dogdata:DOG•GO•TO•THE•MOON/USD:1d');
    assert.equal(result.days, 890);
    // The source's zero row of 2026-06-30 is left out, not stored as a price of zero.
    assert.ok(result.problems.some((problem) => /current_price is 0/.test(problem.reason)));
    const bad = await runRunecast(['import', '--runes', join(home, 'nope')], { RUNECAST_HOME: home });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /is not a folder/);
    const missing = await runRunecast(['import', '--file', 'x.csv'], { RUNECAST_HOME: home });
    assert.match(missing.stderr, /--exchange is required/);
  },
);
