import { ValidationError } from '@runecast/market';
import { createSeededRandom } from '../../features/seeded-random.ts';

/** How much worse the model gets when one feature's column is shuffled. */
export interface FeatureImportance {
  feature: string;
  /** Mean over the repeats of (MAE with the column shuffled − MAE as is); ~0 for a feature the model does not use. */
  meanIncrease: number;
  /** Sample standard deviation of the increase over the repeats (0 with one repeat). */
  standardDeviation: number;
}

export interface PermutationImportanceResult {
  /** MAE on the rows as they are, in the target's unit (log return for the forecasters). */
  baselineMae: number;
  rows: number;
  repeats: number;
  seed: number;
  /** Most important first. */
  features: FeatureImportance[];
}

export interface PermutationImportanceInput {
  rows: readonly Float64Array[];
  targets: ArrayLike<number>;
  featureNames: readonly string[];
  predict: (row: Float64Array) => number;
  /** Shuffles per feature (default 5). */
  repeats?: number;
  /** Seed of the shuffles (default 1): the same seed gives the same numbers. */
  seed?: number;
}

function meanAbsoluteError(
  rows: readonly Float64Array[],
  targets: ArrayLike<number>,
  predict: (row: Float64Array) => number,
): number {
  let total = 0;
  for (let index = 0; index < rows.length; index += 1)
    total += Math.abs(predict(rows[index]!) - targets[index]!);
  return total / rows.length;
}

/**
 * Permutation importance (Breiman 2001; Fisher, Rudin & Dominici 2019): for each feature, the
 * increase in mean absolute error when its column is shuffled across the rows, which breaks its
 * link to the target while keeping its distribution. Measured on held-out rows, so it says what
 * the model relies on out of sample. Correlated features share credit: shuffling one leaves its
 * twin to carry the signal, so both can look unimportant.
 */
export function permutationImportance(input: PermutationImportanceInput): PermutationImportanceResult {
  const repeats = input.repeats ?? 5;
  const seed = input.seed ?? 1;
  const { rows, targets, featureNames } = input;
  if (!Number.isSafeInteger(repeats) || repeats < 1) {
    throw new ValidationError(`permutation repeats must be a positive integer, got ${repeats}`);
  }
  if (!Number.isSafeInteger(seed))
    throw new ValidationError(`permutation seed must be an integer, got ${seed}`);
  if (rows.length < 2)
    throw new ValidationError(`permutation importance needs at least 2 rows, got ${rows.length}`);
  if (targets.length !== rows.length) {
    throw new ValidationError(`${rows.length} rows but ${targets.length} targets`);
  }
  for (const row of rows) {
    if (row.length !== featureNames.length) {
      throw new ValidationError(`a row has ${row.length} values for ${featureNames.length} features`);
    }
  }
  const baselineMae = meanAbsoluteError(rows, targets, input.predict);
  const random = createSeededRandom(seed);
  const shuffled = rows.map((row) => Float64Array.from(row));
  const order = new Int32Array(rows.length);
  const features = featureNames.map((feature, column) => {
    const increases: number[] = [];
    for (let repeat = 0; repeat < repeats; repeat += 1) {
      for (let index = 0; index < order.length; index += 1) order[index] = index;
      // Fisher–Yates.
      for (let index = order.length - 1; index > 0; index -= 1) {
        const other = Math.floor(random() * (index + 1));
        const kept = order[index]!;
        order[index] = order[other]!;
        order[other] = kept;
      }
      for (let index = 0; index < rows.length; index += 1)
        shuffled[index]![column] = rows[order[index]!]![column]!;
      increases.push(meanAbsoluteError(shuffled, targets, input.predict) - baselineMae);
    }
    for (let index = 0; index < rows.length; index += 1) shuffled[index]![column] = rows[index]![column]!;
    const meanIncrease = increases.reduce((sum, value) => sum + value, 0) / repeats;
    const variance =
      repeats < 2
        ? 0
        : increases.reduce((sum, value) => sum + (value - meanIncrease) ** 2, 0) / (repeats - 1);
    return { feature, meanIncrease, standardDeviation: Math.sqrt(variance) };
  });
  features.sort((a, b) => b.meanIncrease - a.meanIncrease);
  return { baselineMae, rows: rows.length, repeats, seed, features };
}
