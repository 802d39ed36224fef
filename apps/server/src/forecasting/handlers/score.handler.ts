import { scoreJobPayloadSchema, type ScoreJobPayload, type ScoreJobResult } from '@runecast/contracts';
import type { JobHandler } from '../../jobs/job-handler.ts';
import { formatSeriesKey, parseSeriesKey as parseSeries } from '@runecast/market';
import { forecastsScoredTopic } from '../../bus/topics.ts';
import { scoreDueForecasts } from '../forecast-scoring.ts';
import { parseWithSchema, type ForecastingDependencies } from './handler-support.ts';

/**
 * Score: every forecast whose target time has passed and whose target candle is stored gets its
 * actual close, its error and naive's error on the same point. The scheduler queues one per tick,
 * so scoring runs on a worker and never inside the scheduler's transaction.
 */
export function createScoreHandler(
  dependencies: ForecastingDependencies,
): JobHandler<ScoreJobPayload, ScoreJobResult> {
  return {
    kind: 'score',
    parsePayload: (raw) => parseWithSchema(scoreJobPayloadSchema, raw ?? {}, 'score job'),
    async run(payload, context) {
      const now = dependencies.now ?? Date.now;
      const sweep = await scoreDueForecasts(
        { candles: dependencies.market.candles, forecasts: dependencies.forecasting.forecasts },
        { nowMs: now(), ...(payload.limit === undefined ? {} : { limit: payload.limit }) },
      );
      await announceRecentAccuracy(dependencies, sweep.scored, now());
      context.progress({ percent: 100, message: `scored ${sweep.scored.length}, ${sweep.waiting} waiting` });
      return { scored: sweep.scored.length, waitingForCandles: sweep.waiting };
    },
  };
}

/** How many of a model version's most recent scored forecasts its announced accuracy covers. */
export const ANNOUNCED_ACCURACY_WINDOW = 100;

/**
 * Announces, for each model version that had forecasts scored now, its accuracy over its most
 * recent scored forecasts, so that alert rules on models falling behind naive hear of it. A bus
 * failure never fails the sweep: the next sweep announces again.
 */
async function announceRecentAccuracy(
  dependencies: ForecastingDependencies,
  scored: readonly { modelVersionId: number }[],
  atMs: number,
): Promise<void> {
  const bus = dependencies.bus;
  if (!bus || scored.length === 0) return;
  for (const modelVersionId of new Set(scored.map((forecast) => forecast.modelVersionId))) {
    try {
      const accuracy = await dependencies.forecasting.forecasts.recentAccuracy(
        modelVersionId,
        ANNOUNCED_ACCURACY_WINDOW,
      );
      if (accuracy === null || accuracy.lastTargetMs === null) continue;
      const series = accuracy.series;
      await bus.publish(forecastsScoredTopic(parseSeries(series)), {
        modelVersionId: accuracy.modelVersionId,
        modelType: accuracy.modelType,
        series: formatSeriesKey(parseSeries(series)),
        horizonMinutes: accuracy.horizonMinutes,
        scored: accuracy.scored,
        mae: accuracy.mae,
        naiveMae: accuracy.naiveMae,
        relativeMae: accuracy.relativeMae,
        lastTargetMs: accuracy.lastTargetMs,
        atMs,
      });
    } catch (error) {
      dependencies.onPublishError?.(error);
    }
  }
}
