import { trainJobPayloadSchema, type TrainJobPayload } from '@runecast/contracts';
import { formatHorizon, formatSeriesKey, ValidationError } from '@runecast/market';
import { MIN_CALIBRATION_RESIDUALS } from '../../models/conformal-calibrator.ts';
import type { EvaluatedForecasts } from '../../models/evaluation/forecast-metrics.ts';
import type { WalkForwardResult } from '../../models/evaluation/walk-forward.ts';
import {
  readsFeatureRows,
  type FeatureModelImportance,
} from '../../models/evaluation/feature-model-importance.ts';
import { parseForecasterParams } from '../../models/forecaster.registry.ts';
import { parseVolatilitySpec } from '../../models/volatility/volatility.registry.ts';
import { fingerprintCandles } from '../../models/registry/data-fingerprint.ts';
import type { RankingMetric } from '../model-ranking.ts';
import { withCompute } from '../../jobs/compute/compute-thread.ts';
import { loadSeriesMatrix, requireSeriesSpan, withDataContext } from '../forecasting-data.ts';
import type { JobContext, JobHandler } from '../../jobs/job-handler.ts';
import {
  metricsRecord,
  parseWithSchema,
  resolveSeriesHorizon,
  type ForecastingDependencies,
} from './handler-support.ts';

/** Most out-of-sample errors kept for a version's conformal intervals, and evaluation points kept for charts. */
const CALIBRATION_WINDOW = 1000;
const EVALUATION_POINTS_KEPT = 1000;

export interface TrainJobResult {
  modelVersionId: number;
  modelType: string;
  series: string;
  horizonMinutes: number;
  trainingStartMs: number;
  trainingEndMs: number;
  trainingCandles: number;
  metrics: Record<string, number | null>;
  naiveMetrics: Record<string, number | null>;
  promoted: boolean;
  promotionReason: string;
}

/** What production falls back to when no point model beats naive, in order of preference. */
const FALLBACK_MODEL_TYPES = ['naive-volatility', 'naive'] as const;

/** Out-of-sample absolute log errors of a walk-forward, divided by each forecast's band scale. */
function normalizedResiduals(forecasts: EvaluatedForecasts): number[] {
  const residuals: number[] = [];
  for (let index = 0; index < forecasts.point.length; index += 1) {
    const actual = Math.log(forecasts.actualClose[index]! / forecasts.lastClose[index]!);
    // Normalized by the band scale when the bands are volatility-scaled (1 otherwise).
    const error = Math.abs(actual - forecasts.logReturn[index]!) / forecasts.bandScale[index]!;
    if (Number.isFinite(error)) residuals.push(error);
  }
  return residuals;
}

/** Fewest candles a training run of this horizon can work with. */
export function minimumTrainingCandles(horizonSteps: number, evaluationFraction: number): number {
  return Math.ceil(Math.max(120, 4 * horizonSteps + (2 * MIN_CALIBRATION_RESIDUALS) / evaluationFraction));
}

/**
 * Train: fit a model type on a series over a range, score it with a walk-forward over the end of
 * the range (naive beside it on the same origins), then fit it on the whole range, calibrate its
 * intervals on the walk-forward's out-of-sample errors, and register the version.
 */
export function createTrainHandler(
  dependencies: ForecastingDependencies,
): JobHandler<TrainJobPayload, TrainJobResult> {
  return {
    kind: 'train',
    parsePayload(raw) {
      const payload = parseWithSchema(trainJobPayloadSchema, raw, 'train job');
      resolveSeriesHorizon(payload.series, payload.horizonMinutes);
      parseForecasterParams(payload.modelType, payload.params);
      if (payload.volatility) parseVolatilitySpec(payload.volatility);
      return payload;
    },
    run: (payload, context) => runTrain(dependencies, payload, context),
  };
}

