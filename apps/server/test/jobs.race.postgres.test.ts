import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { openStoreWithDatabase } from '../src/store/testing/store-with-database.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

const WORKER_SCRIPT = fileURLToPath(new URL('./jobs.race-worker.ts', import.meta.url));
const JOBS = 50;
const WORKERS = 3;

const drops: Array<() => Promise<void>> = [];
after(async () => {
  for (const drop of drops) await drop();
});

interface WorkerProcess {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function startWorker(url: string, name: string): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT, url, name, String(JOBS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('ready\n')) markReady();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      markReady();
      resolve({ code, stdout, stderr });
    });
  });
  return { child, ready, exited };
}

test(
  `${WORKERS} worker processes racing for ${JOBS} jobs run each exactly once`,
  { timeout: 120_000 },
  async () => {
    const created = await createTestPostgresDatabase();
    drops.push(created.drop);
    const { store, db } = await openStoreWithDatabase({ url: created.url });
    try {
      await db.query('CREATE TABLE race_runs (job_id uuid NOT NULL, worker text NOT NULL)');
      const workers = Array.from({ length: WORKERS }, (_, index) =>
        startWorker(created.url, `worker-${index + 1}`),
      );
      try {
        await Promise.all(workers.map((worker) => worker.ready));
        const jobs = store.jobs;
        const ids: string[] = [];
        for (let index = 0; index < JOBS; index += 1) {
          ids.push((await jobs.enqueue({ kind: 'race', payload: { index } })).job.id);
        }
        const results = await Promise.all(workers.map((worker) => worker.exited));
        for (const result of results) assert.equal(result.code, 0, result.stderr);

        const runs = await db.query<{ job_id: string; worker: string }>(
          'SELECT job_id, worker FROM race_runs',
        );
        assert.equal(runs.length, JOBS, 'one execution per job');
        assert.deepEqual(new Set(runs.map((run) => run.job_id)), new Set(ids));
        const finished = await jobs.list({ kinds: ['race'], limit: 1000 });
        assert.equal(finished.length, JOBS);
        for (const job of finished) {
          assert.equal(job.state, 'succeeded');
          assert.equal(job.attempts, 1);
          const run = runs.find((entry) => entry.job_id === job.id)!;
          assert.deepEqual(job.result, {
            worker: run.worker,
            index: (job.payload as { index: number }).index,
          });
          assert.equal(job.leaseOwner, run.worker);
        }
        const ranBy = new Set(runs.map((run) => run.worker));
        assert.ok(
          ranBy.size >= 2,
          `more than one worker should have taken jobs (got ${[...ranBy].join(', ')})`,
        );
        const reported = results.reduce(
          (total, result) => total + Number(/ran (\d+)/.exec(result.stdout)?.[1]),
          0,
        );
        assert.equal(reported, JOBS);
      } finally {
        for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      }
    } finally {
      await store.close();
    }
  },
);
