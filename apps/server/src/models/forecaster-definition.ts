import type { z } from 'zod';
import type { BaseForecaster, ForecasterSettings } from './base.forecaster.ts';
import type { ParameterSpace } from './parameter-space.ts';
import type { VolatilitySpec } from './volatility/volatility.registry.ts';

/** A model type the registry knows: how to validate its parameters, build it and tune it. */
export interface ForecasterDefinition<Params extends Record<string, unknown> = Record<string, unknown>> {
  /** Stable id: `naive`, `drift`, `seasonal-naive`, `arima`, `ridge`, `rf`, `svr`, … */
  modelType: string;
  description: string;
  /** True when the model reads feature rows, false when it reads only closes. */
  usesFeatures: boolean;
  /** Validates raw parameters and fills defaults; unknown keys are rejected. */
  paramsSchema: z.ZodType<Params>;
  /** Hyperparameters random search may vary (empty for models without any). */
  parameterSpace: ParameterSpace;
  create(settings: ForecasterSettings, params: Params): BaseForecaster<Params>;
  /** The volatility model these parameters build in, for models whose bands are always scaled. */
  volatilityOf?(params: Params): VolatilitySpec;
}
