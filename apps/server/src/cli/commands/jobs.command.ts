import type { Command } from 'commander';
import { forecastJobKinds, jobStates } from '@runecast/contracts';
import type { JobRecord, JobState } from '../../store/job.port.ts';
import { parseChoice } from '../arguments.ts';
import { configFor } from '../command-config.ts';
import { isoTime, printJson, printTable } from '../output.ts';
import { parsePositiveIntegerFlag, withForecasting } from './forecast-command-support.ts';

interface JobsListOptions {
  state?: string;
  kind?: string;
  limit: string;
  json?: boolean;
}

function describeProgress(job: JobRecord): string {
  const percent = job.progress.percent === null ? '' : `${job.progress.percent.toFixed(0)}% `;
  return `${percent}${job.progress.message ?? ''}`.trim();
}

export function registerJobsCommand(program: Command): void {
  const jobs = program
    .command('jobs')
    .description('List train, backtest, tune and predict jobs; show or cancel one')
    .option('--state <state>', `only jobs in this state (${jobStates.join(', ')})`)
    .option('--kind <kind>', `only jobs of this kind (${forecastJobKinds.join(', ')})`)
    .option('--limit <n>', 'at most this many, newest first', '30')
    .option('--json', 'print as JSON')
    .action(async (options: JobsListOptions, command: Command) => {
      const config = configFor(command);
      const state =
        options.state === undefined
          ? undefined
          : (parseChoice('--state', options.state, jobStates) as JobState);
      const limit = parsePositiveIntegerFlag('--limit', options.limit)!;
      const list = await withForecasting(config, ({ runtime }) =>
        runtime.queue.list({
          ...(state ? { states: [state] } : {}),
          ...(options.kind ? { kinds: [options.kind] } : {}),
          limit,
        }),
      );
      if (options.json) {
        printJson(list);
        return;
      }
      if (list.length === 0) {
        process.stdout.write('no jobs (runecast train, backtest, tune and predict queue them)\n');
        return;
      }
      printTable(
        ['id', 'kind', 'state', 'attempts', 'created', 'progress', 'error'],
        list.map((job) => [
          job.id,
          job.kind,
          job.cancelRequested && job.state === 'running' ? 'cancelling' : job.state,
          `${job.attempts}/${job.maxAttempts}`,
          isoTime(job.createdAtMs),
          describeProgress(job),
          job.error?.slice(0, 80) ?? '',
        ]),
      );
    });

  jobs
    .command('show <id>')
    .description('Show one job: payload, progress, losses, result or error')
    .option('--json', 'print as JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const config = configFor(command);
      const job = await withForecasting(config, ({ runtime }) => runtime.queue.require(id));
      if (options.json) {
        printJson(job);
        return;
      }
      process.stdout.write(
        `${job.kind} job ${job.id}: ${job.state} (attempt ${job.attempts} of ${job.maxAttempts})\n` +
          `created ${isoTime(job.createdAtMs)}` +
          (job.startedAtMs ? `, started ${isoTime(job.startedAtMs)}` : '') +
          (job.finishedAtMs ? `, finished ${isoTime(job.finishedAtMs)}` : '') +
          `\nprogress: ${describeProgress(job) || '-'}\npayload: ${JSON.stringify(job.payload)}\n` +
          (job.lossHistory.length > 0
            ? `losses: ${job.lossHistory.map((point) => `${point.epoch}:${point.trainLoss.toPrecision(4)}/${point.validationLoss?.toPrecision(4) ?? '-'}`).join(' ')}\n`
            : '') +
          (job.error ? `error (${job.errorCode}): ${job.error}\n` : '') +
          (job.result !== null ? `result: ${JSON.stringify(job.result).slice(0, 4000)}\n` : ''),
      );
    });

  jobs
    .command('cancel <id>')
    .description('Cancel a job: a queued one at once, a running one at its next progress report')
    .option('--json', 'print the job as JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const config = configFor(command);
      const job = await withForecasting(config, ({ runtime }) => runtime.queue.cancel(id));
      if (options.json) {
        printJson(job);
        return;
      }
      const outcome =
        job.state === 'cancelled'
          ? 'cancelled'
          : job.state === 'running'
            ? 'asked to stop; its worker stops at its next progress report'
            : `already ${job.state}`;
      process.stdout.write(`${job.kind} job ${job.id}: ${outcome}\n`);
    });
}
