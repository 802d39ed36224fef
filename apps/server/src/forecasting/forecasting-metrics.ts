import type { ForecastMadeMessage, JobProgressMessage } from '@runecast/contracts';
import type { Bus, Subscription } from '../bus/bus.port.ts';
import { topicPattern } from '../bus/topics.ts';
import type { ForecastingRuntime } from './forecasting-runtime.ts';
import { isFinishedJobState } from '../jobs/job-queue.ts';
import type { Logger } from '../observability/logger.ts';
import { formatHorizon } from '@runecast/market';
import type { RunecastMetrics } from '../observability/metrics.ts';

/**
 * Members of this group split forecast and job events between them, so with several API
 * processes each forecast and each finished job is counted once across them.
 */
const METRICS_QUEUE_GROUP = 'runecast-api-metrics';
/** Figures exported per production model (ledger accuracy when scored, else its walk-forward). */
const SCORE_METRICS = ['mae', 'rmse', 'mase', 'coverage80', 'coverage95', 'directionalAccuracy'] as const;
/** Forecasts of the ledger a production model's rolling accuracy is taken over. */
const ROLLING_FORECASTS = 500;
const SEEN_JOBS_KEPT = 10_000;

export interface ForecastingMetricsOptions {
  runtime: ForecastingRuntime;
  metrics: RunecastMetrics;
  bus: Bus;
  logger: Logger;
  /** How often production models' scores and job counts are refreshed without events (default 60 s). */
  refreshIntervalMs?: number;
  /** Shortest spacing of refreshes caused by events (default 1 s). */
  debounceMs?: number;
}

/**
 * Records the forecasting metrics declared in `metrics.ts`: forecasts made (from the bus),
 * jobs finished and their durations (from job events), jobs queued and running (from the
 * queue), and the score of each production model per series and horizon.
 */
export class ForecastingMetricsRecorder {
  private readonly subscriptions: Subscription[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly seenFinishedJobs = new Set<string>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private interval: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: ForecastingMetricsOptions) {}

  async start(): Promise<void> {
    const { bus, logger } = this.options;
    try {
      this.subscriptions.push(
        await bus.subscribe<ForecastMadeMessage>(
          topicPattern('forecasts'),
          (message) => this.onForecast(message.data),
          { queueGroup: METRICS_QUEUE_GROUP },
        ),
        await bus.subscribe<JobProgressMessage>(
          topicPattern('jobProgress'),
          (message) => this.onJobEvent(message.data),
          { queueGroup: METRICS_QUEUE_GROUP },
        ),
      );
    } catch (error) {
      logger.warn({ err: error }, 'cannot follow forecasts and jobs on the bus; their counters stay at zero');
    }
    this.interval = setInterval(() => {
      void this.refreshJobCounts();
      void this.refreshModelScores();
    }, this.options.refreshIntervalMs ?? 60_000);
    this.interval.unref();
    await Promise.all([this.refreshJobCounts(), this.refreshModelScores()]);
  }

  /** Refreshes the model scores soon (after a promotion or rollback). */
  modelsChanged(): void {
    this.debounce('scores', () => this.refreshModelScores());
  }

  private onForecast(forecast: ForecastMadeMessage): void {
    this.options.metrics.forecasts.made.inc({
      series: forecast.series,
      horizon: formatHorizon(forecast.horizonMinutes),
      model: forecast.modelType,
    });
    this.debounce('scores', () => this.refreshModelScores());
  }

  private async onJobEvent(event: JobProgressMessage): Promise<void> {
    this.debounce('jobs', () => this.refreshJobCounts());
    if (!isFinishedJobState(event.state) || this.seenFinishedJobs.has(event.jobId)) return;
    this.seenFinishedJobs.add(event.jobId);
    if (this.seenFinishedJobs.size > SEEN_JOBS_KEPT) {
      const oldest = this.seenFinishedJobs.values().next().value;
      if (oldest !== undefined) this.seenFinishedJobs.delete(oldest);
    }
    const { metrics } = this.options;
    metrics.jobs.finished.inc({ type: event.kind, state: event.state });
    const job = await this.options.runtime.queue.get(event.jobId).catch(() => null);
    if (job?.startedAtMs != null && job.finishedAtMs !== null) {
      metrics.jobs.duration.observe(
        { type: job.kind },
        Math.max(0, job.finishedAtMs - job.startedAtMs) / 1000,
      );
    }
    // A training may have promoted its version.
    if (event.state === 'succeeded' && event.kind === 'train') this.modelsChanged();
  }

  private debounce(name: string, work: () => Promise<void>): void {
    if (this.closed || this.pending.has(name)) return;
    const timer = setTimeout(() => {
      this.pending.delete(name);
      this.timers.delete(timer);
      void work();
    }, this.options.debounceMs ?? 1000);
    timer.unref();
    this.pending.set(name, timer);
    this.timers.add(timer);
  }

  /** Queued and running jobs per kind, every kind the runtime knows shown (zero included). */
  async refreshJobCounts(): Promise<void> {
    if (this.closed) return;
    const { runtime, metrics } = this.options;
    try {
      const jobs = await runtime.queue.list({ states: ['queued', 'running'], limit: 10_000 });
      const counts = new Map<string, number>();
      for (const kind of runtime.queue.knownKinds()) {
        counts.set(`${kind}\u0000queued`, 0);
        counts.set(`${kind}\u0000running`, 0);
      }
      for (const job of jobs) {
        const key = `${job.kind}\u0000${job.state}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      metrics.jobs.active.reset();
      for (const [key, count] of counts) {
        const [type, state] = key.split('\u0000') as [string, string];
        metrics.jobs.active.set({ type, state }, count);
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not count queued and running jobs');
    }
  }

  /** The score of each production model: rolling accuracy of its scored forecasts, else its walk-forward metrics. */
  async refreshModelScores(): Promise<void> {
    if (this.closed) return;
    const { runtime, metrics } = this.options;
    try {
      const production = await runtime.registry.list({ stage: 'production', limit: 10_000 });
      const values: { labels: Record<string, string>; value: number }[] = [];
      for (const version of production) {
        const accuracy = await runtime.forecasting.forecasts.recentAccuracy(version.id, ROLLING_FORECASTS);
        const live: Record<string, number | null> | null =
          accuracy !== null && accuracy.scored > 0
            ? {
                mae: accuracy.mae,
                rmse: accuracy.rmse,
                mase: accuracy.relativeMae,
                coverage80: accuracy.coverage80,
                coverage95: accuracy.coverage95,
                directionalAccuracy: accuracy.directionalAccuracy,
              }
            : null;
        const source = live ?? version.metrics;
        for (const metric of SCORE_METRICS) {
          const value = source[metric];
          if (typeof value !== 'number' || !Number.isFinite(value)) continue;
          values.push({
            labels: {
              series: version.series,
              horizon: formatHorizon(version.horizonMinutes),
              model: version.modelType,
              metric,
            },
            value,
          });
        }
      }
      // Replaced at once, so a scrape never sees half the models or a retired one.
      metrics.forecasts.modelScore.reset();
      for (const entry of values) metrics.forecasts.modelScore.set(entry.labels, entry.value);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not refresh model scores');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.interval) clearInterval(this.interval);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pending.clear();
    await Promise.allSettled(this.subscriptions.splice(0).map((subscription) => subscription.unsubscribe()));
  }
}
