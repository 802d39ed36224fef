import { z } from 'zod';
import { BaseForecaster } from './base.forecaster.ts';
import type { ForecasterDefinition } from './forecaster-definition.ts';

const naiveParamsSchema = z.object({}).strict();
export type NaiveParams = z.infer<typeof naiveParamsSchema>;

/** The last close is the forecast: the benchmark every other model is measured against. */
export class NaiveForecaster<
  Params extends Record<string, unknown> = NaiveParams,
> extends BaseForecaster<Params> {
  protected defaultTrainingWindowSteps(): number {
    // Nothing is learnt; the window only feeds the held-out calibration.
    return 1000;
  }

  protected async fitModel(): Promise<string[]> {
    return [];
  }

  protected predictionProblem(): string | null {
    return null;
  }

  protected predictModel(): number {
    return 0;
  }

  protected serializeState(): unknown {
    return {};
  }

  protected async restoreState(): Promise<void> {}
}

export const naiveForecasterDefinition: ForecasterDefinition<NaiveParams> = {
  modelType: 'naive',
  description: 'Last close (random walk); the benchmark for every other model',
  usesFeatures: false,
  paramsSchema: naiveParamsSchema,
  parameterSpace: {},
  create: (settings, params) => new NaiveForecaster('naive', settings, params),
};

const naiveVolatilityParamsSchema = z
  .object({
    /** Volatility model that scales the bands: `har` (range-based), `ewma` or `garch`. */
    volatilityModel: z.enum(['ewma', 'har', 'garch']).default('har'),
    /** Parameters of that volatility model (its defaults when empty). */
    volatilityParams: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type NaiveVolatilityParams = z.infer<typeof naiveVolatilityParamsSchema>;

/**
 * The last close with volatility-scaled (normalized conformal) bands: the same point forecast as
 * naive, with bands narrow in calm markets and wide in wild ones. Needs no training of its own
 * beyond the volatility model's.
 */
export const naiveVolatilityForecasterDefinition: ForecasterDefinition<NaiveVolatilityParams> = {
  modelType: 'naive-volatility',
  description:
    'Last close with bands scaled by a volatility forecast (HAR on range-based variance by default)',
  usesFeatures: false,
  paramsSchema: naiveVolatilityParamsSchema,
  parameterSpace: {},
  create: (settings, params) =>
    new NaiveForecaster(
      'naive-volatility',
      { ...settings, volatility: naiveVolatilityForecasterDefinition.volatilityOf!(params) },
      params,
    ),
  volatilityOf: (params) => ({ modelType: params.volatilityModel, params: params.volatilityParams }),
};

/** Model types whose point forecast is the last close (exempt from the beat-naive test). */
export const NAIVE_POINT_MODEL_TYPES: readonly string[] = ['naive', 'naive-volatility'];
