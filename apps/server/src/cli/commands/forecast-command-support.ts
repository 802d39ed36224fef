import type { Command } from 'commander';
import { createBus } from '../../bus/create-bus.ts';
import type { Config } from '../../config/config.ts';
import {
  formatHorizon,
  formatMetricSeriesKey,
  formatSeriesKey,
  horizonSteps,
  isMetricSeriesKey,
  parseHorizonMinutes,
  parseMetricSeriesKey,
  parseSeriesKey,
  RunecastError,
  type SeriesKey,
  ValidationError,
} from '@runecast/market';
import { requireSeriesSpan } from '../../forecasting/forecasting-data.ts';
import { createForecastingRuntime, type ForecastingRuntime } from '../../forecasting/forecasting-runtime.ts';
import { isFinishedJobState } from '../../jobs/job-queue.ts';
import { listForecasterTypes } from '../../models/forecaster.registry.ts';
import type { JobRecord } from '../../store/job.port.ts';
import type { Store } from '../../store/store.ts';
import { parseTimeFlag } from '../arguments.ts';
import { withStore } from '../open-store.ts';
import { createProgressBar } from '../progress-bar.ts';
import { UsageError } from '../usage-error.ts';

/** Options the job-running commands share. */
export interface JobCommandOptions {
  json?: boolean;
  progress: boolean;
  detach?: boolean;
}

export function parseSeriesFlag(value: string): SeriesKey {
  try {
    return parseSeriesKey(value.trim());
  } catch (error) {
    throw new UsageError(`--series: ${(error as Error).message}`);
  }
}

/**
 * `--cross-assets`: comma-separated price series (their returns become features) or metric series
 * (`dogdata:DOG•GO•TO•THE•MOON/USD:1d:total_holders`, their log growth).
 */
export function parseCrossAssetsFlag(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      try {
        return isMetricSeriesKey(item)
          ? formatMetricSeriesKey(parseMetricSeriesKey(item))
          : formatSeriesKey(parseSeriesKey(item));
      } catch (error) {
        throw new UsageError(`--cross-assets: ${(error as Error).message}`);
      }
    });
}

/** `240`, `240m`, `4h`, `1d`; checked against the series' timeframe (the error names horizons that fit). */
export function parseHorizonFlag(value: string, series: SeriesKey): number {
  let minutes: number;
  try {
    minutes = parseHorizonMinutes(value);
  } catch (error) {
    throw new UsageError(`--horizon: ${(error as Error).message}`);
  }
  try {
    horizonSteps(minutes, series.timeframe);
  } catch (error) {
    throw new UsageError(`--horizon: ${(error as Error).message}`);
  }
  return minutes;
}

export function parseRangeFlags(from: string, to: string): { fromMs: number; toMs: number } {
  const fromMs = parseTimeFlag('--from', from);
  const toMs = parseTimeFlag('--to', to);
  if (toMs <= fromMs) throw new UsageError(`--to (${to}) must be after --from (${from})`);
  return { fromMs, toMs };
}

/** A known model type, or a UsageError listing the known ones. */
export function parseModelFlag(value: string, flag = '--model'): string {
  const modelType = value.trim().toLowerCase();
  const known = listForecasterTypes();
  if (!known.includes(modelType)) {
    throw new UsageError(`${flag}: unknown model "${value}"; known models: ${known.join(', ')}`);
  }
  return modelType;
}

export function parseModelsFlag(value: string): string[] {
  const models = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => parseModelFlag(item, '--models'));
  if (models.length === 0) throw new UsageError('--models: name at least one model, e.g. naive,arima,ridge');
  const repeated = models.find((model, index) => models.indexOf(model) !== index);
  if (repeated) throw new UsageError(`--models: ${repeated} is listed twice`);
  return models;
}

export function parseJsonObjectFlag(flag: string, value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new UsageError(
      `${flag} is not JSON (${(error as Error).message}); e.g. ${flag} '{"lambda": 1000}'`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`${flag} must be a JSON object, e.g. ${flag} '{"lambda": 1000}'`);
  }
  return parsed as Record<string, unknown>;
}

