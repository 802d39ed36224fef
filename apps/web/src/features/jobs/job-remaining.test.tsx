/** @jsxRuntime automatic */
import '../../test-support/dom-environment.ts';
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { ApiJob } from '@runecast/contracts';
import { cleanup, render, screen } from '@testing-library/react';
import { JobRemaining } from './job-remaining.tsx';
import type { ProgressSample } from './job-progress.ts';
import { describePayload } from './job-payload.ts';

const NOW = Date.now();

function runningJob(percent: number): ApiJob {
  return {
    id: '7c0b8a8e-6a3f-4a56-9d1c-0b7f2b0e1a11',
    kind: 'train',
    state: 'running',
    payload: { series: 'binance:BTC/USDT:1m', horizonMinutes: 60, modelType: 'ridge' },
    priority: 0,
    attempts: 1,
    maxAttempts: 3,
    runAfterMs: NOW - 600_000,
    leaseOwner: 'worker',
    leaseExpiresAtMs: NOW + 30_000,
    heartbeatAtMs: NOW,
    cancelRequested: false,
    progress: { percent, message: 'fitting', epoch: null, totalEpochs: null },
    lossHistory: [],
    result: null,
    error: null,
    errorCode: null,
    dedupeKey: null,
    ownerUserId: null,
    // Started ten minutes ago, most of it loading data at 0%.
    createdAtMs: NOW - 600_000,
    startedAtMs: NOW - 600_000,
    finishedAtMs: null,
    updatedAtMs: NOW,
  };
}

function renderJob(job: ApiJob, samples: ProgressSample[]) {
  render(<JobRemaining samples={samples} nowMs={job.updatedAtMs} prefix=" · " />);
}

describe('job rows and views: time left and what a job is about', () => {
  afterEach(cleanup);

  test('says "estimating…" until progress is measured', () => {
    renderJob(runningJob(40), [
      { atMs: NOW - 600_000, percent: 0 },
      { atMs: NOW, percent: 40 },
    ]);
    assert.equal(screen.getByTestId('job-remaining').textContent, ' · estimating…');
  });

  test('extrapolates the measured rate, not the ten minutes since the start', () => {
    // 10% every 10 s since the data was loaded: 60% left is about a minute, not 15 minutes.
    renderJob(runningJob(40), [
      { atMs: NOW - 600_000, percent: 0 },
      { atMs: NOW - 30_000, percent: 10 },
      { atMs: NOW - 20_000, percent: 20 },
      { atMs: NOW - 10_000, percent: 30 },
      { atMs: NOW, percent: 40 },
    ]);
    assert.equal(screen.getByTestId('job-remaining').textContent, ' · about 1 min 00 s left');
  });

  test('a prediction job row names its market and model', () => {
    assert.equal(
      describePayload({
        modelVersionId: 12,
        series: 'binance:BTC/USDT:1h',
        horizonMinutes: 240,
        modelType: 'gradient-boosting',
      }),
      'binance:BTC/USDT:1h · 4h ahead · gradient-boosting · version 12',
    );
  });
});
