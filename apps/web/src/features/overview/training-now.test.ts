import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiJobSummary } from '@runecast/contracts';
import { trainingLines } from './training-now.ts';

const NOW = Date.UTC(2026, 11, 7, 12, 0);

function job(overrides: Partial<ApiJobSummary>): ApiJobSummary {
  return {
    id: crypto.randomUUID(),
    kind: 'train',
    state: 'queued',
    payload: { series: 'binance:BTC/USDT:1m', horizonMinutes: 60, modelType: 'ridge' },
    priority: 0,
    attempts: 0,
    maxAttempts: 1,
    runAfterMs: NOW,
    leaseOwner: null,
    leaseExpiresAtMs: null,
    heartbeatAtMs: null,
    cancelRequested: false,
    progress: { percent: null, message: null, epoch: null, totalEpochs: null },
    error: null,
    errorCode: null,
    dedupeKey: null,
    ownerUserId: null,
    createdAtMs: NOW - 60_000,
    startedAtMs: null,
    finishedAtMs: null,
    updatedAtMs: NOW,
    ...overrides,
  };
}

test('running trainings first with their percent and time left, then the waiting ones; nothing else', () => {
  const lines = trainingLines(
    [
      job({ createdAtMs: NOW - 50_000 }),
      job({
        state: 'running',
        startedAtMs: NOW - 30_000,
        progress: { percent: 25, message: 'fitting', epoch: null, totalEpochs: null },
        payload: { series: 'binance:ETH/USDT:1m', horizonMinutes: 15, modelType: 'ridge' },
      }),
      job({ state: 'succeeded' }),
      job({ kind: 'predict', state: 'running' }),
    ],
    NOW,
    () => [
      { atMs: NOW - 20_000, percent: 5 },
      { atMs: NOW - 10_000, percent: 15 },
      { atMs: NOW, percent: 25 },
    ],
  );
  assert.deepEqual(
    lines.map((line) => [line.what, line.status]),
    [
      ['binance:ETH/USDT:1m · 15m ahead · ridge', '25%, about 1 min 15 s left'],
      ['binance:BTC/USDT:1m · 1h ahead · ridge', 'waiting'],
    ],
  );
});
