import { horizonSteps, type Timeframe, ValidationError } from '@runecast/market';
import { ConformalCalibrator, MIN_CALIBRATION_RESIDUALS } from './conformal-calibrator.ts';
import {
  ARTIFACT_FORMAT,
  ARTIFACT_VERSION,
  encodeArtifact,
  type ForecasterArtifact,
} from './forecaster-artifact.ts';
import type {
  FitOptions,
  FitSummary,
  Forecast,
  ForecastContext,
  Forecaster,
  PredictOptions,
  TrainingData,
} from './forecaster.port.ts';
import {
  createVolatilityModel,
  parseVolatilitySpec,
  type VolatilitySpec,
} from './volatility/volatility.registry.ts';
import type { VolatilityModel } from './volatility/volatility-model.port.ts';
import {
  assertForecastContext,
  resolveTrainingWindow,
  targetLogReturn,
  type TrainingWindow,
} from './training-window.ts';

export interface ForecasterSettings {
  timeframe: Timeframe;
  horizonMinutes: number;
  /** Most recent out-of-sample errors kept for the intervals (default 1000). */
  calibrationWindowSize?: number;
  /**
   * A volatility model that scales the bands (normalized conformal): errors are calibrated divided
   * by its forecast scale and the bands multiplied back by it. Plain conformal bands without one.
   */
  volatility?: VolatilitySpec | null;
}

export const DEFAULT_CALIBRATION_FRACTION = 0.2;

/**
 * What every forecaster shares: horizon checks, the training window, conformal calibration and the
 * artifact envelope. A model supplies fitting, the point forecast and its own state.
 */
export abstract class BaseForecaster<Params extends Record<string, unknown>> implements Forecaster {
  readonly timeframe: Timeframe;
  readonly horizonMinutes: number;
  readonly horizonSteps: number;
  protected readonly calibrator: ConformalCalibrator;
  /** Scales the bands when set; its spec as validated. */
  readonly volatility: VolatilityModel | null;
  readonly volatilitySpec: Required<VolatilitySpec> | null;
  #scaleCache: { matrix: ForecastContext['matrix']; originIndex: number; scale: number } | null = null;
  #featureNames: string[] = [];
  #fitted = false;

  constructor(
    readonly modelType: string,
    settings: ForecasterSettings,
    readonly params: Readonly<Params>,
  ) {
    this.timeframe = settings.timeframe;
    this.horizonMinutes = settings.horizonMinutes;
    this.horizonSteps = horizonSteps(settings.horizonMinutes, settings.timeframe);
    this.calibrator = new ConformalCalibrator(settings.calibrationWindowSize ?? 1000);
    this.volatilitySpec = settings.volatility ? parseVolatilitySpec(settings.volatility) : null;
    this.volatility = this.volatilitySpec
      ? createVolatilityModel(this.volatilitySpec, this.horizonSteps)
      : null;
  }

  get featureNames(): readonly string[] {
    return this.#featureNames;
  }

  get isFitted(): boolean {
    return this.#fitted;
  }

  /** Training origins used when the caller sets no window. */
  protected abstract defaultTrainingWindowSteps(): number;
  /** Fits on the window and returns the feature columns the model reads. */
  protected abstract fitModel(window: TrainingWindow): Promise<string[]>;
  /** Why this context cannot be forecast, or null when it can. */
  protected abstract predictionProblem(context: ForecastContext): string | null;
  protected abstract predictModel(context: ForecastContext): number;
  protected abstract serializeState(): unknown;
  protected abstract restoreState(state: unknown, featureNames: readonly string[]): Promise<void>;
  /** Frees a fitted model's memory outside the JavaScript heap, if any. */
  protected releaseModel(): void {}

