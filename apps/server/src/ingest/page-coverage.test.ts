import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Candle } from '@runecast/market';
import type { CandlePage } from '../sources/market-data-source.port.ts';
import { pageFromCandles, planPageCoverage } from './page-coverage.ts';

const minuteMs = 60_000;
const startMs = Date.UTC(2023, 2, 24, 12, 0);
const at = (index: number) => startMs + index * minuteMs;

function candle(index: number, closed = true): Candle {
  return {
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timeframe: '1m',
    openTimeMs: at(index),
    open: 100,
    high: 101,
    low: 99,
    close: 100.5,
    volume: 1,
    quoteVolume: null,
    tradeCount: null,
    closed,
  };
}

function page(
  indexes: number[],
  provenRange: [number, number] | null,
  extra: Partial<CandlePage> = {},
): CandlePage {
  return {
    candles: indexes.map((index) => candle(index)),
    provenRange: provenRange === null ? null : { startMs: at(provenRange[0]), endMs: at(provenRange[1]) },
    rejected: [],
    ...extra,
  };
}

const indexesOf = (candles: readonly Candle[]) =>
  candles.map((item) => (item.openTimeMs - startMs) / minuteMs);

describe('planning what a page proves', () => {
  test('a page in the middle of a stretch: write, mark, continue after it', () => {
    const plan = planPageCoverage({
      page: page([0, 1, 2, 3], [0, 4]),
      timeframe: '1m',
      sinceMs: at(0),
      untilMs: at(100),
    });
    assert.deepEqual(indexesOf(plan.closedCandles), [0, 1, 2, 3]);
    assert.deepEqual(plan.ledgerEntries, [
      { range: { startMs: at(0), endMs: at(4) }, candleOpenTimesMs: [at(0), at(1), at(2), at(3)] },
    ]);
    assert.equal(plan.nextSinceMs, at(4));
    assert.equal(plan.reachedOpenCandle, false);
  });

  test('a halt inside the page is proven (marked empty by the ledger), not left missing', () => {
    const plan = planPageCoverage({
      page: page([0, 81, 82], [0, 83]),
      timeframe: '1m',
      sinceMs: at(0),
      untilMs: at(1000),
    });
    assert.deepEqual(plan.ledgerEntries[0]!.range, { startMs: at(0), endMs: at(83) });
    assert.deepEqual(plan.ledgerEntries[0]!.candleOpenTimesMs, [at(0), at(81), at(82)]);
  });

  test('the open candle and everything after it is neither written nor marked', () => {
    const open = page([0, 1, 2], [0, 3]);
    open.candles[2] = candle(2, false);
    const plan = planPageCoverage({ page: open, timeframe: '1m', sinceMs: at(0), untilMs: at(1000) });
    assert.deepEqual(indexesOf(plan.closedCandles), [0, 1]);
    assert.deepEqual(plan.ledgerEntries[0]!.range, { startMs: at(0), endMs: at(2) });
    assert.equal(plan.reachedOpenCandle, true);
    assert.equal(plan.reachedMs, at(2));
    assert.equal(plan.nextSinceMs, null);
  });

  test('closedBeforeMs closes candles the live stream has moved past', () => {
    const open = page([0, 1, 2], [0, 3]);
    open.candles[2] = candle(2, false);
    const plan = planPageCoverage({
      page: open,
      timeframe: '1m',
      sinceMs: at(0),
      untilMs: at(3),
      closedBeforeMs: at(3),
    });
    assert.deepEqual(indexesOf(plan.closedCandles), [0, 1, 2]);
    assert.ok(plan.closedCandles.every((item) => item.closed));
    assert.deepEqual(plan.ledgerEntries[0]!.range, { startMs: at(0), endMs: at(3) });
    assert.equal(plan.nextSinceMs, null, 'the stretch is done');
  });

  test('rejected slots stay missing; the page still moves on', () => {
    const plan = planPageCoverage({
      page: page([0, 1, 3, 4], [0, 5], { rejected: [{ openTimeMs: at(2), reason: 'NaN close' }] }),
      timeframe: '1m',
      sinceMs: at(0),
      untilMs: at(100),
    });
    assert.deepEqual(
      plan.ledgerEntries.map((entry) => [
        (entry.range.startMs - startMs) / minuteMs,
        (entry.range.endMs - startMs) / minuteMs,
      ]),
      [
        [0, 2],
        [3, 5],
      ],
    );
    assert.equal(plan.nextSinceMs, at(5));
  });

  test('without a proven range only runs of candles are marked', () => {
    const plan = planPageCoverage({
      page: page([0, 1, 5, 6], null, { rejected: [{ openTimeMs: null, reason: 'unreadable' }] }),
      timeframe: '1m',
      sinceMs: at(0),
      untilMs: at(100),
    });
    assert.deepEqual(
      plan.ledgerEntries.map((entry) => [
        (entry.range.startMs - startMs) / minuteMs,
        (entry.range.endMs - startMs) / minuteMs,
      ]),
      [
        [0, 2],
        [5, 7],
      ],
    );
    assert.equal(plan.nextSinceMs, at(7));
  });

  test('candles beyond until are left alone; the stretch ends there', () => {
    const plan = planPageCoverage({
      page: page([0, 1, 2, 3], [0, 4]),
      timeframe: '1m',
      sinceMs: at(0),
      untilMs: at(2),
    });
    assert.deepEqual(indexesOf(plan.closedCandles), [0, 1]);
    assert.deepEqual(plan.ledgerEntries[0]!.range, { startMs: at(0), endMs: at(2) });
    assert.equal(plan.nextSinceMs, null);
  });

  test('an empty page proves nothing and ends the stretch', () => {
    const plan = planPageCoverage({
      page: page([], null),
      timeframe: '1m',
      sinceMs: at(0),
      untilMs: at(100),
    });
    assert.deepEqual(plan.ledgerEntries, []);
    assert.equal(plan.nextSinceMs, null);
    assert.equal(plan.reachedMs, at(0));
  });

  test('pages for sources without fetchCandlePage', () => {
    const closed = pageFromCandles([candle(2), candle(0), candle(1)], at(0), '1m');
    assert.deepEqual(indexesOf(closed.candles), [0, 1, 2]);
    assert.deepEqual(closed.provenRange, { startMs: at(0), endMs: at(3) });
    const withOpen = pageFromCandles([candle(0), candle(1, false)], at(0), '1m');
    assert.deepEqual(withOpen.provenRange, { startMs: at(0), endMs: at(1) });
    assert.equal(pageFromCandles([], at(0), '1m').provenRange, null);
  });
});
