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
  TrainingData,
} from './forecaster.port.ts';
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
    const errors: number[] = [];
    for (let origin = firstCalibrationOrigin; origin <= window.lastOrigin; origin += 1) {
      const actual = targetLogReturn(window.matrix, origin, this.horizonSteps);
      const context = { matrix: window.matrix, originIndex: origin };
      if (Number.isNaN(actual) || this.predictionProblem(context) !== null) continue;
      errors.push(Math.abs(actual - this.predictModel(context)));
    }
    this.releaseModel();
    if (errors.length < MIN_CALIBRATION_RESIDUALS) {
      throw new ValidationError(
        `too little data to calibrate intervals: ${errors.length} held-out forecasts, at least ${MIN_CALIBRATION_RESIDUALS} needed`,
      );
    }
    this.calibrator.reset(errors);
  }

  canPredict(context: ForecastContext): boolean {
    return this.predictionProblem(context) === null;
  }

  predictLogReturn(context: ForecastContext): number {
    if (!this.#fitted) throw new ValidationError(`${this.modelType} forecaster is not fitted`);
    assertForecastContext(context);
    if (context.matrix.timeframe !== this.timeframe) {
      throw new ValidationError(
        `${this.modelType} forecaster was fitted on ${this.timeframe} candles, the context has ${context.matrix.timeframe}`,
      );
    }
    const problem = this.predictionProblem(context);
    if (problem !== null) {
      throw new ValidationError(
        `${this.modelType} cannot forecast at origin ${context.originIndex}: ${problem}`,
      );
    }
    return this.predictModel(context);
  }

  predict(context: ForecastContext): Forecast {
    const logReturn = this.predictLogReturn(context);
    const { matrix, originIndex } = context;
    const lastClose = matrix.closes[originIndex]!;
    const originOpenTimeMs = matrix.openTimesMs[originIndex]!;
    const issuedAtMs = originOpenTimeMs + matrix.timeframeMs;
    const halfWidth80 = this.calibrator.halfWidth(0.8);
    const halfWidth95 = this.calibrator.halfWidth(0.95);
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

  recordOutcome(predictedLogReturn: number, actualLogReturn: number): void {
    this.calibrator.add(Math.abs(actualLogReturn - predictedLogReturn));
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
    };
    return encodeArtifact(artifact);
  }

  /** Rebuilds the fitted state from a decoded artifact (used by `deserializeForecaster`). */
  async restore(artifact: ForecasterArtifact): Promise<void> {
    this.calibrator.reset(artifact.calibration.residuals);
    await this.restoreState(artifact.state, artifact.featureNames);
    this.#featureNames = [...artifact.featureNames];
    this.#fitted = true;
  }

  dispose(): void {
    this.releaseModel();
    this.#fitted = false;
  }
}