export function parsePositiveIntegerFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
    throw new UsageError(`${flag} "${value}" must be a positive whole number`);
  }
  return Number(value);
}

/** `--adaptive-bands [gamma]`: absent → undefined, bare → the default γ, else a number in (0, 1). */
export function parseAdaptiveBandsFlag(
  value: string | boolean | undefined,
  defaultGamma: number,
): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return defaultGamma;
  const gamma = Number(value.trim());
  if (value.trim() === '' || !(gamma > 0 && gamma < 1)) {
    throw new UsageError(
      `--adaptive-bands "${value}" must be a step γ between 0 and 1 (e.g. 0.005), or no value`,
    );
  }
  return gamma;
}

export interface ForecastCommandContext {
  store: Store;
  runtime: ForecastingRuntime;
}

/** Opens the store and the bus, wires forecasting over them, runs `work`, and closes everything. */
export async function withForecasting<T>(
  config: Config,
  work: (context: ForecastCommandContext) => Promise<T>,
): Promise<T> {
  return withStore(config, async (store) => {
    const bus = await createBus(config.busUrl ?? undefined);
    try {
      const runtime = createForecastingRuntime({ store, bus });
      return await work({ store, runtime });
    } finally {
      await bus.close();
    }
  });
}

/** Fails with a clear message (exit code 2) when the series has no data at all. */
export async function requireSeries(store: Store, series: SeriesKey): Promise<void> {
  await requireSeriesSpan(store, series);
}

/**
 * Queues a job and runs it in this process with a progress bar (Ctrl-C cancels it); with
 * `--detach`, only queues it for a worker (`runecast worker`). A job some other worker already
 * took is followed until it ends. Returns the finished job, or null when detached.
 */
export async function runJobFromCommand(
  runtime: ForecastingRuntime,
  kind: string,
  payload: unknown,
  options: JobCommandOptions,
  label: string,
): Promise<JobRecord | null> {
  const { job } = await runtime.queue.enqueue(kind, payload);
  if (options.detach) {
    if (options.json) process.stdout.write(`${JSON.stringify({ jobId: job.id, state: job.state })}\n`);
    else process.stdout.write(`queued ${kind} job ${job.id}; follow it with: runecast jobs show ${job.id}\n`);
    return null;
  }
  const bar = createProgressBar(label, options.progress && !options.json);
  const show = (current: JobRecord): void => {
    if (current.progress.percent !== null)
      bar.update(current.progress.percent, current.progress.message ?? '');
  };
  const worker = runtime.createWorker({ onEvent: show });
  const interrupt = (): void => {
    void runtime.queue.cancel(job.id).catch(() => undefined);
    worker.abortLocal(job.id);
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    let finished = await worker.runJob(job.id);
    if (finished === null || !isFinishedJobState(finished.state)) {
      finished = await runtime.queue.waitForJob(job.id, { onUpdate: show });
    }
    bar.stop();
    return finished;
  } finally {
    bar.stop();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await worker.stop();
  }
}

/** Turns a job that did not succeed into the error the CLI reports (bad input exits 2). */
export function requireSucceeded(job: JobRecord): JobRecord {
  if (job.state === 'succeeded') return job;
  if (job.state === 'cancelled')
    throw new RunecastError('cancelled', `${job.kind} job ${job.id} was cancelled`);
  const message = job.error ?? `${job.kind} job ${job.id} ended ${job.state}`;
  if (job.errorCode === 'validation_failed' || job.errorCode === 'not_found')
    throw new ValidationError(message);
  throw new RunecastError(job.errorCode ?? 'internal', `${job.kind} job ${job.id} failed: ${message}`);
}

export function addJobOptions(command: Command): Command {
  return command
    .option('--json', 'print the result as JSON')
    .option('--no-progress', 'do not draw a progress bar')
    .option('--detach', 'only queue the job for a worker (runecast worker) and print its id');
}

/** A number for a table cell: a few significant digits, or a dash when missing. */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  if (value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-4))
    return value.toExponential(digits - 1);
  return Number(value.toPrecision(digits)).toString();
}

export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return `${(100 * value).toFixed(1)}%`;
}

export { formatHorizon };
