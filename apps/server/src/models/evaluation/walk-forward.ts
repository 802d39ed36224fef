import { horizonSteps as toHorizonSteps, RunecastError, ValidationError } from '@runecast/market';
import type { FeatureMatrix } from '../../features/feature-matrix.ts';
import type { BaseForecaster } from '../base.forecaster.ts';
import { MIN_CALIBRATION_RESIDUALS } from '../conformal-calibrator.ts';
import { GradientWorkerPool } from '../deep/gradient-worker.ts';
import { createForecaster, parseForecasterParams } from '../forecaster.registry.ts';
import { parseVolatilitySpec, type VolatilitySpec } from '../volatility/volatility.registry.ts';
import { CRPS_QUANTILE_LEVELS } from './metrics.ts';
import { updateAciAlpha } from './adaptive-conformal.ts';
import { targetLogReturn } from '../training-window.ts';
import { computeForecastMetrics, type EvaluatedForecasts, type ForecastMetrics } from './forecast-metrics.ts';
import { computeForecastEvidence, type ForecastEvidence } from './evidence.ts';

const YEAR_MS = 365.25 * 86_400_000;

export interface WalkForwardSettings {
  horizonMinutes: number;
  /** First forecast origin (row index of the feature matrix). */
  testStartIndex: number;
  /** Last forecast origin considered; defaults to the last row whose target is in the matrix. */
  testEndIndex?: number;
  /** Training origins per fit; defaults to each model's own `trainingWindowSteps`. */
  trainWindowSteps?: number;
  /** Candles between consecutive forecast origins (default 1: every candle). */
  stepSteps?: number;
  /** Candles between refits (default 168: weekly on hourly candles); a model spec may override it. */
  retrainEverySteps?: number;
  /**
   * Candles between the last training target and the forecast origin (default and minimum: the
   * horizon). A model refitted at origin t trains on origins up to t − embargo, whose targets are
   * known by t − embargo + horizon <= t, so no training target overlaps a test target.
   */
  embargoSteps?: number;
  /** Most recent out-of-sample errors used for the conformal intervals (default 1000). */
  calibrationWindowSize?: number;
  /** Fee per position change of the long/flat strategy (default 0.001 = 0.1%). */
  feeRate?: number;
  /**
   * When set, every model but naive issues its bands with adaptive conformal inference at this
   * step γ (see adaptive-conformal.ts), α_t moving as each forecast matures; naive keeps its plain
   * bands, the reference of the interval skill scores.
   */
  adaptiveConformalGamma?: number;
}

export interface WalkForwardModelSpec {
  modelType: string;
  params?: Record<string, unknown>;
  /** Overrides the settings' refit interval for this model (e.g. slower models refit less often). */
  retrainEverySteps?: number;
  /** Volatility model scaling this model's bands (normalized conformal); plain conformal bands without. */
  volatility?: VolatilitySpec;
}

/** How a model is named in results: its type, with `+<volatility model>` when its bands are scaled. */
export function walkForwardLabel(spec: Pick<WalkForwardModelSpec, 'modelType' | 'volatility'>): string {
  return spec.volatility ? `${spec.modelType}+${spec.volatility.modelType}` : spec.modelType;
}

export interface WalkForwardProgress {
  modelType: string;
  /** The model's label in the results (`type+volatility` for scaled bands). */
  label: string;
  horizonMinutes: number;
  completedOrigins: number;
  totalOrigins: number;
}

export interface RunWalkForwardInput {
  matrix: FeatureMatrix;
  /** Models to evaluate; naive is always added (first) when missing. */
  models: readonly WalkForwardModelSpec[];
  settings: WalkForwardSettings;
  onProgress?: (progress: WalkForwardProgress) => void;
  signal?: AbortSignal;
}

/** The origins every model forecast, shared by all results of one run. */
export interface WalkForwardOrigins {
  index: Int32Array;
  openTimeMs: Float64Array;
  /** Close time of the origin candle: when each forecast was issued. */
  issuedAtMs: Float64Array;
  targetTimeMs: Float64Array;
  lastClose: Float64Array;
  actualClose: Float64Array;
}

