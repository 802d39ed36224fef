import { z } from 'zod';
import { ValidationError } from '@runecast/market';
import { BaseForecaster } from './base.forecaster.ts';
import type { ForecasterDefinition } from './forecaster-definition.ts';
import type { ForecastContext } from './forecaster.port.ts';
import {
  fitSmoothingAlpha,
  linearTrendSlope,
  smoothLevel,
  thetaForecast,
} from './smoothing/exponential-smoothing.ts';
import type { TrainingWindow } from './training-window.ts';

const smoothingParamsSchema = z
  .object({
    /** Log closes the smoothing weight (and Theta's trend) is fitted on, and the level is run over. */
    trainingWindowSteps: z.number().int().min(10).max(20_000).default(720),
  })
  .strict();
export type SmoothingParams = z.infer<typeof smoothingParamsSchema>;

const smoothingStateSchema = z
  .object({ alpha: z.number().min(0).max(1), halfSlope: z.number().finite() })
  .strict();

/** The log closes of the `count` candles ending at `endIndex`. */
function logCloses(closes: Float64Array, endIndex: number, count: number): Float64Array {
  const first = Math.max(0, endIndex - count + 1);
  const values = new Float64Array(endIndex - first + 1);
  for (let index = first; index <= endIndex; index += 1) values[index - first] = Math.log(closes[index]!);
  return values;
}

/**
 * Exponential smoothing on log closes. `ses` forecasts the smoothed level (flat); `theta` adds the
 * Theta method's drift, half the slope of the linear trend of the training window. The weight α and
 * the drift are fitted once per fit; the level is run over the window ending at each origin, so a
 * forecast reads only closes known at the origin.
 */
export class ExponentialSmoothingForecaster extends BaseForecaster<SmoothingParams> {
  #alpha = Number.NaN;
  #halfSlope = 0;

  protected defaultTrainingWindowSteps(): number {
    return this.params.trainingWindowSteps;
  }

  protected async fitModel(window: TrainingWindow): Promise<string[]> {
    const values = logCloses(window.matrix.closes, window.endIndex, this.params.trainingWindowSteps);
    if (values.length < 3) throw new ValidationError(`${this.modelType} needs at least three candles to fit`);
    this.#alpha = fitSmoothingAlpha(values);
    this.#halfSlope = this.modelType === 'theta' ? linearTrendSlope(values) / 2 : 0;
    return [];
  }

  protected predictionProblem(context: ForecastContext): string | null {
    return context.originIndex < 2 ? 'needs three candles up to the origin' : null;
  }

  protected predictModel(context: ForecastContext): number {
    const { closes } = context.matrix;
    const values = logCloses(closes, context.originIndex, this.params.trainingWindowSteps);
    const { level } = smoothLevel(values, this.#alpha);
    const forecast =
      this.modelType === 'theta'
        ? thetaForecast(level, this.#alpha, this.#halfSlope, values.length, this.horizonSteps)
        : level;
    return forecast - values[values.length - 1]!;
  }

  protected serializeState(): unknown {
    return { alpha: this.#alpha, halfSlope: this.#halfSlope };
  }

  protected async restoreState(state: unknown): Promise<void> {
    const parsed = smoothingStateSchema.parse(state);
    this.#alpha = parsed.alpha;
    this.#halfSlope = parsed.halfSlope;
  }
}

export const sesForecasterDefinition: ForecasterDefinition<SmoothingParams> = {
  modelType: 'ses',
  description: 'Simple exponential smoothing of log closes, weight fitted by least squares',
  usesFeatures: false,
  paramsSchema: smoothingParamsSchema,
  parameterSpace: { trainingWindowSteps: { kind: 'integer', min: 168, max: 8760 } },
  create: (settings, params) => new ExponentialSmoothingForecaster('ses', settings, params),
};

export const thetaForecasterDefinition: ForecasterDefinition<SmoothingParams> = {
  modelType: 'theta',
  description: 'Theta method: exponential smoothing of log closes with half the linear trend as drift',
  usesFeatures: false,
  paramsSchema: smoothingParamsSchema,
  parameterSpace: { trainingWindowSteps: { kind: 'integer', min: 168, max: 8760 } },
  create: (settings, params) => new ExponentialSmoothingForecaster('theta', settings, params),
};
