import { z } from 'zod';
import { ValidationError } from '@runecast/market';
import { StandardScaler, type TrainingSet } from './feature-columns.ts';
import { FeatureModelForecaster } from './feature-model.forecaster.ts';
import type { ForecasterDefinition } from './forecaster-definition.ts';
import { loadLibsvm, type LibsvmModel, type LibsvmModule } from './libsvm.loader.ts';

const svrParamsSchema = z
  .object({
    kernel: z.enum(['rbf', 'linear']).default('rbf'),
    // Defaults: the best of a random search (RMSE, walk-forward) on BTC/USDT 1h over the 3,000 hours
    // before 2020-10-01, i.e. before the year the documented backtest evaluates.
    cost: z.number().positive().default(0.01),
    /** Width of the no-penalty tube, in standard deviations of the target. */
    epsilon: z.number().nonnegative().default(0.15),
    /** RBF width; absent means 1 / number of features. */
    gamma: z.number().positive().optional(),
    trainingWindowSteps: z.number().int().min(50).default(2000),
    featureNames: z.array(z.string()).optional(),
  })
  .strict();
export type SvrParams = z.infer<typeof svrParamsSchema>;

const svrStateSchema = z
  .object({
    means: z.array(z.number()),
    deviations: z.array(z.number()),
    targetMean: z.number(),
    targetDeviation: z.number().positive(),
    libsvmModel: z.string().min(1),
  })
  .strict();

/** Epsilon support vector regression (libsvm-js) on standardised features and a standardised target. */
export class SvrForecaster extends FeatureModelForecaster<SvrParams> {
  #libsvm: LibsvmModule | null = null;
  #model: LibsvmModel | null = null;
  #serializedModel = '';
  #scaler: StandardScaler | null = null;
  #targetMean = 0;
  #targetDeviation = 1;

  protected async fitOnTrainingSet({ features, targets }: TrainingSet): Promise<void> {
    const libsvm = (this.#libsvm ??= await loadLibsvm());
    const scaler = StandardScaler.fit(features);
    const targetScaler = StandardScaler.fit(Array.from(targets, (target) => Float64Array.of(target)));
    const trainer = new libsvm({
      type: libsvm.SVM_TYPES.EPSILON_SVR,
      kernel: this.params.kernel === 'rbf' ? libsvm.KERNEL_TYPES.RBF : libsvm.KERNEL_TYPES.LINEAR,
      cost: this.params.cost,
      epsilon: this.params.epsilon,
      gamma: this.params.gamma ?? 1 / features[0]!.length,
      cacheSize: 200,
      quiet: true,
    });
    try {
      trainer.train(
        features.map((row) => Array.from(scaler.transform(row))),
        Array.from(targets, (target) => (target - targetScaler.means[0]!) / targetScaler.deviations[0]!),
      );
      this.#serializedModel = trainer.serializeModel();
    } finally {
      trainer.free();
    }
    this.releaseModel();
    // Forecasts come from the model read back from its text form, so a restored artifact predicts
    // exactly the same numbers (libsvm writes support vectors with limited precision).
    this.#model = libsvm.load(this.#serializedModel);
    this.#scaler = scaler;
    this.#targetMean = targetScaler.means[0]!;
    this.#targetDeviation = targetScaler.deviations[0]!;
  }

  protected predictFeatures(features: Float64Array): number {
    const scaled = this.#scaler!.transform(features);
    return this.#model!.predictOne(Array.from(scaled)) * this.#targetDeviation + this.#targetMean;
  }

  protected serializeState(): unknown {
    return {
      ...this.#scaler!.toJSON(),
      targetMean: this.#targetMean,
      targetDeviation: this.#targetDeviation,
      libsvmModel: this.#serializedModel,
    };
  }

  protected async restoreModelState(state: unknown, featureCount: number): Promise<void> {
    const parsed = svrStateSchema.parse(state);
    if (parsed.means.length !== featureCount) {
      throw new ValidationError(`svr artifact scales ${parsed.means.length} features, lists ${featureCount}`);
    }
    const libsvm = (this.#libsvm ??= await loadLibsvm());
    this.releaseModel();
    this.#model = libsvm.load(parsed.libsvmModel);
    this.#serializedModel = parsed.libsvmModel;
    this.#scaler = StandardScaler.fromJSON(parsed);
    this.#targetMean = parsed.targetMean;
    this.#targetDeviation = parsed.targetDeviation;
  }

  protected override releaseModel(): void {
    this.#model?.free();
    this.#model = null;
  }
}

export const svrForecasterDefinition: ForecasterDefinition<SvrParams> = {
  modelType: 'svr',
  description: 'Epsilon support vector regression with an RBF kernel (libsvm-js, WebAssembly)',
  usesFeatures: true,
  paramsSchema: svrParamsSchema,
  parameterSpace: {
    cost: { kind: 'log-uniform', min: 0.01, max: 100 },
    epsilon: { kind: 'uniform', min: 0.05, max: 1.5 },
    gamma: { kind: 'log-uniform', min: 0.001, max: 1 },
    trainingWindowSteps: { kind: 'integer', min: 500, max: 3000 },
  },
  create: (settings, params) => new SvrForecaster('svr', settings, params),
};
