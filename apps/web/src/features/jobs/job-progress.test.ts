import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JobProgressMessage } from '@runecast/contracts';
import { applyProgress, estimateRemainingMs, mergeLossPoints, type JobRecord } from './job-progress.ts';

const JOB_ID = '7c0b8a8e-6a3f-4a56-9d1c-0b7f2b0e1a11';

const job: JobRecord = {
  id: JOB_ID,
  kind: 'train',
  state: 'queued',
  payload: {},
  priority: 0,
  attempts: 0,
  maxAttempts: 3,
  runAfterMs: 1_000,
  leaseOwner: null,
  leaseExpiresAtMs: null,
  heartbeatAtMs: null,
  cancelRequested: false,
  progress: { percent: null, message: null, epoch: null, totalEpochs: null },
  lossHistory: [],
  result: null,
  error: null,
  errorCode: null,
  dedupeKey: null,
  ownerUserId: null,
  createdAtMs: 1_000,
  startedAtMs: null,
  finishedAtMs: null,
  updatedAtMs: 1_000,
};

function message(overrides: Partial<JobProgressMessage>): JobProgressMessage {
  return {
    jobId: JOB_ID,
    kind: 'train',
    state: 'running',
    attempt: 1,
    percent: null,
    message: null,
    epoch: null,
    totalEpochs: null,
    trainLoss: null,
    validationLoss: null,
    error: null,
    atMs: 2_000,
    ...overrides,
  };
}

describe('job progress', () => {
  test('remaining time from the time taken so far', () => {
    assert.equal(estimateRemainingMs(0, 30_000, 25), 90_000);
    assert.equal(estimateRemainingMs(0, 30_000, 0), null);
    assert.equal(estimateRemainingMs(null, 30_000, 50), null);
    assert.equal(estimateRemainingMs(0, 30_000, 100), null);
  });

  test('loss points by epoch, later reports replacing earlier ones', () => {
    assert.deepEqual(
      mergeLossPoints(
        [
          { epoch: 1, trainLoss: 0.5, validationLoss: null },
          { epoch: 0, trainLoss: 0.9, validationLoss: 1 },
        ],
        [{ epoch: 1, trainLoss: 0.4, validationLoss: 0.6 }],
      ),
      [
        { epoch: 0, trainLoss: 0.9, validationLoss: 1 },
        { epoch: 1, trainLoss: 0.4, validationLoss: 0.6 },
      ],
    );
  });

  test('applies messages in order: start, epochs, finish', () => {
    let current = applyProgress(job, message({ percent: 5, message: 'training' }));
    assert.equal(current.state, 'running');
    assert.equal(current.startedAtMs, 2_000);
    current = applyProgress(
      current,
      message({ atMs: 3_000, percent: 40, epoch: 1, totalEpochs: 5, trainLoss: 0.8, validationLoss: 0.9 }),
    );
    current = applyProgress(
      current,
      message({ atMs: 4_000, percent: 60, epoch: 2, totalEpochs: 5, trainLoss: 0.6, validationLoss: 0.7 }),
    );
    assert.deepEqual(current.progress, { percent: 60, message: 'training', epoch: 2, totalEpochs: 5 });
    assert.deepEqual(
      current.lossHistory.map((point) => point.epoch),
      [1, 2],
    );
    current = applyProgress(current, message({ atMs: 5_000, state: 'succeeded', percent: 100 }));
    assert.equal(current.state, 'succeeded');
    assert.equal(current.finishedAtMs, 5_000);
  });

  test('ignores messages of another job or older than the record', () => {
    const running = applyProgress(job, message({ atMs: 3_000, percent: 50 }));
    assert.equal(applyProgress(running, message({ atMs: 2_500, percent: 10 })), running);
    assert.equal(applyProgress(running, message({ jobId: '00000000-0000-4000-8000-000000000000' })), running);
  });
});
