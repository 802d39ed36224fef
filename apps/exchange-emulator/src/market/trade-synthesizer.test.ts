import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KlineRow } from '@runecast/market-files';
import { decimalsOf, formatDecimal, sumExact, toUnits, unitsToText } from './decimal.ts';
import { createRandom } from './seeded-random.ts';
import {
  aggregateTrades,
  planTrades,
  synthesizeTrades,
  type TradeSynthesisSettings,
} from './trade-synthesizer.ts';

const MINUTE_MS = 60_000;

/** Made-up candles with awkward decimals, tiny and huge volumes, flat and zero-volume ones. */
function candles(count: number): KlineRow[] {
  const random = createRandom(99);
  const rows: KlineRow[] = [];
  let price = 0.07315;
  for (let index = 0; index < count; index += 1) {
    const open = price;
    const close = Math.round(open * (1 + (random() - 0.5) * 0.02) * 1e5) / 1e5;
    const high = Math.round(Math.max(open, close) * (1 + random() * 0.01) * 1e5) / 1e5;
    const low = Math.round(Math.min(open, close) * (1 - random() * 0.01) * 1e5) / 1e5;
    const kind = index % 10;
    const volume =
      kind === 0
        ? 0.00003
        : kind === 1
          ? 0
          : kind === 2
            ? 987654321.5
            : Math.round(random() * 5000 * 1e4) / 1e4;
    const flat = kind === 3;
    rows.push({
      openTimeMs: Date.UTC(2024, 4, 1) + index * MINUTE_MS,
      open,
      high: flat ? open : high,
      low: flat ? open : low,
      close: flat ? open : close,
      volume,
      quoteVolume: null,
      tradeCount: kind === 4 ? 1234 : kind === 5 ? 2 : null,
    });
    if (kind === 5)
      rows[index] = { ...rows[index]!, high: Math.max(open, close), low: Math.min(open, close) };
    price = close;
  }
  return rows;
}

const settings: TradeSynthesisSettings = {
  symbolSeed: 5,
  maximumTradesPerCandle: 12,
  priceDecimals: 5,
  volumeDecimals: 4,
};

test('synthetic trades add up to their candle exactly', () => {
  for (const row of candles(200)) {
    const trades = synthesizeTrades(row, MINUTE_MS, settings);
    const plan = planTrades(row, MINUTE_MS, settings);
    assert.equal(trades.length, plan.aggregateCount);
    if (row.volume === 0) {
      assert.equal(trades.length, 0);
      continue;
    }
    const aggregate = aggregateTrades(trades)!;
    assert.equal(aggregate.open, row.open);
    assert.equal(aggregate.high, row.high);
    assert.equal(aggregate.low, row.low);
    assert.equal(aggregate.close, row.close);
    assert.equal(aggregate.volume, row.volume, `volume of ${row.openTimeMs}`);
    assert.equal(aggregate.tradeCount, plan.tradeCount);
    if (row.tradeCount !== null && row.tradeCount >= trades.length)
      assert.equal(plan.tradeCount, row.tradeCount);
    assert.equal(trades[0]!.timeMs, row.openTimeMs);
    for (let index = 0; index < trades.length; index += 1) {
      const trade = trades[index]!;
      assert.ok(trade.quantity > 0);
      assert.ok(trade.timeMs < row.openTimeMs + MINUTE_MS);
      assert.ok(decimalsOf(trade.price) <= settings.priceDecimals);
      if (index > 0) {
        assert.ok(trade.timeMs > trades[index - 1]!.timeMs, 'times strictly increase');
        assert.ok(trade.id > trades[index - 1]!.id, 'ids increase');
        assert.equal(trade.firstTradeId, trades[index - 1]!.lastTradeId + 1);
      }
    }
  }
});

test('the same candle always gives the same trades', () => {
  const [row] = candles(8).slice(7);
  assert.deepEqual(synthesizeTrades(row!, MINUTE_MS, settings), synthesizeTrades(row!, MINUTE_MS, settings));
  assert.notDeepEqual(
    synthesizeTrades(row!, MINUTE_MS, settings),
    synthesizeTrades(row!, MINUTE_MS, { ...settings, symbolSeed: 6 }),
  );
});

test('decimal helpers are exact', () => {
  assert.equal(formatDecimal(1e-7), '0.0000001');
  assert.equal(formatDecimal(2.5e-8), '0.000000025');
  assert.equal(decimalsOf(1.5e-8), 9);
  assert.equal(unitsToText(toUnits(123.456, 5), 5), '123.456');
  assert.equal(sumExact([0.1, 0.2], 1), 0.3);
  // Large volumes with many decimals go through integers, not floats.
  assert.equal(sumExact([98765432.1234567, 0.0000001, 0.0000002], 7), 98765432.123457);
  assert.equal(sumExact([0.3, 0.6, 0.1], 1), 1);
});
