import { backtestJobPayloadSchema, type BacktestJobPayload } from '@runecast/contracts';
import { formatHorizon, formatSeriesKey, ValidationError } from '@runecast/market';
import { MIN_CALIBRATION_RESIDUALS } from '../../models/conformal-calibrator.ts';
import { rowIndexAtOrAfter, walkForwardLabel } from '../../models/evaluation/walk-forward.ts';
import { withCompute } from '../../jobs/compute/compute-thread.ts';
import { getForecasterDefinition, parseForecasterParams } from '../../models/forecaster.registry.ts';
import {
  parseVolatilitySpec,
  volatilityHistorySteps,
  type VolatilitySpec,
} from '../../models/volatility/volatility.registry.ts';
import {
  FEATURE_WARMUP_CANDLES,
  loadSeriesMatrix,
  requireSeriesSpan,
  withDataContext,
} from '../forecasting-data.ts';
import type { JobContext, JobHandler } from '../../jobs/job-handler.ts';
import {
  metricsRecord,
  parseWithSchema,
  resolveSeriesHorizon,
  trainingWindowOf,
  type ForecastingDependencies,
} from './handler-support.ts';

export interface BacktestModelResult {
  /** The model type, or `type+volatility` when its bands were scaled by a volatility model. */
  model: string;
  modelType: string;
  params: Record<string, unknown>;
  volatility: VolatilitySpec | null;
  metrics: Record<string, number | null>;
  fits: number;
  failedFits: number;
  fitMs: number;
  predictMs: number;
}

export interface BacktestJobResult {
  series: string;
  horizonMinutes: number;
  fromMs: number;
  toMs: number;
  /** Open times of the first and last forecast origin actually scored. */
  firstOriginMs: number;
  lastOriginMs: number;
  origins: number;
  droppedOrigins: number;
  settings: Record<string, unknown>;
  /** One result per model, naive first. */
  results: BacktestModelResult[];
}

/**
 * Backtest: a walk-forward of several models (naive always among them) whose forecast origins lie
 * in [fromMs, toMs) and whose targets do too. Models train on the candles before each origin,
 * reaching back before `fromMs` as far as their training window needs.
 */
export function createBacktestHandler(
  dependencies: ForecastingDependencies,
): JobHandler<BacktestJobPayload, BacktestJobResult> {
  return {
    kind: 'backtest',
    parsePayload(raw) {
      const payload = parseWithSchema(backtestJobPayloadSchema, raw, 'backtest job');
      resolveSeriesHorizon(payload.series, payload.horizonMinutes);
      const seen = new Set<string>();
      for (const model of payload.models) {
        const label = walkForwardLabel(model);
        if (seen.has(label)) throw new ValidationError(`model ${label} is listed twice`);
        seen.add(label);
        parseForecasterParams(model.modelType, model.params);
        if (model.volatility) parseVolatilitySpec(model.volatility);
      }
      return payload;
    },
    run: (payload, context) => runBacktest(dependencies, payload, context),
  };
}

