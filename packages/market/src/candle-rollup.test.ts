import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Candle } from './candle.ts';
import { createRangeOverlapMeter, rollupCandles } from './candle-rollup.ts';
import { InvalidCandleError, ValidationError } from './errors.ts';

const MINUTE_MS = 60_000;
const START_MS = Date.UTC(2025, 5, 2, 10);

function minute(index: number, overrides: Partial<Candle> = {}): Candle {
  return {
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timeframe: '1m',
    openTimeMs: START_MS + index * MINUTE_MS,
    open: 100 + index,
    high: 100.5 + index,
    low: 99 + index,
    close: 100.25 + index,
    volume: 1 + index,
    quoteVolume: 100 * (1 + index),
    tradeCount: 3,
    closed: true,
    ...overrides,
  };
}

describe('rollupCandles', () => {
  test('open of the first, max high, min low, close of the last, summed volumes', () => {
    const minutes = [minute(0), minute(1, { high: 250 }), minute(2, { low: 50 }), minute(3), minute(4)];
    const [fiveMinute, ...rest] = rollupCandles([...minutes].reverse(), '5m');
    assert.deepEqual(rest, []);
    assert.deepEqual(fiveMinute, {
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '5m',
      openTimeMs: START_MS,
      open: 100,
      high: 250,
      low: 50,
      close: 104.25,
      volume: 1 + 2 + 3 + 4 + 5,
      quoteVolume: 100 * (1 + 2 + 3 + 4 + 5),
      tradeCount: 15,
      closed: true,
      sourceCandleCount: 5,
      complete: true,
    });
  });

  test('buckets follow the UTC grid and report missing minutes as incomplete', () => {
    const minutes = [minute(3), minute(4), minute(5), minute(6), minute(7), minute(8), minute(9)];
    const derived = rollupCandles(minutes, '5m');
    assert.deepEqual(
      derived.map((candle) => [candle.openTimeMs, candle.sourceCandleCount, candle.complete, candle.closed]),
      [
        [START_MS, 2, false, false],
        [START_MS + 5 * MINUTE_MS, 5, true, true],
      ],
    );
  });

  test('known empty minutes complete a bucket; an open minute keeps it open', () => {
    const minutes = [minute(0), minute(1), minute(4, { closed: false })];
    const knownEmptyRanges = [{ startMs: START_MS + 2 * MINUTE_MS, endMs: START_MS + 4 * MINUTE_MS }];
    const [bucket] = rollupCandles(minutes, '5m', { knownEmptyRanges });
    assert.equal(bucket?.complete, true);
    assert.equal(bucket?.closed, false);
    assert.equal(bucket?.open, 100);
    assert.equal(bucket?.close, 104.25);
  });

  test('an unknown quote volume or trade count makes the sum unknown', () => {
    const [bucket] = rollupCandles([minute(0), minute(1, { quoteVolume: null, tradeCount: null })], '1h');
    assert.equal(bucket?.quoteVolume, null);
    assert.equal(bucket?.tradeCount, null);
    assert.equal(bucket?.volume, 3);
  });

  test('refuses mixed series, other timeframes, duplicates and invalid candles', () => {
    assert.deepEqual(rollupCandles([], '1h'), []);
    assert.throws(() => rollupCandles([minute(0), minute(1, { symbol: 'ETH/USDT' })], '1h'), ValidationError);
    assert.throws(() => rollupCandles([minute(0, { timeframe: '5m' })], '1h'), /1m candles/);
    assert.throws(() => rollupCandles([minute(0), minute(0)], '1h'), /two 1m candles/);
    assert.throws(() => rollupCandles([minute(0, { high: 1 })], '1h'), InvalidCandleError);
  });
});

test('createRangeOverlapMeter measures overlap walking forward', () => {
  const measure = createRangeOverlapMeter([
    { startMs: 50, endMs: 70 },
    { startMs: 0, endMs: 10 },
    { startMs: 15, endMs: 25 },
  ]);
  assert.equal(measure({ startMs: 0, endMs: 20 }), 15);
  assert.equal(measure({ startMs: 20, endMs: 40 }), 5);
  assert.equal(measure({ startMs: 40, endMs: 60 }), 10);
  assert.equal(measure({ startMs: 60, endMs: 80 }), 10);
  assert.equal(measure({ startMs: 80, endMs: 100 }), 0);
});