async function runTrain(
  dependencies: ForecastingDependencies,
  payload: TrainJobPayload,
  context: JobContext,
): Promise<TrainJobResult> {
  const { series, horizonMinutes, horizonSteps } = resolveSeriesHorizon(
    payload.series,
    payload.horizonMinutes,
  );
  const params = parseForecasterParams(payload.modelType, payload.params);
  const label = `${payload.modelType} on ${formatSeriesKey(series)} at ${formatHorizon(horizonMinutes)}`;
  context.progress({ percent: 1, message: `loading candles for ${label}` });
  const span = await requireSeriesSpan(dependencies.market, series);
  return withDataContext(span, series, async () => {
    const data = await loadSeriesMatrix(dependencies.market, {
      series,
      range: { startMs: payload.fromMs, endMs: payload.toMs },
      crossAssets: payload.crossAssets,
      purpose: `training ${payload.modelType} at horizon ${formatHorizon(horizonMinutes)}`,
      minimumCandles: minimumTrainingCandles(horizonSteps, payload.evaluationFraction),
    });
    await context.checkpoint();
    // What the registry records of the candles, taken now: the candles themselves are not held
    // while the models train, only the feature matrix made from them.
    const { matrix, featureSettings, crossAssets } = data;
    const trainingData = {
      trainingStartMs: data.candles[0]!.openTimeMs,
      trainingEndMs: data.candles.at(-1)!.openTimeMs,
      trainingCandles: data.candles.length,
      dataFingerprint: fingerprintCandles(series, data.candles),
    };
    const rows = matrix.rows.length;
    const usableOrigins = rows - horizonSteps;
    const testOrigins = Math.max(
      2 * MIN_CALIBRATION_RESIDUALS,
      Math.round(usableOrigins * payload.evaluationFraction),
    );
    const testStartIndex = rows - 1 - horizonSteps - testOrigins + 1;
    if (testStartIndex < 1) {
      throw new ValidationError(
        `too little data: ${rows} candles leave no training data before the ${testOrigins} evaluation origins`,
      );
    }
    const models = payload.modelType === 'naive' ? ['naive'] : ['naive', payload.modelType];
    context.progress({ percent: 3, message: `walk-forward evaluation of ${label}` });
    return withCompute(dependencies.compute ?? 'thread', context.signal, async (compute) => {
      const evaluation: WalkForwardResult = await compute.run(
        {
          kind: 'walk-forward',
          input: {
            matrix,
            models: [
              {
                modelType: payload.modelType,
                params,
                ...(payload.volatility ? { volatility: payload.volatility } : {}),
              },
            ],
            settings: { ...payload.walkForward, horizonMinutes, testStartIndex },
          },
        },
        (event) => {
          if (event.type !== 'progress') return;
          const { progress } = event;
          const position = Math.max(0, models.indexOf(progress.modelType));
          const done = (position + progress.completedOrigins / progress.totalOrigins) / models.length;
          context.progress({
            percent: 3 + 77 * done,
            message: `walk-forward ${progress.modelType}: ${progress.completedOrigins}/${progress.totalOrigins} origins`,
          });
        },
      );
      await context.checkpoint();
      const modelResult = evaluation.models.find((entry) => entry.modelType === payload.modelType)!;
      const naiveResult = evaluation.models.find((entry) => entry.modelType === 'naive')!;

      context.progress({ percent: 82, message: `fitting ${label} on the whole range` });
      const forecasts = modelResult.forecasts;
      const residuals = normalizedResiduals(forecasts);
      const { artifact, featureNames } = await compute.run(
        {
          kind: 'fit',
          input: {
            modelType: payload.modelType,
            timeframe: series.timeframe,
            horizonMinutes,
            params,
            calibrationWindowSize: CALIBRATION_WINDOW,
            matrix,
            endIndex: rows - 1,
            ...(payload.walkForward.trainWindowSteps === undefined
              ? {}
              : { windowSteps: payload.walkForward.trainWindowSteps }),
            ...(residuals.length >= MIN_CALIBRATION_RESIDUALS
              ? { calibrationResiduals: residuals.slice(-CALIBRATION_WINDOW) }
              : {}),
            ...(payload.volatility ? { volatility: payload.volatility } : {}),
          },
        },
        (event) => {
          if (event.type !== 'epoch') return;
          const { epoch } = event;
          const share = Math.min(1, epoch.epoch / Math.max(1, epoch.maxEpochs));
          // Only the final fit's epochs form the loss curve; a calibration fit's restart at epoch 1.
          context.progress({
            percent: 82 + 13 * share,
            message: `${epoch.phase} fit: epoch ${epoch.epoch}/${epoch.maxEpochs}, loss ${epoch.trainLoss.toPrecision(4)}`,
            ...(epoch.phase === 'final'
              ? {
                  epoch: epoch.epoch,
                  totalEpochs: epoch.maxEpochs,
                  trainLoss: epoch.trainLoss,
                  validationLoss: epoch.validationLoss,
                }
              : {}),
          });
        },
      );
      await context.checkpoint();

      // Permutation importance on the validation window, for models that read feature rows.
      let featureImportance: FeatureModelImportance | null = null;
      let featureImportanceProblem: string | null = null;
      if (
        residuals.length >= MIN_CALIBRATION_RESIDUALS &&
        readsFeatureRows(payload.modelType, series.timeframe, horizonMinutes)
      ) {
        context.progress({ percent: 95, message: `permutation importance of ${label}` });
        try {
          featureImportance = await compute.run({
            kind: 'feature-importance',
            input: {
              modelType: payload.modelType,
              timeframe: series.timeframe,
              horizonMinutes,
              params,
              matrix,
              validationStartIndex: testStartIndex,
              ...(payload.walkForward.trainWindowSteps === undefined
                ? {}
                : { windowSteps: payload.walkForward.trainWindowSteps }),
              calibrationResiduals: residuals.slice(-CALIBRATION_WINDOW),
            },
          });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          // Too little data before the window for a fit: the version is still worth registering.
          featureImportanceProblem = error.message;
        }
        await context.checkpoint();
      }

      context.progress({ percent: 96, message: 'registering the version' });
      const keep = Math.max(0, forecasts.point.length - EVALUATION_POINTS_KEPT);
      const slice = (values: ArrayLike<number>): number[] => Array.from(values).slice(keep);
      const version = await dependencies.registry.register({
        modelType: payload.modelType,
        series,
        horizonMinutes,
        params,
        featureNames,
        featureSettings: { ...featureSettings },
        crossAssetSeries: crossAssets,
        ...trainingData,
        metrics: metricsRecord(modelResult.metrics),
        evaluation: {
          naive: metricsRecord(naiveResult.metrics),
          // The volatility model scaling the bands (its state is in the artifact), or null.
          volatility: modelResult.volatility,
          settings: evaluation.settings,
          origins: evaluation.origins.index.length,
          droppedOrigins: evaluation.droppedOrigins,
          testFromMs: evaluation.origins.openTimeMs[0] ?? null,
          testToMs: evaluation.origins.openTimeMs.at(-1) ?? null,
          fits: modelResult.fits,
          failedFits: modelResult.failedFits,
          fitMs: Math.round(modelResult.fitMs),
          predictMs: Math.round(modelResult.predictMs),
          // Permutation importance on the validation window (feature models), or why it is missing.
          ...(featureImportance === null ? {} : { featureImportance }),
          ...(featureImportanceProblem === null ? {} : { featureImportanceProblem }),
          // The last evaluation forecasts, for predicted-vs-actual charts.
          forecasts: {
            targetTimeMs: slice(evaluation.origins.targetTimeMs),
            lastClose: slice(forecasts.lastClose),
            actualClose: slice(forecasts.actualClose),
            point: slice(forecasts.point),
            lower80: slice(forecasts.lower80),
            upper80: slice(forecasts.upper80),
            lower95: slice(forecasts.lower95),
            upper95: slice(forecasts.upper95),
          },
          // The evidence charts of the whole evaluation, from the same forecasts as the metrics.
          evidence: modelResult.evidence,
        },
        artifact,
        jobId: context.job.id,
      });

      let promoted = false;
      let promotionReason = 'not asked to promote';
      if (payload.promote === 'always') {
        try {
          await dependencies.registry.promote(version.id, 'promoted when trained');
          promoted = true;
          promotionReason = 'promoted when trained';
        } catch (error) {
          // The registry refuses a point model that did not beat naive; the version stays a candidate.
          if (!(error instanceof ValidationError)) throw error;
          promotionReason = error.message;
        }
      } else if (payload.promote === 'if-better') {
        const decision = await dependencies.registry.promoteIfBetter(
          version,
          payload.promoteMetric as RankingMetric,
        );
        promoted = decision.promoted;
        promotionReason = decision.reason;
        const problems: string[] = [];
        // Naive with volatility-scaled bands first; plain naive when the series is too short for
        // the volatility model (HAR reads 22 horizons back, more than a fresh 1m store holds at 24h).
        for (const fallbackType of decision.needsNaiveFallback ? FALLBACK_MODEL_TYPES : []) {
          try {
            context.progress({ percent: 96, message: `no model beat naive; scoring ${fallbackType}` });
            // Naive with volatility-scaled bands, scored on the same origins beside plain naive.
            const fallbackEvaluation: WalkForwardResult = await compute.run({
              kind: 'walk-forward',
              input: {
                matrix,
                models: [{ modelType: fallbackType }],
                settings: { ...payload.walkForward, horizonMinutes, testStartIndex },
              },
            });
            const fallbackResult = fallbackEvaluation.models.find(
              (entry) => entry.modelType === fallbackType,
            )!;
            const fallbackNaive = fallbackEvaluation.models.find((entry) => entry.modelType === 'naive')!;
            const fallback = await compute.run({
              kind: 'fit',
              input: {
                modelType: fallbackType,
                timeframe: series.timeframe,
                horizonMinutes,
                params: fallbackResult.params,
                calibrationWindowSize: CALIBRATION_WINDOW,
                matrix,
                endIndex: rows - 1,
                calibrationResiduals: normalizedResiduals(fallbackResult.forecasts).slice(
                  -CALIBRATION_WINDOW,
                ),
              },
            });
            const fallbackVersion = await dependencies.registry.register({
              modelType: fallbackType,
              series,
              horizonMinutes,
              params: fallbackResult.params,
              featureNames: fallback.featureNames,
              featureSettings: { ...featureSettings },
              crossAssetSeries: crossAssets,
              ...trainingData,
              metrics: metricsRecord(fallbackResult.metrics),
              evaluation: {
                naive: metricsRecord(fallbackNaive.metrics),
                settings: fallbackEvaluation.settings,
                origins: fallbackEvaluation.origins.index.length,
                droppedOrigins: fallbackEvaluation.droppedOrigins,
                testFromMs: fallbackEvaluation.origins.openTimeMs[0] ?? null,
                testToMs: fallbackEvaluation.origins.openTimeMs.at(-1) ?? null,
                fits: fallbackResult.fits,
                failedFits: fallbackResult.failedFits,
                fitMs: Math.round(fallbackResult.fitMs),
                predictMs: Math.round(fallbackResult.predictMs),
                evidence: fallbackResult.evidence,
              },
              artifact: fallback.artifact,
              jobId: context.job.id,
            });
            await dependencies.registry.promote(fallbackVersion.id, decision.notice ?? undefined);
            promotionReason = `${[decision.reason, ...problems].join('; ')} (version ${fallbackVersion.id}, ${fallbackType})`;
            break;
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            // The candidate stays registered; why production has no fallback is in the result.
            problems.push(`${fallbackType} could not be trained here: ${error.message}`);
            promotionReason = [decision.reason, ...problems].join('; ');
          }
        }
      }
      context.progress({ percent: 100, message: `version ${version.id} registered` });
      return {
        modelVersionId: version.id,
        modelType: version.modelType,
        series: version.series,
        horizonMinutes,
        trainingStartMs: version.trainingStartMs,
        trainingEndMs: version.trainingEndMs,
        trainingCandles: version.trainingCandles,
        metrics: version.metrics,
        naiveMetrics: metricsRecord(naiveResult.metrics),
        promoted,
        promotionReason,
      };
    });
  });
}
