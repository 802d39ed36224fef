import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JobProgressMessage } from '@runecast/contracts';
import { createBus } from '../src/bus/create-bus.ts';
import { topicPattern } from '../src/bus/topics.ts';
import { ValidationError } from '@runecast/market';
import { JobCancelledError, type JobHandler } from '../src/jobs/job-handler.ts';
import { JobQueue, sleep } from '../src/jobs/job-queue.ts';
import { JobWorker } from '../src/jobs/job-worker.ts';
import { SqlJobRepository } from '../src/store/job.repository.ts';
import type { Database } from '../src/store/database.port.ts';

/** A database with every migration applied; `close` ends it. */
export type OpenMigratedDatabase = () => Promise<Database>;

interface EchoPayload {
  value: number;
}

function echoHandler(
  run: (payload: EchoPayload, context: Parameters<JobHandler['run']>[1]) => Promise<unknown>,
): JobHandler<EchoPayload> {
  return {
    kind: 'echo',
    parsePayload(raw) {
      const value = (raw as { value?: unknown }).value;
      if (typeof value !== 'number') throw new ValidationError('echo payload needs a numeric value');
      return { value };
    },
    run,
  };
}

async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** The job queue's behaviour, the same on every engine. */
export function runJobQueueSuite(engine: string, open: OpenMigratedDatabase): void {
  describe(`job queue on ${engine}`, () => {
    test('claims each job once, by priority then age, and fences writes with the lease token', async () => {
      const database = await open();
      try {
        const jobs = new SqlJobRepository(database);
        const low = await jobs.enqueue({ kind: 'echo', payload: { value: 1 } });
        const high = await jobs.enqueue({ kind: 'echo', payload: { value: 2 }, priority: 5 });
        const later = await jobs.enqueue({ kind: 'echo', payload: { value: 3 }, delayMs: 60_000 });
        assert.equal(low.created, true);
        assert.equal(low.job.state, 'queued');

        const first = await jobs.claimNext({ owner: 'a', leaseMs: 30_000 });
        const second = await jobs.claimNext({ owner: 'b', leaseMs: 30_000 });
        const none = await jobs.claimNext({ owner: 'c', leaseMs: 30_000 });
        assert.equal(first?.id, high.job.id);
        assert.equal(second?.id, low.job.id);
        assert.equal(none, null, 'the delayed job is not due yet');
        assert.equal(first?.attempts, 1);
        assert.equal(first?.state, 'running');
        assert.equal(first?.leaseOwner, 'a');

        assert.equal(
          await jobs.complete(first!.id, second!.leaseToken, { wrong: true }),
          null,
          'another lease cannot finish it',
        );
        const done = await jobs.complete(first!.id, first!.leaseToken, { ok: 1 });
        assert.equal(done?.state, 'succeeded');
        assert.deepEqual(done?.result, { ok: 1 });
        assert.equal(done?.progress.percent, 100);
        assert.equal(await jobs.complete(first!.id, first!.leaseToken, { again: 1 }), null, 'finished once');

        const other = await jobs.claimNext({ owner: 'c', leaseMs: 30_000, kinds: ['other'] });
        assert.equal(other, null);
        assert.equal((await jobs.get(later.job.id))?.state, 'queued');
        assert.equal(await jobs.claimById(later.job.id, { owner: 'c', leaseMs: 30_000 }), null);
        const counts = await jobs.countByState();
        assert.deepEqual(counts, { queued: 1, running: 1, succeeded: 1, failed: 0, cancelled: 0 });
      } finally {
        await database.close();
      }
    });

    test('a dedupe key keeps one queued or running job', async () => {
      const database = await open();
      try {
        const jobs = new SqlJobRepository(database);
        const first = await jobs.enqueue({ kind: 'echo', payload: { value: 1 }, dedupeKey: 'predict:7' });
        const again = await jobs.enqueue({ kind: 'echo', payload: { value: 2 }, dedupeKey: 'predict:7' });
        assert.equal(again.created, false);
        assert.equal(again.job.id, first.job.id);
        const claimed = await jobs.claimNext({ owner: 'a', leaseMs: 30_000 });
        assert.equal(
          (await jobs.enqueue({ kind: 'echo', payload: {}, dedupeKey: 'predict:7' })).created,
          false,
        );
        await jobs.complete(claimed!.id, claimed!.leaseToken, null);
        const next = await jobs.enqueue({ kind: 'echo', payload: { value: 3 }, dedupeKey: 'predict:7' });
        assert.equal(next.created, true, 'a finished job no longer holds its key');
      } finally {
        await database.close();
      }
    });

    test('a job whose lease expired is taken again; the old holder can no longer write', async () => {
      const database = await open();
      try {
        const jobs = new SqlJobRepository(database);
        const { job } = await jobs.enqueue({ kind: 'echo', payload: { value: 1 }, maxAttempts: 2 });
        const dead = await jobs.claimNext({ owner: 'dead-worker', leaseMs: 150 });
        assert.equal(dead?.id, job.id);
        assert.equal(await jobs.claimNext({ owner: 'other', leaseMs: 150 }), null, 'the lease is still held');
        await sleep(250);
        const retaken = await jobs.claimNext({ owner: 'other', leaseMs: 150 });
        assert.equal(retaken?.id, job.id);
        assert.equal(retaken?.attempts, 2);
        assert.equal(retaken?.leaseOwner, 'other');
        assert.deepEqual(await jobs.heartbeat(job.id, dead!.leaseToken, 1000), {
          held: false,
          cancelRequested: false,
        });
        assert.equal(await jobs.complete(job.id, dead!.leaseToken, 'late'), null);

        // Out of attempts: when this lease also expires the job fails instead of running a third time.
        await sleep(250);
        assert.equal(await jobs.claimNext({ owner: 'third', leaseMs: 150 }), null);
        const failed = await jobs.get(job.id);
        assert.equal(failed?.state, 'failed');
        assert.equal(failed?.errorCode, 'lease_expired');
        assert.match(failed?.error ?? '', /stopped responding .* after 2 attempt/);
      } finally {
        await database.close();
      }
    });

    test('heartbeats keep a lease alive beyond its length', async () => {
      const database = await open();
      try {
        const jobs = new SqlJobRepository(database);
        await jobs.enqueue({ kind: 'echo', payload: { value: 1 } });
        // Beats every quarter lease, for longer than the lease: generous margins, so a busy
        // machine's late timers cannot let the lease lapse between beats.
        const held = await jobs.claimNext({ owner: 'a', leaseMs: 2_000 });
        for (let beat = 0; beat < 6; beat += 1) {
          await sleep(500);
          assert.deepEqual(await jobs.heartbeat(held!.id, held!.leaseToken, 2_000), {
            held: true,
            cancelRequested: false,
          });
        }
        assert.equal(await jobs.claimNext({ owner: 'b', leaseMs: 2_000 }), null);
      } finally {
        await database.close();
      }
    });

    test('a worker runs jobs, reports progress to the store and the bus, and records results', async () => {
      const database = await open();
      const bus = await createBus();
      try {
        const messages: JobProgressMessage[] = [];
        await bus.subscribe<JobProgressMessage>(topicPattern('jobProgress'), (message) => {
          messages.push(message.data);
        });
        const handler = echoHandler(async (payload, context) => {
          context.progress({ percent: 10, message: 'starting', totalEpochs: 3 });
          for (let epoch = 1; epoch <= 3; epoch += 1) {
            context.progress({
              percent: 10 + 30 * epoch,
              epoch,
              trainLoss: 1 / epoch,
              validationLoss: 2 / epoch,
            });
          }
          await context.checkpoint();
          return { doubled: payload.value * 2 };
        });
        const queue = new JobQueue({ jobs: new SqlJobRepository(database), bus, handlers: [handler] });
        const worker = new JobWorker({ queue, handlers: [handler], progressIntervalMs: 10 });
        const { job } = await queue.enqueue('echo', { value: 21 });
        await assert.rejects(queue.enqueue('echo', { value: 'x' }), /numeric value/);
        await assert.rejects(queue.enqueue('nope', {}), /unknown job kind "nope"; known kinds: echo/);
        const finished = await worker.runNext();
        assert.equal(finished?.id, job.id);
        assert.equal(finished?.state, 'succeeded');
        assert.deepEqual(finished?.result, { doubled: 42 });
        const stored = await queue.require(job.id);
        assert.deepEqual(stored.lossHistory, [
          { epoch: 1, trainLoss: 1, validationLoss: 2 },
          { epoch: 2, trainLoss: 0.5, validationLoss: 1 },
          { epoch: 3, trainLoss: 1 / 3, validationLoss: 2 / 3 },
        ]);
        assert.equal(stored.progress.epoch, 3);
        assert.equal(stored.progress.totalEpochs, 3);
        assert.equal(stored.progress.message, 'starting');
        await bus.flush();
        const states = messages.map((message) => message.state);
        assert.equal(states[0], 'queued');
        assert.equal(states.at(-1), 'succeeded');
        assert.ok(states.includes('running'));
        const epochMessages = messages.filter((message) => message.trainLoss !== null);
        assert.deepEqual(
          epochMessages.map((message) => [message.epoch, message.trainLoss]),
          [
            [1, 1],
            [2, 0.5],
            [3, 1 / 3],
          ],
        );
        assert.ok(messages.every((message) => message.jobId === job.id));
      } finally {
        await bus.close();
        await database.close();
      }
    });

    test('cancel: a queued job at once, a running job at its next progress report', async () => {
      const database = await open();
      try {
        const observed: string[] = [];
        const handler = echoHandler(async (_payload, context) => {
          for (let step = 0; step < 500; step += 1) {
            context.progress({ percent: step / 5, message: `step ${step}` });
            if (context.signal.aborted) {
              observed.push(`aborted at step ${step}`);
              throw new JobCancelledError();
            }
            await sleep(10);
          }
          return 'finished';
        });
        const queue = new JobQueue({ jobs: new SqlJobRepository(database), handlers: [handler] });
        const worker = new JobWorker({ queue, handlers: [handler], progressIntervalMs: 20, leaseMs: 60_000 });
        const queued = await queue.enqueue('echo', { value: 1 });
        const cancelledQueued = await queue.cancel(queued.job.id);
        assert.equal(cancelledQueued.state, 'cancelled');
        assert.equal(await worker.runJob(queued.job.id), null);

        const { job } = await queue.enqueue('echo', { value: 2 });
        const running = worker.runJob(job.id);
        await waitUntil(async () => ((await queue.get(job.id))?.progress.percent ?? 0) > 2);
        const flagged = await queue.cancel(job.id);
        assert.equal(flagged.state, 'running');
        assert.equal(flagged.cancelRequested, true);
        const finished = await running;
        assert.equal(finished?.state, 'cancelled');
        assert.equal(observed.length, 1);
        assert.equal((await queue.require(job.id)).state, 'cancelled');
        const finishedAgain = await queue.cancel(job.id);
        assert.equal(finishedAgain.state, 'cancelled');
      } finally {
        await database.close();
      }
    });

    test('failures: retried while attempts remain, bad input fails at once', async () => {
      const database = await open();
      try {
        let calls = 0;
        const handler = echoHandler(async (payload) => {
          calls += 1;
          if (payload.value < 0) throw new ValidationError('value must not be negative');
          if (calls === 1) throw new Error('exchange hiccup');
          return 'ok';
        });
        const queue = new JobQueue({ jobs: new SqlJobRepository(database), handlers: [handler] });
        const worker = new JobWorker({ queue, handlers: [handler], retryDelayMs: () => 0 });
        const flaky = await queue.enqueue('echo', { value: 1 });
        const firstTry = await worker.runNext();
        assert.equal(firstTry?.state, 'queued');
        assert.equal(firstTry?.error, 'exchange hiccup');
        assert.equal(firstTry?.errorCode, 'internal');
        const secondTry = await worker.runNext();
        assert.equal(secondTry?.id, flaky.job.id);
        assert.equal(secondTry?.state, 'succeeded');
        assert.equal(secondTry?.attempts, 2);

        const bad = await queue.enqueue('echo', { value: -1 });
        const badRun = await worker.runNext();
        assert.equal(badRun?.id, bad.job.id);
        assert.equal(badRun?.state, 'failed');
        assert.equal(badRun?.errorCode, 'validation_failed');
        assert.equal(badRun?.attempts, 1);
        assert.equal(await worker.runNext(), null);
      } finally {
        await database.close();
      }
    });

    test('a stopping worker hands its running job back; another worker finishes it', async () => {
      const database = await open();
      try {
        let started = 0;
        const slow = echoHandler(async (_payload, context) => {
          started += 1;
          while (!context.signal.aborted) await sleep(10);
          throw new JobCancelledError('shutdown');
        });
        const quick = echoHandler(async (payload) => payload.value);
        const repository = new SqlJobRepository(database);
        const queue = new JobQueue({ jobs: repository, handlers: [quick] });
        const first = new JobWorker({ queue, handlers: [slow], pollIntervalMs: 20 });
        const { job } = await queue.enqueue('echo', { value: 5 });
        first.start();
        await waitUntil(() => started === 1);
        await first.stop();
        const released = await queue.require(job.id);
        assert.equal(released.state, 'queued');
        assert.equal(released.attempts, 0, 'a hand-back does not count as an attempt');
        const second = new JobWorker({ queue, handlers: [quick] });
        const done = await second.runNext();
        assert.equal(done?.state, 'succeeded');
        assert.equal(done?.result, 5);
      } finally {
        await database.close();
      }
    });
  });
}
