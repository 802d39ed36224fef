import { formatSeriesKey, timeframeMs } from '@runecast/market';
import type { ForecastingRuntime } from './forecasting-runtime.ts';
import type { TrackedSeries } from '../markets/tracked-markets.service.ts';

const MIN_TRAIN_WINDOW_STEPS = 4_320;
const TRAIN_WINDOW_HORIZONS = 6;
/** Ahead of routine trainings, behind on-demand forecasts and scheduled predictions (10). */
const FIRST_MODEL_PRIORITY = 8;

export interface ModelBootstrapOptions {
  /** Model type trained for a series and horizon that has no production model. */
  modelType: string;
  /**
   * A model that needs no fitting (naive with volatility-scaled bands), trained first and ahead of
   * other work, so a fresh installation forecasts within a minute; `modelType` replaces it later
   * only when it beats it.
   */
  firstModelType?: string;
  /** How much recent history the first model trains on. */
  lookbackMs: number;
}

/**
 * Queues a training, promoted when it finishes, for every tracked series and horizon that has
 * no production model yet, so a fresh installation forecasts without manual steps. One job per
 * series and horizon at a time (dedupe key); a failed one (too little data yet) is queued again
 * on a later call.
 */
export async function queueMissingProductionModels(
  runtime: ForecastingRuntime,
  tracked: readonly TrackedSeries[],
  options: ModelBootstrapOptions,
): Promise<string[]> {
  const queuedJobIds: string[] = [];
  for (const entry of tracked) {
    const latest = await runtime.dependencies.market.candles.latestCandle(entry.series);
    if (latest === null) continue;
    const toMs = latest.openTimeMs + timeframeMs(entry.series.timeframe);
    for (const horizonMinutes of entry.horizonsMinutes) {
      if ((await runtime.registry.production(entry.series, horizonMinutes)) !== null) continue;
      const key = formatSeriesKey(entry.series);
      const payload = (modelType: string) => ({
        series: key,
        horizonMinutes,
        modelType,
        fromMs: toMs - (entry.trainingLookbackMs ?? options.lookbackMs),
        toMs,
        // Long horizons on short candles need windows several horizons long, or the held-out
        // tail that calibrates the intervals is empty (24h of 1m candles is 1,440 steps).
        walkForward: {
          trainWindowSteps: Math.max(
            MIN_TRAIN_WINDOW_STEPS,
            TRAIN_WINDOW_HORIZONS * (horizonMinutes / (timeframeMs(entry.series.timeframe) / 60_000)),
          ),
        },
        promote: 'if-better',
      });
      if (options.firstModelType !== undefined && options.firstModelType !== options.modelType) {
        const first = await runtime.queue.enqueue('train', payload(options.firstModelType), {
          dedupeKey: `bootstrap-first:${key}@${horizonMinutes}`,
          maxAttempts: 1,
          priority: FIRST_MODEL_PRIORITY,
        });
        if (first.created) queuedJobIds.push(first.job.id);
      }
      const { job, created } = await runtime.queue.enqueue('train', payload(options.modelType), {
        dedupeKey: `bootstrap:${key}@${horizonMinutes}`,
        maxAttempts: 1,
      });
      if (created) queuedJobIds.push(job.id);
    }
  }
  return queuedJobIds;
}