  async fit(training: TrainingData, options: FitOptions = {}): Promise<FitSummary> {
    const startedMs = performance.now();
    const window = resolveTrainingWindow(training, this.horizonSteps, this.defaultTrainingWindowSteps());
    if (options.calibrationResiduals !== undefined) {
      if (options.calibrationResiduals.length < MIN_CALIBRATION_RESIDUALS) {
        throw new ValidationError(
          `calibrationResiduals holds ${options.calibrationResiduals.length} errors; at least ${MIN_CALIBRATION_RESIDUALS} are needed`,
        );
      }
      this.calibrator.reset(options.calibrationResiduals);
    } else {
      await this.#calibrateOnHeldOutTail(window, options.calibrationFraction ?? DEFAULT_CALIBRATION_FRACTION);
    }
    this.#featureNames = await this.fitModel(window);
    this.volatility?.fit({ matrix: window.matrix, endIndex: window.endIndex });
    this.#scaleCache = null;
    this.#fitted = true;
    return {
      trainingOrigins: window.lastOrigin - window.firstOrigin + 1,
      calibrationResiduals: this.calibrator.size,
      durationMs: performance.now() - startedMs,
    };
  }

  /**
   * Split conformal: a first model trained only on data known at the start of the held-out tail
   * forecasts every origin of the tail; its absolute errors are genuinely out of sample.
   */
  async #calibrateOnHeldOutTail(window: TrainingWindow, fraction: number): Promise<void> {
    if (!(fraction > 0 && fraction < 1)) {
      throw new ValidationError(`calibrationFraction must be in (0, 1), got ${fraction}`);
    }
    const origins = window.lastOrigin - window.firstOrigin + 1;
    const firstCalibrationOrigin = window.lastOrigin - Math.floor(origins * fraction) + 1;
    const preFitOrigins = firstCalibrationOrigin - this.horizonSteps - window.firstOrigin + 1;
    if (preFitOrigins < 1 || firstCalibrationOrigin > window.lastOrigin) {
      throw new ValidationError(
        `too little data to calibrate intervals: ${origins} training origins for a horizon of ${this.horizonSteps} candles`,
      );
    }
    const preWindow = resolveTrainingWindow(
      { matrix: window.matrix, endIndex: firstCalibrationOrigin, windowSteps: preFitOrigins },
      this.horizonSteps,
      preFitOrigins,
    );
    await this.fitModel(preWindow);
    this.volatility?.fit({ matrix: window.matrix, endIndex: preWindow.endIndex });
    this.#scaleCache = null;
    const errors: number[] = [];
    for (let origin = firstCalibrationOrigin; origin <= window.lastOrigin; origin += 1) {
      const actual = targetLogReturn(window.matrix, origin, this.horizonSteps);
      const context = { matrix: window.matrix, originIndex: origin };
      if (Number.isNaN(actual) || this.#problem(context) !== null) continue;
      errors.push(Math.abs(actual - this.predictModel(context)) / this.bandScale(context));
    }
    this.releaseModel();
    if (errors.length < MIN_CALIBRATION_RESIDUALS) {
      throw new ValidationError(
        `too little data to calibrate intervals: ${errors.length} held-out forecasts, at least ${MIN_CALIBRATION_RESIDUALS} needed`,
      );
    }
    this.calibrator.reset(errors);
  }