export interface WalkForwardModelResult {
  modelType: string;
  /** `modelType`, or `modelType+volatility` when the bands are volatility-scaled; unique within a run. */
  label: string;
  volatility: Required<VolatilitySpec> | null;
  /** Parameters with defaults filled in. */
  params: Record<string, unknown>;
  retrainEverySteps: number;
  /** Forecasts at `origins`, in order. */
  forecasts: EvaluatedForecasts;
  metrics: ForecastMetrics;
  /** The figures the evidence charts draw, from the same forecasts as `metrics`. */
  evidence: ForecastEvidence;
  fits: number;
  /** Refits that failed; the previous model kept forecasting. */
  failedFits: number;
  fitMs: number;
  predictMs: number;
}

export interface WalkForwardResult {
  horizonMinutes: number;
  horizonSteps: number;
  settings: Required<Omit<WalkForwardSettings, 'trainWindowSteps' | 'adaptiveConformalGamma'>> & {
    trainWindowSteps: number | null;
    adaptiveConformalGamma: number | null;
  };
  origins: WalkForwardOrigins;
  /** Candidate origins left out because some model could not forecast there (history still too short). */
  droppedOrigins: number;
  models: WalkForwardModelResult[];
}

/** Thrown when a walk-forward is cancelled through its AbortSignal. */
export class WalkForwardCancelledError extends RunecastError {
  constructor() {
    super('cancelled', 'walk-forward cancelled');
  }
}

interface ModelRun {
  spec: WalkForwardModelSpec;
  volatility: Required<VolatilitySpec> | null;
  params: Record<string, unknown>;
  retrainEverySteps: number;
  logReturn: Float64Array;
  lower80: Float64Array;
  upper80: Float64Array;
  lower95: Float64Array;
  upper95: Float64Array;
  point: Float64Array;
  bandScale: Float64Array;
  crpsQuantiles: Float64Array[];
  fits: number;
  failedFits: number;
  fitMs: number;
  predictMs: number;
}

function checkInteger(name: string, value: number, minimum: number): number {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new ValidationError(`walk-forward ${name} must be an integer >= ${minimum}, got ${value}`);
  }
  return value;
}

function resolveSettings(
  matrix: FeatureMatrix,
  settings: WalkForwardSettings,
): WalkForwardResult['settings'] & {
  horizonSteps: number;
} {
  const horizonSteps = toHorizonSteps(settings.horizonMinutes, matrix.timeframe);
  const lastRow = matrix.rows.length - 1;
  const testStartIndex = checkInteger('testStartIndex', settings.testStartIndex, 1);
  const testEndIndex = checkInteger(
    'testEndIndex',
    settings.testEndIndex ?? lastRow - horizonSteps,
    testStartIndex,
  );
  if (testEndIndex + horizonSteps > lastRow) {
    throw new ValidationError(
      `walk-forward testEndIndex ${testEndIndex} + horizon ${horizonSteps} runs past the data (last row ${lastRow})`,
    );
  }
  const embargoSteps = checkInteger('embargoSteps', settings.embargoSteps ?? horizonSteps, horizonSteps);
  return {
    horizonMinutes: settings.horizonMinutes,
    horizonSteps,
    testStartIndex,
    testEndIndex,
    trainWindowSteps:
      settings.trainWindowSteps === undefined
        ? null
        : checkInteger('trainWindowSteps', settings.trainWindowSteps, 1),
    stepSteps: checkInteger('stepSteps', settings.stepSteps ?? 1, 1),
    retrainEverySteps: checkInteger('retrainEverySteps', settings.retrainEverySteps ?? 168, 1),
    embargoSteps,
    calibrationWindowSize: checkInteger(
      'calibrationWindowSize',
      settings.calibrationWindowSize ?? 1000,
      MIN_CALIBRATION_RESIDUALS,
    ),
    feeRate: settings.feeRate ?? 0.001,
    adaptiveConformalGamma: checkGamma(settings.adaptiveConformalGamma),
  };
}

function checkGamma(gamma: number | undefined): number | null {
  if (gamma === undefined) return null;
  if (!(gamma > 0 && gamma < 1)) {
    throw new ValidationError(`walk-forward adaptiveConformalGamma must be in (0, 1), got ${gamma}`);
  }
  return gamma;
}

