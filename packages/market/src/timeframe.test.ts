import assert from 'node:assert/strict';
import { test } from 'node:test';
import { floorToGrid, isOnGrid, parseTimeframe } from './timeframe.ts';
import { formatSeriesKey, parseSeriesKey } from './series-key.ts';
import { assertValidCandle, type Candle } from './candle.ts';
import { InvalidCandleError, ValidationError } from './errors.ts';

test('timeframe grid', () => {
  assert.equal(isOnGrid(Date.UTC(2025, 5, 1, 3, 0), '1h'), true);
  assert.equal(isOnGrid(Date.UTC(2025, 5, 1, 3, 1), '1h'), false);
  assert.equal(floorToGrid(Date.UTC(2025, 5, 1, 3, 59, 59), '15m'), Date.UTC(2025, 5, 1, 3, 45));
  assert.throws(() => parseTimeframe('2m'), /allowed: 1m, 5m/);
});

test('series keys round-trip and reject junk', () => {
  const key = parseSeriesKey('binance:BTC/USDT:1m');
  assert.deepEqual(key, { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' });
  assert.equal(formatSeriesKey(key), 'binance:BTC/USDT:1m');
  assert.throws(() => parseSeriesKey('binance:BTCUSDT:1m'), ValidationError);
  assert.throws(() => parseSeriesKey('binance:BTC/USDT:7m'), /timeframe/);
  assert.throws(() => parseSeriesKey('nonsense'), ValidationError);
});

test('candle validation rejects corrupt candles', () => {
  const good: Candle = {
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timeframe: '1m',
    openTimeMs: Date.UTC(2025, 0, 1),
    open: 10,
    high: 12,
    low: 9,
    close: 11,
    volume: 3,
    quoteVolume: null,
    tradeCount: null,
    closed: true,
  };
  assertValidCandle(good);
  const bad: Partial<Candle>[] = [
    { open: Number.NaN },
    { volume: -1 },
    { high: 8 },
    { openTimeMs: good.openTimeMs + 1 },
    { close: 13 },
    { tradeCount: 1.5 },
  ];
  for (const change of bad) {
    assert.throws(
      () => assertValidCandle({ ...good, ...change }),
      InvalidCandleError,
      JSON.stringify(change),
    );
  }
});
