import type { Bus } from '../bus/bus.port.ts';
import { ValidationError } from '@runecast/market';
import { ModelRegistryService } from './model-registry.ts';
import type { ForecastingStore, Store } from '../store/store.ts';
import { createForecastJobHandlers } from './forecast-job-handlers.ts';
import type { JobHandler } from '../jobs/job-handler.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import { JobWorker, type JobWorkerOptions } from '../jobs/job-worker.ts';
import { ForecastScheduler, type ForecastSchedulerOptions } from '../jobs/scheduler.ts';
import type { ForecastingDependencies } from './handlers/handler-support.ts';

export interface ForecastingRuntimeOptions {
  /** The open, migrated market-data store (its database also holds the registry, jobs and ledger). */
  store: Store;
  bus?: Bus | null;
  /** Extra job kinds workers of this runtime run (e.g. an on-demand "backfill then predict"). */
  extraHandlers?: readonly JobHandler[];
  now?: () => number;
  onPublishError?: (error: unknown) => void;
}

/** Everything forecasting needs, wired over one store and bus: what `runecast up`, the API and the CLI use. */
export interface ForecastingRuntime {
  readonly forecasting: ForecastingStore;
  readonly registry: ModelRegistryService;
  readonly queue: JobQueue;
  readonly handlers: readonly JobHandler[];
  readonly dependencies: ForecastingDependencies;
  /** A worker running this runtime's handlers (or only `kinds`); call `start()` to poll, `stop()` to end. */
  createWorker(
    options?: Omit<JobWorkerOptions, 'queue' | 'handlers'> & { kinds?: readonly string[] },
  ): JobWorker;
  /** The forecast scheduler over this runtime's queue; call `start()`. */
  createScheduler(options?: Omit<ForecastSchedulerOptions, 'store' | 'queue'>): ForecastScheduler;
}

export function createForecastingRuntime(options: ForecastingRuntimeOptions): ForecastingRuntime {
  const forecasting: ForecastingStore = options.store;
  const registry = new ModelRegistryService(forecasting.models);
  const dependencies: ForecastingDependencies = {
    market: options.store,
    forecasting,
    registry,
    bus: options.bus ?? null,
    ...(options.now ? { now: options.now } : {}),
    ...(options.onPublishError ? { onPublishError: options.onPublishError } : {}),
  };
  const handlers = [...createForecastJobHandlers(dependencies), ...(options.extraHandlers ?? [])];
  const queue = new JobQueue({
    jobs: forecasting.jobs,
    bus: options.bus ?? null,
    handlers,
    ...(options.onPublishError ? { onPublishError: options.onPublishError } : {}),
  });
  const runtime: ForecastingRuntime = {
    forecasting,
    registry,
    queue,
    handlers,
    dependencies,
    createWorker: ({ kinds, ...workerOptions } = {}) => {
      const selected = kinds ? handlers.filter((handler) => kinds.includes(handler.kind)) : handlers;
      const unknown = kinds?.filter((kind) => !handlers.some((handler) => handler.kind === kind)) ?? [];
      if (unknown.length > 0) {
        throw new ValidationError(
          `unknown job kind(s) ${unknown.join(', ')}; known kinds: ${handlers.map((handler) => handler.kind).join(', ')}`,
        );
      }
      return new JobWorker({ ...workerOptions, queue, handlers: selected });
    },
    createScheduler: (schedulerOptions = {}) =>
      new ForecastScheduler({
        ...schedulerOptions,
        store: options.store,
        queue,
        ...(options.now && !schedulerOptions.now ? { now: options.now } : {}),
      }),
  };
  return runtime;
}
