import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { z } from 'zod';
import { ValidationError } from '@runecast/market';
import { StandardScaler, type TrainingSet } from './feature-columns.ts';
import { FeatureModelForecaster } from './feature-model.forecaster.ts';
import type { ForecasterDefinition } from './forecaster-definition.ts';

const ridgeParamsSchema = z
  .object({
    /** L2 penalty on standardised coefficients; the sum of squares it is added to grows with the row count. */
    // Defaults: the best of a random search (RMSE, walk-forward) on BTC/USDT 1h over the 3,000 hours
    // before 2020-10-01, i.e. before the year the documented backtest evaluates.
    lambda: z.number().nonnegative().default(100_000),
    trainingWindowSteps: z.number().int().min(50).default(4320),
    featureNames: z.array(z.string()).optional(),
  })
  .strict();
export type RidgeParams = z.infer<typeof ridgeParamsSchema>;

const ridgeStateSchema = z
  .object({
    means: z.array(z.number()),
    deviations: z.array(z.number()),
    coefficients: z.array(z.number()),
    intercept: z.number(),
  })
  .strict();

/** Ridge regression in closed form, (ZᵀZ + λI)β = Zᵀ(y − ȳ), on standardised features Z. */
export class RidgeForecaster extends FeatureModelForecaster<RidgeParams> {
  #scaler: StandardScaler | null = null;
  #coefficients = new Float64Array(0);
  #intercept = 0;

  protected async fitOnTrainingSet({ features, targets }: TrainingSet): Promise<void> {
    const scaler = StandardScaler.fit(features);
    const { means, deviations } = scaler;
    const width = means.length;
    let targetMean = 0;
    for (const target of targets) targetMean += target;
    targetMean /= targets.length;
    // ZᵀZ and Zᵀ(y − ȳ) summed row by row, so no standardised copy of the rows is made; ml-matrix
    // solves the small system. Building ml-matrix's design matrix instead allocated three arrays
    // per training row on every refit of a walk-forward.
    const gram = new Float64Array(width * width);
    const moments = new Float64Array(width);
    const scaled = new Float64Array(width);
    for (let row = 0; row < features.length; row += 1) {
      const values = features[row]!;
      const centred = targets[row]! - targetMean;
      for (let column = 0; column < width; column += 1) {
        const value = (values[column]! - means[column]!) / deviations[column]!;
        scaled[column] = value;
        moments[column]! += value * centred;
        const offset = column * width;
        for (let other = 0; other <= column; other += 1) gram[offset + other]! += value * scaled[other]!;
      }
    }
    const system = new Matrix(width, width);
    for (let column = 0; column < width; column += 1) {
      for (let other = 0; other <= column; other += 1) {
        const sum = gram[column * width + other]!;
        system.set(column, other, sum);
        system.set(other, column, sum);
      }
      system.set(column, column, system.get(column, column) + this.params.lambda);
    }
    const decomposition = new CholeskyDecomposition(system);
    if (!decomposition.isPositiveDefinite()) {
      throw new ValidationError(
        'ridge: the regularised normal equations are singular; raise lambda or drop constant features',
      );
    }
    this.#coefficients = Float64Array.from(decomposition.solve(Matrix.columnVector(moments)).getColumn(0));
    this.#intercept = targetMean;
    this.#scaler = scaler;
  }

  protected predictFeatures(features: Float64Array): number {
    const { means, deviations } = this.#scaler!;
    let sum = this.#intercept;
    for (let index = 0; index < features.length; index += 1) {
      sum += ((features[index]! - means[index]!) / deviations[index]!) * this.#coefficients[index]!;
    }
    return sum;
  }

  protected serializeState(): unknown {
    return {
      ...this.#scaler!.toJSON(),
      coefficients: Array.from(this.#coefficients),
      intercept: this.#intercept,
    };
  }

  protected async restoreModelState(state: unknown, featureCount: number): Promise<void> {
    const parsed = ridgeStateSchema.parse(state);
    if (parsed.coefficients.length !== featureCount || parsed.means.length !== featureCount) {
      throw new ValidationError(
        `ridge artifact has ${parsed.coefficients.length} coefficients for ${featureCount} features`,
      );
    }
    this.#scaler = StandardScaler.fromJSON(parsed);
    this.#coefficients = Float64Array.from(parsed.coefficients);
    this.#intercept = parsed.intercept;
  }
}

export const ridgeForecasterDefinition: ForecasterDefinition<RidgeParams> = {
  modelType: 'ridge',
  description: 'Ridge regression on standardised features (closed form, ml-matrix)',
  usesFeatures: true,
  paramsSchema: ridgeParamsSchema,
  parameterSpace: {
    lambda: { kind: 'log-uniform', min: 1, max: 1e6 },
    trainingWindowSteps: { kind: 'integer', min: 720, max: 8760 },
  },
  create: (settings, params) => new RidgeForecaster('ridge', settings, params),
};
