import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JobProgressMessage } from '@runecast/contracts';
import {
  applyProgress,
  describeRemaining,
  estimateRemaining,
  mergeLossPoints,
  recordProgress,
  type JobRecord,
  type ProgressSample,
} from './job-progress.ts';

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
  test('time left from the measured progress rate, not from the time since the start', () => {
    // Two minutes of loading data at 0%, then 10% every 10 s: 90% left is 90 s, not 18 min.
    let samples: ProgressSample[] = [];
    samples = recordProgress(samples, 0, 0);
    for (let step = 1; step <= 1; step += 1)
      samples = recordProgress(samples, 120_000 + step * 10_000, step * 10);
    assert.deepEqual(
      estimateRemaining(samples, 130_000),
      { state: 'estimating' },
      'one step after a long wait',
    );
    samples = recordProgress(samples, 140_000, 20);
    samples = recordProgress(samples, 150_000, 30);
    // The wait at 0% is not part of the pace: 10% → 30% over 20 s.
    assert.deepEqual(estimateRemaining(samples, 150_000), { state: 'known', remainingMs: 70_000 });
    for (let step = 4; step <= 9; step += 1)
      samples = recordProgress(samples, 120_000 + step * 10_000, step * 10);
    // 1% per second, 10% left.
    assert.deepEqual(estimateRemaining(samples, 210_000), { state: 'known', remainingMs: 10_000 });
    // Time passing without a report counts down, then says it does not know.
    assert.deepEqual(estimateRemaining(samples, 214_000), { state: 'known', remainingMs: 6_000 });
    assert.deepEqual(estimateRemaining(samples, 230_000), { state: 'estimating' });
  });

  test('"estimating…" until enough progress is measured; a restart starts the measurement again', () => {
    assert.deepEqual(estimateRemaining([], 0), { state: 'estimating' });
    let samples = recordProgress([], 0, 10);
    samples = recordProgress(samples, 1_000, 11);
    assert.deepEqual(estimateRemaining(samples, 1_000), { state: 'estimating' }, 'two reports');
    samples = recordProgress(samples, 1_500, 20);
    assert.deepEqual(estimateRemaining(samples, 1_500), { state: 'estimating' }, 'under 3 s');
    samples = recordProgress(samples, 5_000, 30);
    assert.equal(estimateRemaining(samples, 5_000).state, 'known');
    // The same percent again adds nothing; a lower one is a new attempt.
    assert.equal(recordProgress(samples, 6_000, 30).length, samples.length);
    assert.deepEqual(recordProgress(samples, 7_000, 5), [{ atMs: 7_000, percent: 5 }]);
    assert.deepEqual(recordProgress(samples, 8_000, null), samples);
    assert.equal(describeRemaining({ state: 'estimating' }, String), 'estimating…');
    assert.equal(
      describeRemaining({ state: 'known', remainingMs: 42 }, (ms) => `${ms} ms`),
      'about 42 ms left',
    );
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