/**
 * Rolling-origin evaluation: at every origin (every `stepSteps` candles) each model forecasts from
 * data known at that origin; models are refitted every `retrainEverySteps` candles on the window
 * before the embargo; intervals are calibrated on the model's own matured out-of-sample errors.
 * All models are scored on the same origins, against naive on those origins.
 */
export async function runWalkForward(input: RunWalkForwardInput): Promise<WalkForwardResult> {
  const { matrix } = input;
  const settings = resolveSettings(matrix, input.settings);
  const { horizonSteps } = settings;
  // Plain naive is the reference of every skill score and test, so it is always there.
  const specs = input.models.some((spec) => spec.modelType === 'naive' && !spec.volatility)
    ? [...input.models]
    : [{ modelType: 'naive' }, ...input.models];
  if (new Set(specs.map(walkForwardLabel)).size !== specs.length) {
    throw new ValidationError('walk-forward: each model (with its volatility model) may appear once per run');
  }
  const volatilities = specs.map((spec) => (spec.volatility ? parseVolatilitySpec(spec.volatility) : null));
  // Fail fast on unknown models or bad parameters, before any fitting.
  const resolvedParams = specs.map((spec) => parseForecasterParams(spec.modelType, spec.params));

  const candidates: number[] = [];
  const candidateActual: number[] = [];
  for (let origin = settings.testStartIndex; origin <= settings.testEndIndex; origin += settings.stepSteps) {
    const actual = targetLogReturn(matrix, origin, horizonSteps);
    if (Number.isNaN(actual)) continue;
    candidates.push(origin);
    candidateActual.push(actual);
  }
  if (candidates.length < 2 * MIN_CALIBRATION_RESIDUALS) {
    throw new ValidationError(
      `walk-forward has ${candidates.length} forecast origins with a known target; at least ${2 * MIN_CALIBRATION_RESIDUALS} are needed`,
    );
  }

  const runs: ModelRun[] = [];
  for (let position = 0; position < specs.length; position += 1) {
    runs.push(
      await runModel(
        specs[position]!,
        resolvedParams[position]!,
        volatilities[position]!,
        input,
        settings,
        candidates,
        candidateActual,
      ),
    );
  }

  const kept: number[] = [];
  for (let position = 0; position < candidates.length; position += 1) {
    if (runs.every((run) => Number.isFinite(run.logReturn[position]))) kept.push(position);
  }
  if (kept.length < 2 * MIN_CALIBRATION_RESIDUALS) {
    throw new ValidationError(
      `walk-forward: only ${kept.length} origins were forecast by every model; start the test later or give more history`,
    );
  }
  const pick = (values: ArrayLike<number>): Float64Array =>
    Float64Array.from(kept, (position) => values[position]!);
  const originIndex = Int32Array.from(kept, (position) => candidates[position]!);
  const origins: WalkForwardOrigins = {
    index: originIndex,
    openTimeMs: Float64Array.from(originIndex, (index) => matrix.openTimesMs[index]!),
    issuedAtMs: Float64Array.from(originIndex, (index) => matrix.openTimesMs[index]! + matrix.timeframeMs),
    targetTimeMs: Float64Array.from(
      originIndex,
      (index) => matrix.openTimesMs[index]! + matrix.timeframeMs * (1 + horizonSteps),
    ),
    lastClose: Float64Array.from(originIndex, (index) => matrix.closes[index]!),
    actualClose: Float64Array.from(originIndex, (index) => matrix.closes[index + horizonSteps]!),
  };
  const metricOptions = {
    horizonObservations: Math.ceil(horizonSteps / settings.stepSteps),
    periodsPerYear: YEAR_MS / (settings.stepSteps * matrix.timeframeMs),
    feeRate: settings.feeRate,
  };
  const evaluated = runs.map((run): EvaluatedForecasts => ({
    lastClose: origins.lastClose,
    actualClose: origins.actualClose,
    point: pick(run.point),
    logReturn: pick(run.logReturn),
    lower80: pick(run.lower80),
    upper80: pick(run.upper80),
    lower95: pick(run.lower95),
    upper95: pick(run.upper95),
    crpsQuantiles: run.crpsQuantiles.map(pick),
    bandScale: pick(run.bandScale),
  }));
  const isPlainNaive = (run: ModelRun): boolean => run.spec.modelType === 'naive' && run.volatility === null;
  const benchmark = evaluated[runs.findIndex(isPlainNaive)]!;
  const models = runs.map((run, position): WalkForwardModelResult => {
    const forecasts = evaluated[position]!;
    return {
      modelType: run.spec.modelType,
      label: walkForwardLabel(run.spec),
      volatility: run.volatility,
      params: run.params,
      retrainEverySteps: run.retrainEverySteps,
      forecasts,
      metrics: computeForecastMetrics(forecasts, {
        ...metricOptions,
        isBenchmark: isPlainNaive(run),
        benchmark,
      }),
      evidence: computeForecastEvidence(forecasts, benchmark, {
        targetTimeMs: origins.targetTimeMs,
        feeRate: settings.feeRate,
        periodsPerYear: metricOptions.periodsPerYear,
      }),
      fits: run.fits,
      failedFits: run.failedFits,
      fitMs: run.fitMs,
      predictMs: run.predictMs,
    };
  });
  const { horizonSteps: _omitted, ...reportedSettings } = settings;
  return {
    horizonMinutes: settings.horizonMinutes,
    horizonSteps,
    settings: reportedSettings,
    origins,
    droppedOrigins: candidates.length - kept.length,
    models,
  };
}

