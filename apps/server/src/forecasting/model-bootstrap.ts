import { formatSeriesKey, timeframeMs } from '@runecast/market';
import type { ForecastingRuntime } from './forecasting-runtime.ts';
import type { TrackedSeries } from '../markets/tracked-markets.service.ts';

const MIN_TRAIN_WINDOW_STEPS = 4_320;
const TRAIN_WINDOW_HORIZONS = 6;

export interface ModelBootstrapOptions {
  /** Model type trained for a series and horizon that has no production model. */
  modelType: string;
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
      const { job, created } = await runtime.queue.enqueue(
        'train',
        {
          series: key,
          horizonMinutes,
          modelType: options.modelType,
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
        },
        { dedupeKey: `bootstrap:${key}@${horizonMinutes}`, maxAttempts: 1 },
      );
      if (created) queuedJobIds.push(job.id);
    }
  }
  return queuedJobIds;
}
