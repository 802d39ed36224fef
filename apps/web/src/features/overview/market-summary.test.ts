import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describePayload } from '../jobs/job-payload.ts';
import { describeCandleTime } from './market-summary.ts';

const NOW = Date.UTC(2026, 11, 7, 12, 0);

test('a replayed candle says which day it replays, not how long ago that was', () => {
  const replayed = Date.UTC(2025, 5, 17, 14, 3);
  assert.equal(describeCandleTime(replayed, 'replay', NOW), 'replay of 2025-06-17');
  assert.equal(describeCandleTime(replayed, 'simulated', NOW), 'simulated');
  assert.equal(describeCandleTime(NOW - 120_000, 'live', NOW), '2 min ago');
});

test('a job row says the market, horizon, model and version', () => {
  assert.equal(
    describePayload({
      modelVersionId: 12,
      series: 'binance:BTC/USDT:1h',
      horizonMinutes: 1440,
      modelType: 'ridge',
    }),
    'binance:BTC/USDT:1h · 24h ahead · ridge · version 12',
  );
  assert.equal(
    describePayload({
      exchange: 'ordiscan',
      symbol: 'DOG•GO•TO•THE•MOON/SATS',
      timeframe: '5m',
      horizonMinutes: 240,
    }),
    'ordiscan:DOG•GO•TO•THE•MOON/SATS:5m · 4h ahead',
  );
});