async function runBacktest(
  dependencies: ForecastingDependencies,
  payload: BacktestJobPayload,
  context: JobContext,
): Promise<BacktestJobResult> {
  const { series, horizonMinutes, horizonSteps, stepMs } = resolveSeriesHorizon(
    payload.series,
    payload.horizonMinutes,
  );
  const models = payload.models.some((model) => model.modelType === 'naive' && !model.volatility)
    ? payload.models
    : [{ modelType: 'naive' }, ...payload.models];
  const longestWindow = Math.max(
    ...models.map((model) => {
      const params = parseForecasterParams(model.modelType, model.params);
      const volatility = model.volatility ?? getForecasterDefinition(model.modelType).volatilityOf?.(params);
      return Math.max(
        payload.walkForward.trainWindowSteps ?? trainingWindowOf(params),
        volatility ? volatilityHistorySteps(volatility, horizonSteps) : 0,
      );
    }),
  );
  const embargoSteps = payload.walkForward.embargoSteps ?? horizonSteps;
  // History before the test period: the longest training window, its targets and the feature warm-up.
  const historySteps = longestWindow + embargoSteps + horizonSteps + FEATURE_WARMUP_CANDLES;
  const historyStartMs = Math.max(0, Math.ceil(payload.fromMs / stepMs) * stepMs - historySteps * stepMs);
  context.progress({ percent: 1, message: `loading candles of ${formatSeriesKey(series)}` });
  const span = await requireSeriesSpan(dependencies.market, series);
  return withDataContext(span, series, async () => {
    const data = await loadSeriesMatrix(dependencies.market, {
      series,
      range: { startMs: historyStartMs, endMs: payload.toMs },
      crossAssets: payload.crossAssets,
      purpose: `a backtest at horizon ${formatHorizon(horizonMinutes)}`,
      minimumCandles: horizonSteps + 2 * MIN_CALIBRATION_RESIDUALS + 60,
    });
    await context.checkpoint();
    const { matrix } = data;
    const lastOrigin = matrix.rows.length - 1 - horizonSteps;
    // With too little history before `fromMs` to train on, the test period starts later (the
    // result reports where), never earlier.
    const minimumStart = Math.min(
      lastOrigin,
      Math.max(
        FEATURE_WARMUP_CANDLES + horizonSteps,
        Math.min(longestWindow, Math.floor(matrix.rows.length / 4)),
      ),
    );
    const requestedStart = rowIndexAtOrAfter(matrix, payload.fromMs);
    if (requestedStart < 0 || requestedStart > lastOrigin) {
      throw new ValidationError(
        `too little data: no forecast origin from ${new Date(payload.fromMs).toISOString()} has its ` +
          `${formatHorizon(horizonMinutes)} target before ${new Date(payload.toMs).toISOString()}`,
      );
    }
    const testStartIndex = Math.max(requestedStart, minimumStart);
    const order = models.map(walkForwardLabel);
    const result = await withCompute(dependencies.compute ?? 'thread', context.signal, (compute) =>
      compute.run(
        {
          kind: 'walk-forward',
          input: {
            matrix,
            models: models.map((model) => ({
              modelType: model.modelType,
              ...(model.params === undefined ? {} : { params: model.params }),
              ...(model.retrainEverySteps === undefined
                ? {}
                : { retrainEverySteps: model.retrainEverySteps }),
              ...(model.volatility === undefined ? {} : { volatility: model.volatility }),
            })),
            settings: { ...payload.walkForward, horizonMinutes, testStartIndex },
          },
        },
        (event) => {
          if (event.type !== 'progress') return;
          const { progress } = event;
          const position = Math.max(0, order.indexOf(progress.label));
          const done = (position + progress.completedOrigins / progress.totalOrigins) / order.length;
          context.progress({
            percent: 2 + 97 * done,
            message: `${progress.label}: ${progress.completedOrigins}/${progress.totalOrigins} origins`,
          });
        },
      ),
    );
    await context.checkpoint();
    const byModel = new Map(result.models.map((entry) => [entry.label, entry]));
    // Naive first, then the models in the order asked.
    const ordered = ['naive', ...order.filter((model) => model !== 'naive')].map((model) =>
      byModel.get(model)!,
    );
    return {
      series: formatSeriesKey(series),
      horizonMinutes,
      fromMs: payload.fromMs,
      toMs: payload.toMs,
      firstOriginMs: result.origins.openTimeMs[0]!,
      lastOriginMs: result.origins.openTimeMs.at(-1)!,
      origins: result.origins.index.length,
      droppedOrigins: result.droppedOrigins,
      settings: { ...result.settings },
      results: ordered.map((entry) => ({
        model: entry.label,
        modelType: entry.modelType,
        params: entry.params,
        volatility: entry.volatility,
        metrics: metricsRecord(entry.metrics),
        fits: entry.fits,
        failedFits: entry.failedFits,
        fitMs: Math.round(entry.fitMs),
        predictMs: Math.round(entry.predictMs),
        evidence: entry.evidence,
      })),
    };
  });
}