async function runModel(
  spec: WalkForwardModelSpec,
  params: Record<string, unknown>,
  volatility: Required<VolatilitySpec> | null,
  input: RunWalkForwardInput,
  settings: ReturnType<typeof resolveSettings>,
  candidates: readonly number[],
  candidateActual: readonly number[],
): Promise<ModelRun> {
  const { matrix } = input;
  const { horizonSteps } = settings;
  const retrainEverySteps = checkInteger(
    `retrainEverySteps of ${spec.modelType}`,
    spec.retrainEverySteps ?? settings.retrainEverySteps,
    1,
  );
  const nan = (): Float64Array => new Float64Array(candidates.length).fill(Number.NaN);
  const run: ModelRun = {
    spec,
    volatility,
    params,
    retrainEverySteps,
    logReturn: nan(),
    point: nan(),
    lower80: nan(),
    upper80: nan(),
    lower95: nan(),
    upper95: nan(),
    bandScale: nan(),
    crpsQuantiles: CRPS_QUANTILE_LEVELS.map(nan),
    fits: 0,
    failedFits: 0,
    fitMs: 0,
    predictMs: 0,
  };
  const pending: {
    targetIndex: number;
    predicted: number;
    actual: number;
    bandScale: number;
    /** Half-widths in log return of the 80% and 95% bands issued. */
    halfWidth80: number;
    halfWidth95: number;
  }[] = [];
  let pendingHead = 0;
  // Adaptive conformal inference: α_t per band, moved as forecasts mature (naive stays plain).
  const gamma = spec.modelType === 'naive' ? null : settings.adaptiveConformalGamma;
  let alpha80 = 0.2;
  let alpha95 = 0.05;
  const residuals: number[] = [];
  let model: BaseForecaster<Record<string, unknown>> | null = null;
  let lastFitOrigin = Number.NEGATIVE_INFINITY;
  const progressEvery = Math.max(1, Math.floor(candidates.length / 100));
  // One pool of helper threads for every refit of this run, ended with it.
  const gradientWorkers = new GradientWorkerPool();
  try {
    for (let position = 0; position < candidates.length; position += 1) {
      const origin = candidates[position]!;
      while (pendingHead < pending.length && pending[pendingHead]!.targetIndex <= origin) {
        const matured = pending[pendingHead]!;
        pendingHead += 1;
        // Divided by the forecast's band scale: with volatility-scaled bands, the conformal window
        // holds normalized errors (1 for plain bands).
        residuals.push(Math.abs(matured.actual - matured.predicted) / matured.bandScale);
        model?.recordOutcome(matured.predicted, matured.actual, matured.bandScale);
        if (gamma !== null) {
          const error = Math.abs(matured.actual - matured.predicted);
          alpha80 = updateAciAlpha(alpha80, error > matured.halfWidth80, { targetAlpha: 0.2, gamma });
          alpha95 = updateAciAlpha(alpha95, error > matured.halfWidth95, { targetAlpha: 0.05, gamma });
        }
      }
      if (model === null || origin - lastFitOrigin >= retrainEverySteps) {
        if (input.signal?.aborted) throw new WalkForwardCancelledError();
        const candidate = createForecaster(spec.modelType, {
          timeframe: matrix.timeframe,
          horizonMinutes: settings.horizonMinutes,
          params,
          calibrationWindowSize: settings.calibrationWindowSize,
          volatility,
        });
        const startedMs = performance.now();
        try {
          await candidate.fit(
            {
              matrix,
              endIndex: origin - settings.embargoSteps + horizonSteps,
              windowSteps: settings.trainWindowSteps ?? undefined,
            },
            residuals.length >= MIN_CALIBRATION_RESIDUALS
              ? { calibrationResiduals: residuals.slice(-settings.calibrationWindowSize), gradientWorkers }
              : { gradientWorkers },
          );
          model?.dispose();
          model = candidate;
          run.fits += 1;
        } catch (error) {
          candidate.dispose();
          if (model === null) {
            throw new ValidationError(
              `walk-forward: ${spec.modelType} could not be fitted at origin ${origin}: ${(error as Error).message}`,
              { modelType: spec.modelType },
            );
          }
          run.failedFits += 1;
        }
        run.fitMs += performance.now() - startedMs;
        lastFitOrigin = origin;
      }
      const context = { matrix, originIndex: origin };
      const startedMs = performance.now();
      if (model.canPredict(context)) {
        const forecast = model.predict(
          context,
          gamma === null ? {} : { coverage: { '80': 1 - alpha80, '95': 1 - alpha95 } },
        );
        run.logReturn[position] = forecast.logReturn;
        run.point[position] = forecast.point;
        run.lower80[position] = forecast.intervals['80'].lower;
        run.upper80[position] = forecast.intervals['80'].upper;
        run.lower95[position] = forecast.intervals['95'].lower;
        run.upper95[position] = forecast.intervals['95'].upper;
        run.bandScale[position] = forecast.bandScale;
        // The CRPS grid: level τ is the lower (τ < ½) or upper end of the central band of coverage |1 − 2τ|.
        for (const [level, quantileLevel] of CRPS_QUANTILE_LEVELS.entries()) {
          const halfWidth = model.bandHalfWidth(Math.abs(1 - 2 * quantileLevel)) * forecast.bandScale;
          run.crpsQuantiles[level]![position] =
            forecast.lastClose *
            Math.exp(forecast.logReturn + (quantileLevel < 0.5 ? -halfWidth : halfWidth));
        }
        pending.push({
          targetIndex: origin + horizonSteps,
          predicted: forecast.logReturn,
          actual: candidateActual[position]!,
          bandScale: forecast.bandScale,
          halfWidth80: Math.log(forecast.intervals['80'].upper / forecast.point),
          halfWidth95: Math.log(forecast.intervals['95'].upper / forecast.point),
        });
      }
      run.predictMs += performance.now() - startedMs;
      if (input.onProgress && ((position + 1) % progressEvery === 0 || position + 1 === candidates.length)) {
        input.onProgress({
          modelType: spec.modelType,
          label: walkForwardLabel(spec),
          horizonMinutes: settings.horizonMinutes,
          completedOrigins: position + 1,
          totalOrigins: candidates.length,
        });
      }
    }
  } finally {
    model?.dispose();
    await gradientWorkers.close();
  }
  return run;
}

/** Row index of the candle opening at `openTimeMs`, or of the first one after it; -1 when none. */
export function rowIndexAtOrAfter(matrix: FeatureMatrix, openTimeMs: number): number {
  let low = 0;
  let high = matrix.openTimesMs.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (matrix.openTimesMs[middle]! < openTimeMs) low = middle + 1;
    else high = middle;
  }
  return low < matrix.openTimesMs.length ? low : -1;
}
