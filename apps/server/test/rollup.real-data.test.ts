// The real June 2025 BTC/USDT 1m candles, rolled up to 1h, must equal Binance's own 1h candles.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { type Candle, type DerivedCandle, rollupCandles } from '@runecast/market';
import { openStore, type Store } from '../src/store/store.ts';
import { replayDataSkip, replayPath } from './support/replay-data.ts';

type FreqtradeRow = [number, number, number, number, number, number];

const JUNE_2025 = { startMs: Date.UTC(2025, 5, 1), endMs: Date.UTC(2025, 6, 1) };
const HOUR_MS = 3_600_000;
const VOLUME_RELATIVE_TOLERANCE = 1e-9;

function readCandles(file: string, timeframe: Candle['timeframe']): Candle[] {
  const bytes = readFileSync(replayPath(file));
  const rows = JSON.parse(
    (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'),
  ) as FreqtradeRow[];
  return rows.map(([openTimeMs, open, high, low, close, volume]) => ({
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timeframe,
    openTimeMs,
    open,
    high,
    low,
    close,
    volume,
    quoteVolume: null,
    tradeCount: null,
    closed: true,
  }));
}

function inJune(candle: Candle): boolean {
  return candle.openTimeMs >= JUNE_2025.startMs && candle.openTimeMs < JUNE_2025.endMs;
}

/** Compares every complete derived hour with the exchange's hour; returns how many matched. */
function assertMatchesExchangeHours(
  derived: readonly DerivedCandle[],
  exchangeHours: ReadonlyMap<number, Candle>,
) {
  let compared = 0;
  for (const hour of derived) {
    if (!hour.complete) continue;
    const expected = exchangeHours.get(hour.openTimeMs);
    assert.ok(expected, `the 1h file has the hour ${new Date(hour.openTimeMs).toISOString()}`);
    const when = new Date(hour.openTimeMs).toISOString();
    assert.equal(hour.open, expected.open, `open at ${when}`);
    assert.equal(hour.high, expected.high, `high at ${when}`);
    assert.equal(hour.low, expected.low, `low at ${when}`);
    assert.equal(hour.close, expected.close, `close at ${when}`);
    const relativeError =
      Math.abs(hour.volume - expected.volume) / Math.max(expected.volume, Number.MIN_VALUE);
    assert.ok(
      relativeError <= VOLUME_RELATIVE_TOLERANCE,
      `volume at ${when}: ${hour.volume} vs ${expected.volume} (relative error ${relativeError})`,
    );
    compared += 1;
  }
  return compared;
}

describe('1m → 1h rollup on real Binance BTC/USDT, June 2025', () => {
  let minutes: Candle[];
  let exchangeHours: Map<number, Candle>;
  let completeHourCount: number;

  before(() => {
    if (replayDataSkip) return;
    minutes = readCandles('binance_spot_1m_recent/BTC_USDT-1m.json.gz', '1m').filter(inJune);
    exchangeHours = new Map(
      readCandles('binance_spot_1h_recent/BTC_USDT-1h.json', '1h')
        .filter(inJune)
        .map((candle) => [candle.openTimeMs, candle]),
    );
    const minutesPerHour = new Map<number, number>();
    for (const candle of minutes) {
      const hourMs = candle.openTimeMs - (candle.openTimeMs % HOUR_MS);
      minutesPerHour.set(hourMs, (minutesPerHour.get(hourMs) ?? 0) + 1);
    }
    completeHourCount = [...minutesPerHour.values()].filter((count) => count === 60).length;
    // The 1m file starts 2025-06-01T17:23Z, so June has 702 complete hours.
    assert.ok(completeHourCount > 700, `expected a month of complete hours, found ${completeHourCount}`);
  });

  test('the pure rollup equals the exchange for every complete hour', { skip: replayDataSkip }, () => {
    const derived = rollupCandles(minutes, '1h');
    assert.equal(derived.filter((hour) => hour.complete).length, completeHourCount);
    assert.equal(assertMatchesExchangeHours(derived, exchangeHours), completeHourCount);
  });

  describe('through the store on PGlite', () => {
    let store: Store;
    before(async () => {
      if (replayDataSkip) return;
      store = await openStore();
      assert.equal(await store.candles.upsertCandles(minutes), minutes.length);
    });
    after(async () => {
      await store?.close();
    });

    test('deriveCandles equals the exchange for every complete hour', { skip: replayDataSkip }, async () => {
      const derived = await store.candles.deriveCandles(
        { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h' },
        JUNE_2025,
      );
      assert.equal(derived.filter((hour) => hour.complete).length, completeHourCount);
      assert.equal(assertMatchesExchangeHours(derived, exchangeHours), completeHourCount);
      const incomplete = derived.filter((hour) => !hour.complete);
      assert.deepEqual(
        incomplete.map((hour) => new Date(hour.openTimeMs).toISOString()),
        ['2025-06-01T17:00:00.000Z'],
        'only the hour the file starts inside is partial',
      );
    });
  });
});
