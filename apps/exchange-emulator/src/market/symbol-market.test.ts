import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { KlineRow } from '@runecast/market-files';
import { sumExact } from './decimal.ts';
import { NativeSeries } from './native-series.ts';
import { createRandom } from './seeded-random.ts';
import { SymbolMarket } from './symbol-market.ts';
import { aggregateTrades } from './trade-synthesizer.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const START_MS = Date.UTC(2024, 2, 4, 0, 0);

function walk(count: number, startMs: number, stepMs: number, seed: number): KlineRow[] {
  const random = createRandom(seed);
  let price = 812.5;
  return Array.from({ length: count }, (_, index) => {
    const open = price;
    const close = Math.round(open * (1 + (random() - 0.5) * 0.004) * 100) / 100;
    const high = Math.round(Math.max(open, close) * (1 + random() * 0.002) * 100) / 100;
    const low = Math.round(Math.min(open, close) * (1 - random() * 0.002) * 100) / 100;
    price = close;
    return {
      openTimeMs: startMs + index * stepMs,
      open,
      high,
      low,
      close,
      volume: Math.round(random() * 90 * 1000) / 1000,
      quoteVolume: null,
      tradeCount: null,
    };
  });
}

describe('SymbolMarket', () => {
  // Two days of minutes, with a 30-minute halt, and a week of native hours before them.
  const minutes = walk(2 * 1440, START_MS, MINUTE_MS, 1).filter(
    (row) => row.openTimeMs < START_MS + 600 * MINUTE_MS || row.openTimeMs >= START_MS + 630 * MINUTE_MS,
  );
  const hours = walk(7 * 24, START_MS - 7 * 24 * HOUR_MS, HOUR_MS, 2);
  let market: SymbolMarket;

  before(async () => {
    market = new SymbolMarket(
      'ABC/USDT',
      'ABC',
      'USDT',
      {
        load: async () => [
          new NativeSeries('1h', HOUR_MS, hours),
          new NativeSeries('1m', MINUTE_MS, minutes),
        ],
      },
      { seed: 3, maximumTradesPerCandle: 10, bookDepth: 20 },
    );
    await market.ensureLoaded();
  });

  test('closed candles are the rows themselves, the open one grows from its trades', () => {
    const nowMs = START_MS + 1000 * MINUTE_MS + 25_000;
    const result = market.candles({
      timeframeMs: MINUTE_MS,
      startMs: START_MS + 990 * MINUTE_MS,
      limit: 50,
      nowMs,
    });
    assert.equal(result.length, 11);
    const closed = result.slice(0, 10);
    const expected = minutes.filter((row) => row.openTimeMs >= START_MS + 990 * MINUTE_MS).slice(0, 10);
    assert.deepEqual(
      closed.map((candle) => [
        candle.openTimeMs,
        candle.open,
        candle.high,
        candle.low,
        candle.close,
        candle.volume,
      ]),
      expected.map((row) => [row.openTimeMs, row.open, row.high, row.low, row.close, row.volume]),
    );
    const current = result[10]!;
    assert.equal(current.closed, false);
    assert.equal(current.openTimeMs, START_MS + 1000 * MINUTE_MS);
    const trades = market.tradesBetween(current.openTimeMs, nowMs, 1000, nowMs);
    const aggregate = aggregateTrades(trades)!;
    assert.deepEqual(
      [current.open, current.high, current.low, current.close, current.volume, current.tradeCount],
      [
        aggregate.open,
        aggregate.high,
        aggregate.low,
        aggregate.close,
        aggregate.volume,
        aggregate.tradeCount,
      ],
    );
    assert.ok(trades.every((trade) => trade.timeMs <= nowMs));
    const lastRows = market.candles({ timeframeMs: MINUTE_MS, limit: 3, nowMs });
    assert.deepEqual(
      lastRows.map((candle) => candle.openTimeMs),
      [998, 999, 1000].map((minute) => START_MS + minute * MINUTE_MS),
    );
  });

  test('larger timeframes roll up from minutes and equal the trades of their period', () => {
    const nowMs = START_MS + 2 * 1440 * MINUTE_MS;
    const fiveMinutes = market.candles({ timeframeMs: 5 * MINUTE_MS, startMs: START_MS, limit: 1000, nowMs });
    for (const candle of fiveMinutes.slice(0, 200)) {
      const rows = minutes.filter(
        (row) => row.openTimeMs >= candle.openTimeMs && row.openTimeMs < candle.openTimeMs + 5 * MINUTE_MS,
      );
      assert.equal(candle.open, rows[0]!.open);
      assert.equal(candle.close, rows.at(-1)!.close);
      assert.equal(candle.high, Math.max(...rows.map((row) => row.high)));
      assert.equal(candle.low, Math.min(...rows.map((row) => row.low)));
      assert.equal(
        candle.volume,
        sumExact(
          rows.map((row) => row.volume),
          3,
        ),
      );
      const trades = market.tradesBetween(
        candle.openTimeMs,
        candle.openTimeMs + 5 * MINUTE_MS - 1,
        10_000,
        nowMs,
      );
      const aggregate = aggregateTrades(trades)!;
      assert.deepEqual(
        [
          aggregate.open,
          aggregate.high,
          aggregate.low,
          aggregate.close,
          aggregate.volume,
          aggregate.tradeCount,
        ],
        [candle.open, candle.high, candle.low, candle.close, candle.volume, candle.tradeCount],
      );
    }
    // The halt leaves the minutes of 10:00-10:29 out; the 5-minute candles there are absent too.
    assert.equal(
      fiveMinutes.some(
        (candle) =>
          candle.openTimeMs >= START_MS + 600 * MINUTE_MS && candle.openTimeMs < START_MS + 630 * MINUTE_MS,
      ),
      false,
    );
    const hourly = market.candles({
      timeframeMs: HOUR_MS,
      startMs: START_MS - 7 * 24 * HOUR_MS,
      limit: 1000,
      nowMs,
    });
    assert.deepEqual(
      hourly.slice(0, hours.length).map((candle) => candle.close),
      hours.map((row) => row.close),
      'native hours are served as they are',
    );
    // Then 48 hours rolled up from the minutes (the halted hour from its 30 traded minutes).
    assert.equal(hourly.length, hours.length + 48);
    assert.ok(hourly.every((candle) => candle.closed));
  });

  test('no candle or trade lies after the emulated now', () => {
    const nowMs = START_MS + 300 * MINUTE_MS + 1;
    for (const timeframeMs of [MINUTE_MS, 15 * MINUTE_MS, HOUR_MS, 4 * HOUR_MS]) {
      const result = market.candles({ timeframeMs, limit: 1000, nowMs, startMs: START_MS });
      assert.ok(result.every((candle) => candle.openTimeMs <= nowMs));
      assert.equal(result.filter((candle) => !candle.closed).length, 1);
    }
    assert.ok(market.recentTrades(nowMs, 500).every((trade) => trade.timeMs <= nowMs));
    const recent = market.recentTrades(nowMs, 40);
    assert.equal(recent.length, 40);
    assert.deepEqual(market.tradesFromId(recent[0]!.id, 40, nowMs), recent);
  });

  test('book versions chain: applying each diff to the previous book gives the next one', () => {
    let book = market.bookAt(START_MS + 100 * MINUTE_MS);
    const bids = new Map(book.bids.map((level) => [level.price, level.quantity]));
    const asks = new Map(book.asks.map((level) => [level.price, level.quantity]));
    for (let step = 1; step <= 50; step += 1) {
      const next = market.bookAt(START_MS + 100 * MINUTE_MS + step * 7_000);
      assert.equal(market.bookVersionsAfter(book.updateId).length, 1);
      assert.ok(next.updateId > book.updateId);
      for (const [side, changes] of [
        [bids, next.changedBids],
        [asks, next.changedAsks],
      ] as const) {
        for (const level of changes) {
          if (level.quantity === 0) side.delete(level.price);
          else side.set(level.price, level.quantity);
        }
      }
      assert.deepEqual(
        [...bids.entries()].sort((left, right) => right[0] - left[0]),
        next.bids.map((level) => [level.price, level.quantity]),
      );
      assert.deepEqual(
        [...asks.entries()].sort((left, right) => left[0] - right[0]),
        next.asks.map((level) => [level.price, level.quantity]),
      );
      assert.ok(next.bids[0]!.price < next.asks[0]!.price);
      book = next;
    }
  });
});
