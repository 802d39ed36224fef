import type { Command } from 'commander';
import { defaultHorizonsMinutes, formatSeriesKey, parseHorizonMinutes } from '@runecast/market';
import { parseRetrainCron } from '../../jobs/scheduler.ts';
import { applyServerHeapSettings } from '../../runtime/heap-settings.ts';
import { tuneNativeMemory } from '../../runtime/native-memory.ts';
import { configFor } from '../command-config.ts';
import { UsageError } from '../usage-error.ts';
import { parsePositiveIntegerFlag, withForecasting } from './forecast-command-support.ts';

interface WorkerOptions {
  concurrency: string;
  kinds?: string;
  scheduler?: boolean;
  interval: string;
  retrainCron?: string;
  leaseSeconds: string;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Run queued train, backtest, tune and predict jobs until stopped (any number of workers may share one PostgreSQL store); optionally the forecast scheduler too',
    )
    .option('--concurrency <n>', 'jobs run at once', '1')
    .option('--kinds <list>', 'only these job kinds, comma-separated (default all)')
    .option(
      '--scheduler',
      'also run the forecast scheduler (only one scheduler acts at a time across processes)',
    )
    .option('--interval <duration>', 'scheduler: how often production models forecast (e.g. 5m, 1h)', '5m')
    .option(
      '--retrain-cron <expression>',
      'scheduler: retrain production models on this cron schedule (UTC), e.g. "0 3 * * *"',
    )
    .option('--lease-seconds <n>', 'a job whose worker is silent this long is taken again', '60')
    .action(async (options: WorkerOptions, command: Command) => {
      const config = configFor(command);
      applyServerHeapSettings();
      const nativeMemory = await tuneNativeMemory();
      const concurrency = parsePositiveIntegerFlag('--concurrency', options.concurrency)!;
      const leaseMs = parsePositiveIntegerFlag('--lease-seconds', options.leaseSeconds)! * 1000;
      let intervalMs: number;
      try {
        intervalMs = parseHorizonMinutes(options.interval) * 60_000;
      } catch {
        throw new UsageError(
          `--interval "${options.interval}" is not a duration like 5m, 1h or 300 (minutes)`,
        );
      }
      if (options.retrainCron !== undefined) {
        try {
          parseRetrainCron(options.retrainCron);
        } catch (error) {
          throw new UsageError(`--retrain-cron: ${(error as Error).message}`);
        }
      }
      await withForecasting(config, async ({ runtime }) => {
        const kinds = options.kinds
          ?.split(',')
          .map((kind) => kind.trim())
          .filter(Boolean);
        let worker;
        try {
          worker = runtime.createWorker({
            concurrency,
            leaseMs,
            ...(kinds ? { kinds } : {}),
            onError: (error) => process.stderr.write(`worker: ${(error as Error).message}\n`),
            onEvent: (job) => {
              if (job.state !== 'running') {
                process.stderr.write(
                  `${job.kind} job ${job.id}: ${job.state}${job.error ? ` (${job.error})` : ''}\n`,
                );
              }
            },
          });
        } catch (error) {
          throw new UsageError(`--kinds: ${(error as Error).message}`);
        }
        const scheduler = options.scheduler
          ? runtime.createScheduler({
              intervalMs,
              tracked: () =>
                config.markets.map((market) => {
                  const series = { ...market, timeframe: config.timeframe };
                  return { series, horizonsMinutes: defaultHorizonsMinutes(config.timeframe) };
                }),
              ...(options.retrainCron ? { retrainCron: options.retrainCron } : {}),
              onError: (error) => process.stderr.write(`scheduler: ${(error as Error).message}\n`),
              onTick: (tick) => {
                if (!tick.leader) return;
                process.stderr.write(
                  `scheduler: ${tick.predictJobIds.length} forecasts queued, ${tick.scored} scored, ${tick.retrainJobIds.length} retrains` +
                    (tick.withoutModel.length > 0
                      ? `; no production model for ${tick.withoutModel.join(', ')}`
                      : '') +
                    '\n',
                );
              },
            })
          : null;
        worker.start();
        scheduler?.start();
        process.stderr.write(
          `worker ${worker.owner} running ${worker.kinds.join(', ')} jobs` +
            (scheduler
              ? `, scheduler every ${options.interval} for ${config.markets.map((market) => formatSeriesKey({ ...market, timeframe: config.timeframe })).join(', ')}`
              : '') +
            '; Ctrl-C stops\n',
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        process.stderr.write('stopping: running jobs go back to the queue\n');
        await scheduler?.stop();
        await worker.stop();
      });
      nativeMemory.stop();
    });
}
