// A worker process for the multi-process queue test: runs `race` jobs until the expected number
// of jobs has finished, recording each execution in race_runs. Usage: <database url> <name> <job count>
import type { JobHandler } from '../src/jobs/job-handler.ts';
import { JobQueue, sleep } from '../src/jobs/job-queue.ts';
import { JobWorker } from '../src/jobs/job-worker.ts';
import { openDatabase } from '../src/store/db.ts';
import { SqlJobRepository } from '../src/store/job.repository.ts';

const [url, name, countText] = process.argv.slice(2);
const expected = Number(countText);
const database = await openDatabase({ url: url!, maxConnections: 3 });
const handler: JobHandler<{ index: number }> = {
  kind: 'race',
  parsePayload: (raw) => raw as { index: number },
  async run(payload, context) {
    await database.query('INSERT INTO race_runs (job_id, worker) VALUES ($1, $2)', [context.job.id, name]);
    context.progress({ percent: 50, message: `job ${payload.index}` });
    await sleep(5 + Math.floor(Math.random() * 20));
    return { worker: name, index: payload.index };
  },
};
const queue = new JobQueue({ jobs: new SqlJobRepository(database), handlers: [handler] });
const worker = new JobWorker({
  queue,
  handlers: [handler],
  owner: name!,
  progressIntervalMs: 5,
  leaseMs: 30_000,
});
process.stdout.write('ready\n');
let ran = 0;
for (;;) {
  const job = await worker.runNext();
  if (job) {
    ran += 1;
    continue;
  }
  const [row] = await database.query<{ finished: number }>(
    `SELECT count(*) AS finished FROM jobs WHERE kind = 'race' AND state IN ('succeeded', 'failed', 'cancelled')`,
  );
  if ((row?.finished ?? 0) >= expected) break;
  await sleep(10);
}
process.stdout.write(`ran ${ran}\n`);
await database.close();
