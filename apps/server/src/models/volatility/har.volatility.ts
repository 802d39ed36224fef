import { z } from 'zod';
import { ValidationError } from '@runecast/market';
import type { FeatureMatrix } from '../../features/feature-matrix.ts';
import type { ForecastContext } from '../forecaster.port.ts';
import { leastSquares } from './least-squares.ts';
import { RANGE_VARIANCE_ESTIMATORS, rangeVarianceSums } from './range-variance.ts';
import type {
  VolatilityModel,
  VolatilityModelDefinition,
  VolatilityTrainingData,
} from './volatility-model.port.ts';

const harParamsSchema = z
  .object({
    /** Per-candle variance from the candle's range: Parkinson (high/low) or Garman–Klass (OHLC). */
    estimator: z.enum(RANGE_VARIANCE_ESTIMATORS).default('parkinson'),
    /**
     * Lengths of the averaging windows, in horizons: Corsi's day / week / month of 1, 5 and 22
     * periods, with the forecast horizon as the period.
     */
    windowHorizons: z.array(z.int().min(1).max(1000)).min(1).max(6).default([1, 5, 22]),
    /** Training origins of the regression (most recent ones). */
    trainingWindowSteps: z.int().min(100).max(1_000_000).default(4320),
  })
  .strict();
export type HarParams = z.infer<typeof harParamsSchema>;

const harStateSchema = z
  .object({ coefficients: z.array(z.number()).min(2), floorVariance: z.number().positive() })
  .strict();

/**
 * HAR (Corsi 2009) on range-based variance, in logs: the log of the mean per-candle variance over
 * the next horizon is regressed on the logs of its means over the last 1, 5 and 22 horizons. Log
 * variance keeps the forecast positive and tames the spikes of single candles.
 */
export class HarVolatility implements VolatilityModel {
  readonly modelType = 'har';
  #coefficients: Float64Array | null = null;
  /** Smallest positive window mean seen in training; zero-range stretches (no trades) are lifted to it. */
  #floorVariance = Number.NaN;

  constructor(
    readonly horizonSteps: number,
    readonly params: Readonly<HarParams>,
  ) {}

  get longestWindowSteps(): number {
    return Math.max(...this.params.windowHorizons) * this.horizonSteps;
  }

  #windowMean(sums: Float64Array, endIndex: number, steps: number): number {
    return (sums[endIndex + 1]! - sums[endIndex + 1 - steps]!) / steps;
  }

  #regressors(matrix: FeatureMatrix, originIndex: number, floor: number): Float64Array {
    const sums = rangeVarianceSums(matrix, this.params.estimator);
    const row = new Float64Array(this.params.windowHorizons.length + 1);
    row[0] = 1;
    for (const [position, horizons] of this.params.windowHorizons.entries()) {
      const mean = this.#windowMean(sums, originIndex, horizons * this.horizonSteps);
      row[position + 1] = Math.log(Math.max(mean, floor));
    }
    return row;
  }

  fit({ matrix, endIndex }: VolatilityTrainingData): void {
    const sums = rangeVarianceSums(matrix, this.params.estimator);
    const lastOrigin = endIndex - this.horizonSteps;
    const firstOrigin = Math.max(
      this.longestWindowSteps - 1,
      lastOrigin - this.params.trainingWindowSteps + 1,
    );
    let floor = Number.POSITIVE_INFINITY;
    const origins: number[] = [];
    const targets: number[] = [];
    for (let origin = firstOrigin; origin <= lastOrigin; origin += 1) {
      const future = this.#windowMean(sums, origin + this.horizonSteps, this.horizonSteps);
      let usable = future > 0;
      for (const horizons of this.params.windowHorizons) {
        const mean = this.#windowMean(sums, origin, horizons * this.horizonSteps);
        if (mean > 0) floor = Math.min(floor, mean);
        else usable = false;
      }
      // Stretches without any range (outages, no trades) are not variance the model should learn.
      if (!usable) continue;
      origins.push(origin);
      targets.push(Math.log(future));
    }
    const width = this.params.windowHorizons.length + 1;
    if (origins.length < 10 * width) {
      throw new ValidationError(
        `HAR volatility: ${origins.length} usable training origins, at least ${10 * width} needed`,
      );
    }
    this.#floorVariance = floor;
    this.#coefficients = leastSquares(
      origins.map((origin) => this.#regressors(matrix, origin, floor)),
      targets,
    );
  }

  predictionProblem(context: ForecastContext): string | null {
    return context.originIndex + 1 < this.longestWindowSteps
      ? `HAR volatility needs ${this.longestWindowSteps} candles up to the origin`
      : null;
  }

  predictScale(context: ForecastContext): number {
    const coefficients = this.#coefficients;
    if (coefficients === null) throw new ValidationError('HAR volatility is not fitted');
    const row = this.#regressors(context.matrix, context.originIndex, this.#floorVariance);
    let logVariance = 0;
    for (let index = 0; index < row.length; index += 1) logVariance += coefficients[index]! * row[index]!;
    return Math.sqrt(this.horizonSteps * Math.exp(logVariance));
  }

  serializeState(): unknown {
    if (this.#coefficients === null) throw new ValidationError('HAR volatility is not fitted');
    return { coefficients: Array.from(this.#coefficients), floorVariance: this.#floorVariance };
  }

  restoreState(state: unknown): void {
    const parsed = harStateSchema.parse(state);
    if (parsed.coefficients.length !== this.params.windowHorizons.length + 1) {
      throw new ValidationError('HAR volatility state does not match its windows');
    }
    this.#coefficients = Float64Array.from(parsed.coefficients);
    this.#floorVariance = parsed.floorVariance;
  }
}

export const harVolatilityDefinition: VolatilityModelDefinition<HarParams> = {
  modelType: 'har',
  description:
    'HAR regression of log range-based (Parkinson or Garman–Klass) variance over 1, 5 and 22 horizons',
  paramsSchema: harParamsSchema,
  create: (horizonSteps, params) => new HarVolatility(horizonSteps, params),
};
