import { predictJobPayloadSchema, type PredictJobPayload } from '@runecast/contracts';
import { forecastsTopic } from '../../bus/topics.ts';
import { formatHorizon, formatSeriesKey, parseSeriesKey, ValidationError } from '@runecast/market';
import type { FeatureSettings } from '../../features/feature-matrix.ts';
import type { ForecastRecord } from '../../store/forecast.port.ts';
import type { ModelVersion } from '../../store/model.port.ts';
import {
  FEATURE_WARMUP_CANDLES,
  loadSeriesMatrix,
  requireSeriesSpan,
  withDataContext,
} from '../forecasting-data.ts';
import type { JobContext, JobHandler } from '../../jobs/job-handler.ts';
import { issuingCoverage } from '../adaptive-bands.ts';
import {
  parseWithSchema,
  resolveSeriesHorizon,
  trainingWindowOf,
  type ForecastingDependencies,
} from './handler-support.ts';

/** Candles read before the origin: enough for every feature window and for models that read history. */
const MINIMUM_LOOKBACK_CANDLES = 2000;

export interface PredictJobResult {
  forecast: ForecastRecord;
  /** False when this version had already forecast from the same latest candle (the ledger keeps one). */
  created: boolean;
}

/** The forecast-made bus message of a ledger row. */
export function forecastMadeMessage(forecast: ForecastRecord) {
  return {
    id: forecast.id,
    series: forecast.series,
    horizonMinutes: forecast.horizonMinutes,
    modelVersionId: forecast.modelVersionId,
    modelType: forecast.modelType,
    madeAtMs: forecast.madeAtMs,
    inputStartMs: forecast.inputStartMs,
    inputEndMs: forecast.inputEndMs,
    issuedAtMs: forecast.issuedAtMs,
    targetTimeMs: forecast.targetTimeMs,
    lastClose: forecast.lastClose,
    point: forecast.point,
    lower80: forecast.lower80,
    upper80: forecast.upper80,
    lower95: forecast.lower95,
    upper95: forecast.upper95,
  };
}

/** Forecasts with one version from the latest candles and writes the forecast to the ledger. */
export async function predictWithVersion(
  dependencies: ForecastingDependencies,
  version: ModelVersion,
  context?: Pick<JobContext, 'progress' | 'checkpoint'>,
): Promise<PredictJobResult> {
  const series = version.seriesKey;
  const { stepMs, horizonSteps } = resolveSeriesHorizon(version.series, version.horizonMinutes);
  const span = await requireSeriesSpan(dependencies.market, series);
  const lookback = Math.max(
    MINIMUM_LOOKBACK_CANDLES,
    trainingWindowOf(version.params, 0) + FEATURE_WARMUP_CANDLES,
  );
  const endMs = span.lastOpenTimeMs + stepMs;
  context?.progress({ percent: 10, message: `loading the latest candles of ${version.series}` });
  return withDataContext(span, series, async () => {
    const data = await loadSeriesMatrix(dependencies.market, {
      series,
      range: { startMs: Math.max(0, endMs - lookback * stepMs), endMs },
      crossAssets: version.crossAssetSeries,
      featureSettings: version.featureSettings as Partial<FeatureSettings>,
      purpose: `forecasting with version ${version.id}`,
      minimumCandles: Math.min(lookback, horizonSteps + 2),
    });
    await context?.checkpoint();
    context?.progress({
      percent: 50,
      message: `forecasting with ${version.modelType} version ${version.id}`,
    });
    const forecaster = await dependencies.registry.loadForecaster(version);
    try {
      const originIndex = data.matrix.rows.length - 1;
      const matrixContext = { matrix: data.matrix, originIndex };
      if (!forecaster.canPredict(matrixContext)) {
        throw new ValidationError(
          `version ${version.id} (${version.modelType}) cannot forecast from the latest candles of ${version.series}: ` +
            'the history before them is too short or a feature is still warming up',
        );
      }
      // Bands at the coverage adaptive conformal inference has reached on this version's scored forecasts.
      const states = await dependencies.forecasting.forecasts.adaptiveConformalStates(version.id);
      const forecast = forecaster.predict(matrixContext, { coverage: issuingCoverage(states) });
      const now = dependencies.now ?? Date.now;
      const outcome = await dependencies.forecasting.forecasts.insertForecast({
        series,
        horizonMinutes: version.horizonMinutes,
        modelVersionId: version.id,
        modelType: version.modelType,
        madeAtMs: now(),
        inputStartMs: data.matrix.openTimesMs[0]!,
        inputEndMs: data.matrix.openTimesMs[originIndex]!,
        issuedAtMs: forecast.issuedAtMs,
        targetTimeMs: forecast.targetTimeMs,
        lastClose: forecast.lastClose,
        point: forecast.point,
        lower80: forecast.intervals['80'].lower,
        upper80: forecast.intervals['80'].upper,
        lower95: forecast.intervals['95'].lower,
        upper95: forecast.intervals['95'].upper,
      });
      if (outcome.created && dependencies.bus) {
        try {
          await dependencies.bus.publish(forecastsTopic(series), forecastMadeMessage(outcome.forecast));
        } catch (error) {
          dependencies.onPublishError?.(error);
        }
      }
      context?.progress({
        percent: 100,
        message: `forecast ${outcome.forecast.id} for ${formatSeriesKey(series)}`,
      });
      return { forecast: outcome.forecast, created: outcome.created };
    } finally {
      forecaster.dispose();
    }
  });
}

/** Predict: forecast with a version (by default the production one) and write it to the ledger. */
export function createPredictHandler(
  dependencies: ForecastingDependencies,
): JobHandler<PredictJobPayload, PredictJobResult> {
  return {
    kind: 'predict',
    parsePayload(raw) {
      const payload = parseWithSchema(predictJobPayloadSchema, raw, 'predict job');
      if (payload.series !== undefined && payload.horizonMinutes !== undefined) {
        resolveSeriesHorizon(payload.series, payload.horizonMinutes);
      }
      return payload;
    },
    async run(payload, context) {
      let version: ModelVersion;
      if (payload.modelVersionId !== undefined) {
        version = await dependencies.registry.require(payload.modelVersionId);
        if (payload.series !== undefined && payload.series !== version.series) {
          throw new ValidationError(
            `version ${version.id} forecasts ${version.series}, not ${payload.series}`,
          );
        }
        if (payload.modelType !== undefined && payload.modelType !== version.modelType) {
          throw new ValidationError(
            `version ${version.id} is ${version.modelType}, not ${payload.modelType}`,
          );
        }
        if (payload.horizonMinutes !== undefined && payload.horizonMinutes !== version.horizonMinutes) {
          throw new ValidationError(
            `version ${version.id} forecasts ${formatHorizon(version.horizonMinutes)} ahead, not ${formatHorizon(payload.horizonMinutes)}`,
          );
        }
      } else {
        version = await dependencies.registry.requireProduction(
          parseSeriesKey(payload.series!),
          payload.horizonMinutes!,
        );
      }
      return predictWithVersion(dependencies, version, context);
    },
  };
}
