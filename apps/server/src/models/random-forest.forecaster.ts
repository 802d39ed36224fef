import { RandomForestRegression } from 'ml-random-forest';
import { z } from 'zod';
import { ValidationError } from '@runecast/market';
import { createSeededRandom } from '../features/seeded-random.ts';
import type { TrainingSet } from './feature-columns.ts';
import { FeatureModelForecaster } from './feature-model.forecaster.ts';
import type { ForecasterDefinition } from './forecaster-definition.ts';

const randomForestParamsSchema = z
  .object({
    // Defaults: the best of a random search (RMSE, walk-forward) on BTC/USDT 1h over the 3,000 hours
    // before 2020-10-01, i.e. before the year the documented backtest evaluates.
    nEstimators: z.number().int().min(1).max(500).default(40),
    maxDepth: z.number().int().min(1).max(20).default(3),
    /** Fewest rows a node needs to be split. */
    minNumSamples: z.number().int().min(2).default(60),
    /** Share (0–1] of the features each tree sees. */
    maxFeatures: z.number().gt(0).max(1).default(0.3),
    /**
     * Rows drawn (seeded, without replacement) from the training window before the forest is grown.
     * ml-cart scans every split candidate against every row, so a tree costs O(rows²) per feature
     * and level; a few hundred rows keep a fit to seconds.
     */
    samplesPerFit: z.number().int().min(50).max(20_000).default(500),
    trainingWindowSteps: z.number().int().min(50).default(2160),
    seed: z.number().int().min(0).max(2_147_483_647).default(42),
    featureNames: z.array(z.string()).optional(),
  })
  .strict();
export type RandomForestParams = z.infer<typeof randomForestParamsSchema>;

const randomForestStateSchema = z.object({ forest: z.record(z.string(), z.unknown()) }).strict();

/** Seeded sample of `count` indices out of `total`, kept in time order. */
function sampleIndices(total: number, count: number, seed: number): number[] {
  if (count >= total) return Array.from({ length: total }, (_, index) => index);
  const random = createSeededRandom(seed);
  const indices = Array.from({ length: total }, (_, index) => index);
  for (let index = 0; index < count; index += 1) {
    const swap = index + Math.floor(random() * (total - index));
    [indices[index], indices[swap]] = [indices[swap]!, indices[index]!];
  }
  return indices.slice(0, count).sort((left, right) => left - right);
}

/** Random forest regression (ml-random-forest) from the feature row to the horizon log return. */
export class RandomForestForecaster extends FeatureModelForecaster<RandomForestParams> {
  #forest: RandomForestRegression | null = null;
  /** The forest as plain data; kept as loaded so a restored model writes the same bytes again. */
  #forestJson: Record<string, unknown> | null = null;

  protected async fitOnTrainingSet({ features, targets }: TrainingSet): Promise<void> {
    const chosen = sampleIndices(features.length, this.params.samplesPerFit, this.params.seed);
    const forest = new RandomForestRegression({
      nEstimators: this.params.nEstimators,
      maxFeatures: this.params.maxFeatures,
      replacement: false,
      useSampleBagging: true,
      noOOB: true,
      seed: this.params.seed,
      treeOptions: { maxDepth: this.params.maxDepth, minNumSamples: this.params.minNumSamples },
    });
    forest.train(
      chosen.map((index) => Array.from(features[index]!)),
      chosen.map((index) => targets[index]!),
    );
    // toJSON holds every split and leaf as plain numbers, which JSON round-trips exactly.
    this.#forestJson = JSON.parse(JSON.stringify(forest.toJSON())) as Record<string, unknown>;
    this.#forest = RandomForestRegression.load(this.#forestJson as never);
  }

  protected predictFeatures(features: Float64Array): number {
    return this.#forest!.predict([Array.from(features)])[0]!;
  }

  protected serializeState(): unknown {
    return { forest: this.#forestJson };
  }

  protected async restoreModelState(state: unknown): Promise<void> {
    const parsed = randomForestStateSchema.parse(state);
    try {
      this.#forest = RandomForestRegression.load(parsed.forest as never);
      this.#forestJson = parsed.forest;
    } catch (error) {
      throw new ValidationError(`rf artifact holds no loadable forest: ${(error as Error).message}`);
    }
  }
}

export const randomForestForecasterDefinition: ForecasterDefinition<RandomForestParams> = {
  modelType: 'rf',
  description: 'Random forest regression on the features (ml-random-forest)',
  usesFeatures: true,
  paramsSchema: randomForestParamsSchema,
  parameterSpace: {
    nEstimators: { kind: 'integer', min: 10, max: 60 },
    maxDepth: { kind: 'integer', min: 2, max: 7 },
    minNumSamples: { kind: 'integer', min: 5, max: 80 },
    maxFeatures: { kind: 'uniform', min: 0.2, max: 1 },
    samplesPerFit: { kind: 'integer', min: 200, max: 800 },
  },
  create: (settings, params) => new RandomForestForecaster('rf', settings, params),
};
