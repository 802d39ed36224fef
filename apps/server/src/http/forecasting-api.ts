import type { ForecastMadeMessage } from '@runecast/contracts';
import { CacheUnavailableError } from '../cache/cache-errors.ts';
import type { FastifyReply } from 'fastify';
import type { Subscription } from '../bus/bus.port.ts';
import { topicPattern } from '../bus/topics.ts';
import { GenerationalCache } from '../cache/generational.cache.ts';
import { RunecastError, ValidationError } from '@runecast/market';
import type { ForecastingRuntime } from '../forecasting/forecasting-runtime.ts';
import type { EnqueueOptions } from '../jobs/job-queue.ts';
import type { JobRecord } from '../store/job.port.ts';
import type { ApiApp, ApiContext } from './api-context.ts';
import { ForecastQueryService } from '../forecasting/forecast-query.service.ts';
import { ForecastingMetricsRecorder } from '../forecasting/forecasting-metrics.ts';
import { HttpError } from './http-errors.ts';
import { enforceQuota } from './quotas.ts';
import { API_PREFIX } from './route-access.ts';

export interface ForecastingApiOptions {
  /** How often a job's progress stream reads the store, for progress the bus did not carry (default 1 s). */
  jobPollIntervalMs?: number;
  /** How often model scores and job counts are refreshed for /metrics without events (default 60 s). */
  metricsRefreshIntervalMs?: number;
  /** Shortest spacing of the refreshes forecast and job events cause (default 1 s). */
  metricsDebounceMs?: number;
}

/** What the forecast, model and job routes of one server share. */
export interface ForecastingApi {
  readonly runtime: ForecastingRuntime;
  readonly forecasts: ForecastQueryService;
  readonly metrics: ForecastingMetricsRecorder;
  readonly jobPollIntervalMs: number;
}

/**
 * The shared part of the forecasting routes of one server: the latest-forecast cache (dropped
 * per series when a new forecast of it arrives on the bus) and the forecasting metrics. Both
 * stop when the server closes. The route modules make it once, when the first of them is
 * registered (`forecastingRouteModules`).
 */
export async function createForecastingApi(
  runtime: ForecastingRuntime,
  app: ApiApp,
  context: ApiContext,
  options: ForecastingApiOptions,
): Promise<ForecastingApi> {
  const { metrics, logger, bus } = context;
  const cache = new GenerationalCache(context.cache, {
    namespace: 'forecasts',
    onLookup: (_namespace, hit) =>
      (hit ? metrics.cache.hits : metrics.cache.misses).inc({ cache: 'forecasts' }),
    onError: (error) => {
      if (error instanceof CacheUnavailableError && error.skipped) {
        metrics.cache.skipped.inc({ cache: 'forecasts' });
        return;
      }
      metrics.cache.errors.inc({ cache: 'forecasts' });
      // A slow or stopped Redis is logged once when its circuit opens and once when it closes.
      logger[error instanceof CacheUnavailableError ? 'debug' : 'warn'](
        { err: error, cache: 'forecasts' },
        'cache operation failed; serving as a miss',
      );
    },
  });
  const forecasts = new ForecastQueryService(runtime.forecasting.forecasts, runtime.registry, cache);
  let invalidation: Subscription | null = null;
  try {
    invalidation = await bus.subscribe<ForecastMadeMessage>(topicPattern('forecasts'), async (message) => {
      if (typeof message.data?.series === 'string') await forecasts.invalidate(message.data.series);
    });
  } catch (error) {
    logger.warn(
      { err: error },
      'cannot follow new forecasts on the bus; cached forecasts expire by age only',
    );
  }
  const recorder = new ForecastingMetricsRecorder({
    runtime,
    metrics,
    bus,
    logger,
    ...(options.metricsRefreshIntervalMs === undefined
      ? {}
      : { refreshIntervalMs: options.metricsRefreshIntervalMs }),
    ...(options.metricsDebounceMs === undefined ? {} : { debounceMs: options.metricsDebounceMs }),
  });
  await recorder.start();
  app.addHook('onClose', async () => {
    await invalidation?.unsubscribe().catch(() => undefined);
    await recorder.close();
  });
  return { runtime, forecasts, metrics: recorder, jobPollIntervalMs: options.jobPollIntervalMs ?? 1000 };
}

/** A 422 naming the request field that cannot work, e.g. `body.horizonMinutes`. */
export function unprocessable(
  field: string,
  message: string,
  details: Record<string, unknown> = {},
): HttpError {
  return new HttpError(422, 'unprocessable', `${field}: ${message}`, { ...details, field });
}

/**
 * Runs a check of one request field; its ValidationError (or other refusal of the input)
 * becomes a 422 naming the field, and a NotFoundError a 404 naming it.
 */
export async function checkField<T>(field: string, check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof HttpError) throw error;
    if (error instanceof RunecastError) {
      const details = { ...(error.details ?? {}) };
      if (error.code === 'not_found') {
        throw new HttpError(404, 'not_found', `${field}: ${error.message}`, { ...details, field });
      }
      if (
        error instanceof ValidationError ||
        ['unsupported', 'bad_symbol', 'unprocessable'].includes(error.code)
      ) {
        throw unprocessable(field, error.message, details);
      }
    }
    throw error;
  }
}

/**
 * Queues a job whose payload the route has checked, answering 202 with the job and its URL.
 * The caller owns the job; a dedupe key only joins a job of the same owner, so nobody is handed
 * a job they may not see. What the kind's own payload check still refuses becomes a 422 on the body.
 */
export async function startJob(
  api: ForecastingApi,
  reply: FastifyReply,
  kind: string,
  payload: unknown,
  options: EnqueueOptions = {},
): Promise<FastifyReply> {
  const principal = reply.request.principal;
  const ownerUserId = principal?.userId ?? null;
  if (principal) {
    enforceQuota(
      principal,
      reply.server.apiContext.quotas,
      'activeJobsPerUser',
      await api.runtime.queue.repository.countActiveOwnedBy(principal.userId),
    );
  }
  const owned: EnqueueOptions = { ...options, ownerUserId };
  if (options.dedupeKey !== undefined && ownerUserId !== null)
    owned.dedupeKey = `${options.dedupeKey}:owner:${ownerUserId}`;
  const { job } = await checkField('body', () => api.runtime.queue.enqueue(kind, payload, owned));
  return reply.code(202).header('location', `${API_PREFIX}/jobs/${job.id}`).send(job);
}

/** A job without its result and loss curve, as lists show it. */
export function jobSummary(job: JobRecord): Omit<JobRecord, 'result' | 'lossHistory'> {
  const { result: _result, lossHistory: _lossHistory, ...summary } = job;
  return summary;
}
