import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { JobHandler } from '../src/jobs/job-handler.ts';
import { JobQueue, sleep } from '../src/jobs/job-queue.ts';
import { JobWorker } from '../src/jobs/job-worker.ts';
import { openStore } from '../src/store/store.ts';
import { openStoreWithDatabase } from '../src/store/testing/store-with-database.ts';
import type { Database } from '../src/store/database.port.ts';
import { runJobQueueSuite } from './jobs.queue-suite.ts';

// One in-memory PGlite for the whole suite (starting one takes seconds); each test starts from an empty queue.
let shared: Promise<Database> | null = null;
after(async () => (await shared)?.close());
runJobQueueSuite('PGlite', async () => {
  shared ??= openStoreWithDatabase().then(({ db }) => db);
  const database = await shared;
  await database.query('TRUNCATE jobs');
  return {
    engine: database.engine,
    query: (sql, params) => database.query(sql, params),
    transaction: (work) => database.transaction(work),
    copyFrom: (table, columns, csv) => database.copyFrom(table, columns, csv),
    close: async () => undefined,
  } satisfies Database;
});

const sumHandler: JobHandler<{ values: number[] }> = {
  kind: 'sum',
  parsePayload: (raw) => raw as { values: number[] },
  run: async (payload) => payload.values.reduce((total, value) => total + value, 0),
};

test('jobs survive a restart: queued ones wait, one running when the process died is taken again', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'runecast-jobs-'));
  try {
    const before = await openStore({ dataDir });
    const jobs = before.jobs;
    const waiting = await jobs.enqueue({ kind: 'sum', payload: { values: [1, 2, 3] } });
    const interrupted = await jobs.enqueue({ kind: 'sum', payload: { values: [10, 20] } });
    // The "process" claims the second job with a short lease and dies without finishing it.
    // (Closing and reopening a PGlite folder takes a moment, so the lease is long enough to outlast it.)
    const claimed = await jobs.claimById(interrupted.job.id, { owner: 'died', leaseMs: 5000 });
    assert.equal(claimed?.state, 'running');
    await before.close();

    const after = await openStore({ dataDir });
    try {
      const queue = new JobQueue({ jobs: after.jobs, handlers: [sumHandler] });
      const worker = new JobWorker({ queue, handlers: [sumHandler] });
      const first = await worker.runNext();
      assert.equal(first?.id, waiting.job.id);
      assert.equal(first?.result, 6);
      assert.equal(await worker.runNext(), null, 'the interrupted job is still leased');
      const leaseLeftMs = claimed!.leaseExpiresAtMs! - (await queue.repository.nowMs());
      assert.ok(leaseLeftMs > 0);
      await sleep(leaseLeftMs + 50);
      const resumed = await worker.runNext();
      assert.equal(resumed?.id, interrupted.job.id);
      assert.equal(resumed?.state, 'succeeded');
      assert.equal(resumed?.result, 30);
      assert.equal(resumed?.attempts, 2);
    } finally {
      await after.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