  /** The model's own problem with this context, then the volatility model's. */
  #problem(context: ForecastContext): string | null {
    const problem = this.predictionProblem(context);
    if (problem !== null || this.volatility === null) return problem;
    const volatilityProblem = this.volatility.predictionProblem(context);
    if (volatilityProblem !== null) return volatilityProblem;
    const scale = this.bandScale(context);
    return scale > 0 && Number.isFinite(scale)
      ? null
      : `the ${this.volatility.modelType} volatility forecast is ${scale}`;
  }

  /**
   * What the bands are multiplied by at this origin: the volatility model's forecast scale of the
   * horizon's log return, or 1 for plain conformal bands.
   */
  bandScale(context: ForecastContext): number {
    if (this.volatility === null) return 1;
    const cached = this.#scaleCache;
    if (cached !== null && cached.matrix === context.matrix && cached.originIndex === context.originIndex) {
      return cached.scale;
    }
    const scale = this.volatility.predictScale(context);
    this.#scaleCache = { matrix: context.matrix, originIndex: context.originIndex, scale };
    return scale;
  }

  /** Half-width of the central interval with this coverage before scaling (in log return for plain bands). */
  bandHalfWidth(coverage: number): number {
    return this.calibrator.halfWidth(coverage);
  }

  canPredict(context: ForecastContext): boolean {
    return this.#problem(context) === null;
  }

  predictLogReturn(context: ForecastContext): number {
    if (!this.#fitted) throw new ValidationError(`${this.modelType} forecaster is not fitted`);
    assertForecastContext(context);
    if (context.matrix.timeframe !== this.timeframe) {
      throw new ValidationError(
        `${this.modelType} forecaster was fitted on ${this.timeframe} candles, the context has ${context.matrix.timeframe}`,
      );
    }
    const problem = this.#problem(context);
    if (problem !== null) {
      throw new ValidationError(
        `${this.modelType} cannot forecast at origin ${context.originIndex}: ${problem}`,
      );
    }
    return this.predictModel(context);
  }

  predict(context: ForecastContext, options: PredictOptions = {}): Forecast {
    const coverage = options.coverage ?? { '80': 0.8, '95': 0.95 };
    const logReturn = this.predictLogReturn(context);
    const { matrix, originIndex } = context;
    const lastClose = matrix.closes[originIndex]!;
    const originOpenTimeMs = matrix.openTimesMs[originIndex]!;
    const issuedAtMs = originOpenTimeMs + matrix.timeframeMs;
    const bandScale = this.bandScale(context);
    const halfWidth80 = this.calibrator.halfWidth(coverage['80']) * bandScale;
    // Adapted levels can cross (the 80% band's α driven low, the 95% band's high); the 95% band
    // never ends up narrower than the 80% one.
    const halfWidth95 = Math.max(halfWidth80, this.calibrator.halfWidth(coverage['95']) * bandScale);
    const price = (offset: number): number => lastClose * Math.exp(logReturn + offset);
    const point = price(0);
    return {
      modelType: this.modelType,
      horizonMinutes: this.horizonMinutes,
      originOpenTimeMs,
      issuedAtMs,
      targetTimeMs: issuedAtMs + this.horizonMinutes * 60_000,
      lastClose,
      logReturn,
      point,
      bandScale,
      quantiles: {
        '0.025': price(-halfWidth95),
        '0.1': price(-halfWidth80),
        '0.5': point,
        '0.9': price(halfWidth80),
        '0.975': price(halfWidth95),
      },
      intervals: {
        '80': { lower: price(-halfWidth80), upper: price(halfWidth80) },
        '95': { lower: price(-halfWidth95), upper: price(halfWidth95) },
      },
    };
  }

  recordOutcome(predictedLogReturn: number, actualLogReturn: number, bandScale = 1): void {
    this.calibrator.add(Math.abs(actualLogReturn - predictedLogReturn) / bandScale);
  }

  calibrationResiduals(): Float64Array {
    return this.calibrator.residuals();
  }

  serialize(): Uint8Array {
    if (!this.#fitted)
      throw new ValidationError(`${this.modelType} forecaster is not fitted; nothing to serialize`);
    const artifact: ForecasterArtifact = {
      format: ARTIFACT_FORMAT,
      version: ARTIFACT_VERSION,
      modelType: this.modelType,
      timeframe: this.timeframe,
      horizonMinutes: this.horizonMinutes,
      params: { ...this.params },
      featureNames: [...this.#featureNames],
      calibration: {
        windowSize: this.calibrator.windowSize,
        residuals: Array.from(this.calibrator.residuals()),
      },
      state: this.serializeState(),
      ...(this.volatility === null || this.volatilitySpec === null
        ? {}
        : {
            volatility: {
              modelType: this.volatilitySpec.modelType,
              params: { ...this.volatilitySpec.params },
              state: this.volatility.serializeState(),
            },
          }),
    };
    return encodeArtifact(artifact);
  }

  /** Rebuilds the fitted state from a decoded artifact (used by `deserializeForecaster`). */
  async restore(artifact: ForecasterArtifact): Promise<void> {
    this.calibrator.reset(artifact.calibration.residuals);
    await this.restoreState(artifact.state, artifact.featureNames);
    if (this.volatility !== null) {
      if (!artifact.volatility) {
        throw new ValidationError(`${this.modelType} artifact lacks the state of its volatility model`);
      }
      this.volatility.restoreState(artifact.volatility.state);
    }
    this.#scaleCache = null;
    this.#featureNames = [...artifact.featureNames];
    this.#fitted = true;
  }

  dispose(): void {
    this.releaseModel();
    this.#fitted = false;
  }
}
