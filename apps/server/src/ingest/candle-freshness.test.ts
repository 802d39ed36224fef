import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candleFreshness } from './candle-freshness.ts';

const series = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' as const };
const openMs = Date.UTC(2025, 5, 1, 12, 0);

test('a series is stalled once its newest candle is older than N timeframes plus the grace', () => {
  const policy = { timeframes: 3, graceMs: 60_000 };
  assert.equal(candleFreshness(series, openMs, openMs + 90_000, policy).state, 'ok');
  assert.equal(candleFreshness(series, openMs, openMs + 240_000, policy).state, 'ok');
  const stalled = candleFreshness(series, openMs, openMs + 241_000, policy);
  assert.equal(stalled.state, 'degraded');
  assert.match(stalled.reason ?? '', /stalled: the newest 1m candle is 241 s old \(more than 240 s\)/);
  assert.equal(
    candleFreshness(series, openMs, openMs + 10 * 60_000, { timeframes: 20, graceMs: 0 }).state,
    'ok',
  );
  assert.equal(candleFreshness(series, null, openMs).state, 'degraded');
  assert.equal(candleFreshness(series, openMs, null).state, 'ok', 'no clock to measure against');
});
