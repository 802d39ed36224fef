import type { z } from 'zod';
import type { FeatureMatrix } from '../../features/feature-matrix.ts';
import type { ForecastContext } from '../forecaster.port.ts';

/** What a volatility model may see when fitted: candles with index <= `endIndex` of `matrix`. */
export interface VolatilityTrainingData {
  matrix: FeatureMatrix;
  endIndex: number;
}

/**
 * A forecast of how much the log price will move over one horizon, made from candles up to the
 * origin only. Bands are scaled by it (normalized conformal), so only its ups and downs matter,
 * not its level.
 */
export interface VolatilityModel {
  readonly modelType: string;
  /** Horizon in candles. */
  readonly horizonSteps: number;
  /** Validated parameters, defaults filled in. */
  readonly params: Readonly<Record<string, unknown>>;
  fit(training: VolatilityTrainingData): void;
  /** Why this origin cannot be forecast (history too short), or null when it can. */
  predictionProblem(context: ForecastContext): string | null;
  /** Forecast standard deviation of the log return from the origin close to the close `horizonSteps` later. */
  predictScale(context: ForecastContext): number;
  serializeState(): unknown;
  restoreState(state: unknown): void;
}

/** A volatility model type the registry knows. */
export interface VolatilityModelDefinition<Params extends Record<string, unknown> = Record<string, unknown>> {
  /** Stable id: `ewma`, `har`, `garch`. */
  modelType: string;
  description: string;
  paramsSchema: z.ZodType<Params>;
  create(horizonSteps: number, params: Params): VolatilityModel;
}
