import { scoreJobPayloadSchema, type ScoreJobPayload, type ScoreJobResult } from '@runecast/contracts';
import type { JobHandler } from '../../jobs/job-handler.ts';
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
      context.progress({ percent: 100, message: `scored ${sweep.scored.length}, ${sweep.waiting} waiting` });
      return { scored: sweep.scored.length, waitingForCandles: sweep.waiting };
    },
  };
}
