import { queueMissingProductionModels } from '../forecasting/model-bootstrap.ts';
import type { JobProgressMessage } from '@runecast/contracts';
import { formatSeriesKey } from '@runecast/market';
import type { Role } from './role.ts';

const FIRST_MODEL_TYPE = 'naive-volatility';
/**
 * How often series still without a production model are looked at between forecast intervals:
 * a series whose first candles arrive after the first tick (ingest in another process, or a
 * market added later) gets its first model within this, not a whole interval later.
 */
const BOOTSTRAP_CHECK_MS = 10_000;

/**
 * Forecasts every tracked series with its production model on an interval, queues the score
 * job for forecasts whose truth has arrived, retrains on the configured cron, and queues a first model for series
 * that have none. Only one scheduler acts at a time across processes.
 */
export const schedulerRole: Role = {
  name: 'scheduler',
  pausesWhileReadOnly: true,
  async start(context) {
    const { config, metrics } = context;
    const logger = context.logger.child({ component: 'scheduler' });
    // A first model forecasts as soon as its training succeeds, not at the next interval.
    const bootstrapJobs = new Set<string>();
    let scheduler: ReturnType<typeof context.forecasting.createScheduler> | null = null;
    const firstModels = await context.bus.subscribe<JobProgressMessage>('jobs.progress.>', (message) => {
      const { jobId, state } = message.data;
      if (!bootstrapJobs.has(jobId) || (state !== 'succeeded' && state !== 'failed' && state !== 'cancelled'))
        return;
      bootstrapJobs.delete(jobId);
      if (state === 'succeeded' && scheduler) {
        scheduler.tick().catch((error: unknown) => {
          metrics.runtime.backgroundErrors.inc({ task: 'scheduler' });
          logger.warn({ err: error }, 'could not forecast with the first model');
        });
      }
    });
    const bootstrapModels = async (series = context.trackedMarkets.series()) => {
      if (config.defaultModel === 'none') return;
      const queued = await queueMissingProductionModels(context.forecasting, series, {
        modelType: config.defaultModel,
        // Naive with volatility-scaled bands needs no fitting: the first forecast comes from it.
        firstModelType: FIRST_MODEL_TYPE,
        lookbackMs: config.backfillDays * 86_400_000,
      });
      for (const jobId of queued) bootstrapJobs.add(jobId);
      if (queued.length > 0) logger.info({ jobs: queued }, `queued ${queued.length} first model training(s)`);
    };
    scheduler = context.forecasting.createScheduler({
      // In one process with a worker, forecasts and scoring run at once rather than waiting for a poll.
      ...(context.localJobWorker ? { inlineWorker: context.localJobWorker } : {}),
      intervalMs: config.forecastIntervalMinutes * 60_000,
      tracked: () => context.trackedMarkets.series(),
      ...(config.retrainCron ? { retrainCron: config.retrainCron } : {}),
      onTick: (result) => {
        const { predictJobIds, retrainJobIds, scoreJobId, withoutModel } = result;
        if (predictJobIds.length + retrainJobIds.length > 0) {
          logger.info(
            { predictJobIds, retrainJobIds, scoreJobId, withoutModel: withoutModel.length },
            `scheduled ${predictJobIds.length} forecast(s) and ${retrainJobIds.length} retraining(s)`,
          );
        }
        void bootstrapModels().catch((error: unknown) => {
          metrics.runtime.backgroundErrors.inc({ task: 'model-bootstrap' });
          logger.warn({ err: error }, 'could not queue first model trainings');
        });
      },
      onError: (error: unknown) => {
        metrics.runtime.backgroundErrors.inc({ task: 'scheduler' });
        logger.error({ err: error }, 'scheduler error');
      },
    });
    const started = scheduler;
    started.start();
    // Each series once, as soon as it has candles; the interval's tick retries those that failed.
    const bootstrapped = new Set<string>();
    const bootstrapNewSeries = async () => {
      const waiting = context.trackedMarkets
        .series()
        .filter((entry) => !bootstrapped.has(formatSeriesKey(entry.series)));
      for (const entry of waiting) {
        if ((await context.store.candles.latestCandle(entry.series)) === null) continue;
        bootstrapped.add(formatSeriesKey(entry.series));
        await bootstrapModels([entry]);
      }
    };
    const bootstrapTimer = setInterval(() => {
      bootstrapNewSeries().catch((error: unknown) => {
        metrics.runtime.backgroundErrors.inc({ task: 'model-bootstrap' });
        logger.warn({ err: error }, 'could not queue first model trainings');
      });
    }, BOOTSTRAP_CHECK_MS);
    bootstrapTimer.unref();
    const unregister = context.health.register({
      name: 'scheduler',
      check: async () => ({ state: 'ok', reason: null, details: { ...started.status() } }),
    });
    return {
      stop: async () => {
        clearInterval(bootstrapTimer);
        unregister();
        await firstModels.unsubscribe().catch(() => undefined);
        await started.stop();
      },
    };
  },
};
