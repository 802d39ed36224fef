import type { Timeframe } from '@runecast/market';
import type { FeatureMatrix } from '../features/feature-matrix.ts';

/** Quantile levels every forecast carries: the 95% and 80% interval bounds and the median. */
export const FORECAST_QUANTILE_LEVELS = [0.025, 0.1, 0.5, 0.9, 0.975] as const;
export type ForecastQuantileLevel = (typeof FORECAST_QUANTILE_LEVELS)[number];

export interface PriceInterval {
  lower: number;
  upper: number;
}

/** One forecast of the close `horizonMinutes` after the close of the origin candle. */
export interface Forecast {
  modelType: string;
  horizonMinutes: number;
  /** Open time of the origin candle, the last candle the forecast knew. */
  originOpenTimeMs: number;
  /** When the forecast was possible: the close of the origin candle. */
  issuedAtMs: number;
  /** When the forecast close is realised: `issuedAtMs + horizonMinutes`. */
  targetTimeMs: number;
  /** Close of the origin candle. */
  lastClose: number;
  /** Forecast log return from `lastClose` to the target close. */
  logReturn: number;
  /** Forecast close. */
  point: number;
  /**
   * What the calibrated band half-widths were multiplied by: the volatility model's forecast scale
   * of the horizon's log return (normalized conformal), or 1 for plain conformal bands.
   */
  bandScale: number;
  /** Price quantiles at the levels of `FORECAST_QUANTILE_LEVELS`, keyed by level as text ("0.025"). */
  quantiles: Record<`${ForecastQuantileLevel}`, number>;
  /** Conformal intervals on price. */
  intervals: { '80': PriceInterval; '95': PriceInterval };
}

/** What a model may see when fitted: rows and candles with index <= `endIndex` of `matrix`. */
export interface TrainingData {
  matrix: FeatureMatrix;
  /** Last candle index the model may use (inclusive); defaults to the last row. */
  endIndex?: number;
  /** At most this many training origins (the most recent ones); defaults to the model's own setting. */
  windowSteps?: number;
}

import type { GradientWorkerPool } from './deep/gradient-worker.ts';

export interface FitOptions {
  /**
   * Out-of-sample absolute log-return errors to calibrate intervals with (most recent last), e.g. the
   * errors of earlier models in a walk-forward; each divided by the band scale of its forecast when
   * the bands are volatility-scaled. Without them the fit holds out the most recent part of
   * the training data, measures its errors out of sample, then refits on everything.
   */
  calibrationResiduals?: ArrayLike<number>;
  /** Share of training origins held out for calibration when no residuals are given (default 0.2). */
  calibrationFraction?: number;
  /**
   * Helper threads models that train in batches may borrow, owned by the caller (a walk-forward
   * lends one pool to all its refits); a fit without it uses its own and ends it.
   */
  gradientWorkers?: GradientWorkerPool;
}

export interface FitSummary {
  trainingOrigins: number;
  calibrationResiduals: number;
  durationMs: number;
}

/**
 * Coverage each band is issued at, by nominal level: the calibrator's quantile at these levels
 * (adaptive conformal inference moves them away from 0.8 and 0.95 as the ledger scores forecasts).
 */
export interface BandCoverage {
  '80': number;
  '95': number;
}

export interface PredictOptions {
  /** Default: the nominal levels, 0.8 and 0.95. */
  coverage?: BandCoverage;
}

/** Forecast made at the close of candle `originIndex` of `matrix`, from data up to it only. */
export interface ForecastContext {
  matrix: FeatureMatrix;
  originIndex: number;
}

/**
 * A forecasting model for one series timeframe and one horizon. Targets are log returns over the
 * horizon, turned back into prices; intervals come from conformal calibration on out-of-sample errors.
 */
export interface Forecaster {
  readonly modelType: string;
  readonly timeframe: Timeframe;
  readonly horizonMinutes: number;
  /** Horizon in candles of the timeframe. */
  readonly horizonSteps: number;
  /** Validated parameters, defaults filled in. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Feature columns the model reads, in order; empty for models that read only prices. */
  readonly featureNames: readonly string[];
  /** True once fitted (or restored). */
  readonly isFitted: boolean;
  fit(training: TrainingData, options?: FitOptions): Promise<FitSummary>;
  /** False when the context lacks what this model needs (history too short, a feature still warming up). */
  canPredict(context: ForecastContext): boolean;
  /** Point forecast of the log return only; cheaper than `predict`. */
  predictLogReturn(context: ForecastContext): number;
  predict(context: ForecastContext, options?: PredictOptions): Forecast;
  /** Adds a matured out-of-sample error (divided by the forecast's `bandScale`) to the rolling conformal window. */
  recordOutcome(predictedLogReturn: number, actualLogReturn: number, bandScale?: number): void;
  /** Absolute log-return errors currently used for the intervals, oldest first. */
  calibrationResiduals(): Float64Array;
  /** Artifact bytes: parameters, fitted state, feature list, scaler and calibration. */
  serialize(): Uint8Array;
  /** Frees memory held outside the JavaScript heap (WebAssembly models); the forecaster is unusable after. */
  dispose(): void;
}
