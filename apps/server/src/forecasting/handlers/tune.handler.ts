import { tuneJobPayloadSchema, type TuneJobPayload } from '@runecast/contracts';
import { formatHorizon, formatSeriesKey } from '@runecast/market';
import { MIN_CALIBRATION_RESIDUALS } from '../../models/conformal-calibrator.ts';
import type { TuningTrial } from '../../models/evaluation/hyperparameter-search.ts';
import { withCompute } from '../../jobs/compute/compute-thread.ts';
import { parseForecasterParams } from '../../models/forecaster.registry.ts';
import { loadSeriesMatrix, requireSeriesSpan, withDataContext } from '../forecasting-data.ts';
import type { JobContext, JobHandler } from '../../jobs/job-handler.ts';
import {
  finiteOrNull,
  metricsRecord,
  parseWithSchema,
  resolveSeriesHorizon,
  type ForecastingDependencies,
} from './handler-support.ts';

export interface TuneTrialSummary {
  trial: number;
  params: Record<string, unknown>;
  score: number | null;
  naiveScore: number | null;
  error: string | null;
  durationMs: number;
}

export interface TuneJobResult {
  series: string;
  horizonMinutes: number;
  modelType: string;
  metric: string;
  fromMs: number;
  toMs: number;
  validationFromMs: number;
  validationToMs: number;
  trials: TuneTrialSummary[];
  best: TuneTrialSummary;
  /** The defaults' score (trial 0), to see whether tuning helped. */
  defaultScore: number | null;
}

function summarize(trial: TuningTrial): TuneTrialSummary {
  return {
    trial: trial.trial,
    params: trial.params,
    score: finiteOrNull(trial.score),
    naiveScore: trial.naiveScore === null ? null : finiteOrNull(trial.naiveScore),
    error: trial.error,
    durationMs: Math.round(trial.durationMs),
  };
}

/**
 * Tune: random search over a model's declared parameter space. Every candidate is scored by a
 * walk-forward over the last part of [fromMs, toMs) only; every trial is stored.
 */
export function createTuneHandler(
  dependencies: ForecastingDependencies,
): JobHandler<TuneJobPayload, TuneJobResult> {
  return {
    kind: 'tune',
    parsePayload(raw) {
      const payload = parseWithSchema(tuneJobPayloadSchema, raw, 'tune job');
      resolveSeriesHorizon(payload.series, payload.horizonMinutes);
      parseForecasterParams(payload.modelType, payload.baseParams);
      return payload;
    },
    run: (payload, context) => runTune(dependencies, payload, context),
  };
}

async function runTune(
  dependencies: ForecastingDependencies,
  payload: TuneJobPayload,
  context: JobContext,
): Promise<TuneJobResult> {
  const { series, horizonMinutes, horizonSteps } = resolveSeriesHorizon(
    payload.series,
    payload.horizonMinutes,
  );
  context.progress({ percent: 1, message: `loading candles of ${formatSeriesKey(series)}` });
  const span = await requireSeriesSpan(dependencies.market, series);
  return withDataContext(span, series, async () => {
    const data = await loadSeriesMatrix(dependencies.market, {
      series,
      range: { startMs: payload.fromMs, endMs: payload.toMs },
      crossAssets: payload.crossAssets,
      purpose: `tuning ${payload.modelType} at horizon ${formatHorizon(horizonMinutes)}`,
      minimumCandles: Math.max(160, 4 * horizonSteps + 8 * MIN_CALIBRATION_RESIDUALS),
    });
    await context.checkpoint();
    const { matrix } = data;
    const usableOrigins = matrix.rows.length - horizonSteps;
    const validationSteps =
      payload.validationSteps ?? Math.max(2 * MIN_CALIBRATION_RESIDUALS, Math.floor(usableOrigins / 4));
    const jobId = context.job.id;
    const trialWrites: Promise<void>[] = [];
    const storeTrial = (trial: TuningTrial): Promise<void> =>
      dependencies.forecasting.models.insertTuningTrials(jobId, [
        {
          trial: trial.trial,
          modelType: payload.modelType,
          series,
          horizonMinutes,
          metric: payload.metric,
          params: trial.params,
          score: trial.score,
          naiveScore: trial.naiveScore,
          metrics: trial.metrics ? metricsRecord(trial.metrics) : null,
          error: trial.error,
          durationMs: trial.durationMs,
        },
      ]);
    const result = await withCompute(dependencies.compute ?? 'thread', context.signal, (compute) =>
      compute.run(
        {
          kind: 'tune',
          input: {
            matrix,
            modelType: payload.modelType,
            horizonMinutes,
            trainingEndIndex: matrix.rows.length - 1,
            validationSteps,
            trials: payload.trials,
            seed: payload.seed,
            metric: payload.metric,
            baseParams: payload.baseParams,
            walkForward: payload.walkForward,
          },
        },
        (event) => {
          if (event.type !== 'trial') return;
          const { trial } = event;
          context.progress({
            percent: (100 * (trial.trial + 1)) / payload.trials,
            message: `trial ${trial.trial + 1}/${payload.trials}: ${payload.metric} ${Number.isFinite(trial.score) ? trial.score.toPrecision(6) : 'failed'}`,
          });
          // Stored as they finish, so a cancelled search keeps what it had found.
          trialWrites.push(storeTrial(trial).catch(() => undefined));
        },
      ),
    );
    await Promise.all(trialWrites);
    await context.checkpoint();
    // Make sure every trial is stored, whatever happened to the writes made along the way.
    await dependencies.forecasting.models.insertTuningTrials(
      jobId,
      result.trials.map((trial) => ({
        trial: trial.trial,
        modelType: payload.modelType,
        series,
        horizonMinutes,
        metric: payload.metric,
        params: trial.params,
        score: trial.score,
        naiveScore: trial.naiveScore,
        metrics: trial.metrics ? metricsRecord(trial.metrics) : null,
        error: trial.error,
        durationMs: trial.durationMs,
      })),
    );
    const trials = result.trials.map(summarize);
    return {
      series: formatSeriesKey(series),
      horizonMinutes,
      modelType: payload.modelType,
      metric: result.metric,
      fromMs: payload.fromMs,
      toMs: payload.toMs,
      validationFromMs: matrix.openTimesMs[result.validationStartIndex]!,
      validationToMs: matrix.openTimesMs[result.validationEndIndex]!,
      trials,
      best: summarize(result.best),
      defaultScore: trials[0]?.score ?? null,
    };
  });
}
