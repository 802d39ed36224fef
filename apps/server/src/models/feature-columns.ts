import { ValidationError } from '@runecast/market';
import { type FeatureMatrix, memoizeOnMatrix } from '../features/feature-matrix.ts';
import { targetLogReturn, type TrainingWindow } from './training-window.ts';

/** Column positions of `names` in the matrix; throws naming any feature the matrix lacks. */
export function resolveFeatureColumns(matrix: FeatureMatrix, names: readonly string[]): Int32Array {
  return memoizeOnMatrix(matrix, `columns:${names.join('\u0000')}`, () => {
    const missing = names.filter((name) => !matrix.featureNames.includes(name));
    if (missing.length > 0) {
      throw new ValidationError(`the feature matrix lacks feature(s) the model needs: ${missing.join(', ')}`);
    }
    return Int32Array.from(names, (name) => matrix.featureNames.indexOf(name));
  });
}

/** The model's features at one row, in the model's order. */
export function readFeatures(matrix: FeatureMatrix, rowIndex: number, columns: Int32Array): Float64Array {
  const row = matrix.rows[rowIndex]!;
  const out = new Float64Array(columns.length);
  for (let feature = 0; feature < columns.length; feature += 1) out[feature] = row[columns[feature]!]!;
  return out;
}

export function firstMissingFeature(features: Float64Array, names: readonly string[]): string | null {
  for (let feature = 0; feature < features.length; feature += 1) {
    if (!Number.isFinite(features[feature])) return names[feature]!;
  }
  return null;
}

export interface TrainingSet {
  features: Float64Array[];
  targets: Float64Array;
}

/**
 * Training rows whose features are all known and whose target is observed, oldest first. The
 * rows are views of one block, one allocation per fit: a typed array of its own per row (each
 * with its own native backing store) made a compute thread's native memory peak far above what
 * was in use while a walk-forward refitted models thousands of times.
 */
export function collectTrainingSet(window: TrainingWindow, columns: Int32Array): TrainingSet {
  const width = columns.length;
  const capacity = Math.max(0, window.lastOrigin - window.firstOrigin + 1);
  const block = new Float64Array(capacity * width);
  const targets = new Float64Array(capacity);
  let count = 0;
  for (let origin = window.firstOrigin; origin <= window.lastOrigin; origin += 1) {
    const target = targetLogReturn(window.matrix, origin, window.horizonSteps);
    if (Number.isNaN(target)) continue;
    const source = window.matrix.rows[origin]!;
    const offset = count * width;
    let complete = true;
    for (let feature = 0; feature < width; feature += 1) {
      const value = source[columns[feature]!]!;
      if (!Number.isFinite(value)) {
        complete = false;
        break;
      }
      block[offset + feature] = value;
    }
    if (!complete) continue;
    targets[count] = target;
    count += 1;
  }
  const features: Float64Array[] = new Array<Float64Array>(count);
  for (let row = 0; row < count; row += 1) features[row] = block.subarray(row * width, (row + 1) * width);
  return { features, targets: targets.subarray(0, count) };
}

/** Feature names a model trains on: its `featureNames` parameter, or every column of the matrix. */
export function chooseFeatureNames(
  matrix: FeatureMatrix,
  requested: readonly string[] | undefined,
): string[] {
  const names = requested && requested.length > 0 ? [...requested] : [...matrix.featureNames];
  if (names.length === 0) throw new ValidationError('the feature matrix has no features');
  resolveFeatureColumns(matrix, names);
  return names;
}

/** Mean and standard deviation per column, so features (and targets) enter models on one scale. */
export class StandardScaler {
  constructor(
    readonly means: Float64Array,
    readonly deviations: Float64Array,
  ) {}

  static fit(rows: readonly Float64Array[]): StandardScaler {
    const width = rows[0]?.length ?? 0;
    const means = new Float64Array(width);
    const deviations = new Float64Array(width);
    for (const row of rows) for (let column = 0; column < width; column += 1) means[column]! += row[column]!;
    for (let column = 0; column < width; column += 1) means[column]! /= rows.length;
    for (const row of rows) {
      for (let column = 0; column < width; column += 1)
        deviations[column]! += (row[column]! - means[column]!) ** 2;
    }
    for (let column = 0; column < width; column += 1) {
      const deviation = Math.sqrt(deviations[column]! / rows.length);
      // A constant column carries no information; scale 1 keeps it at zero instead of dividing by zero.
      deviations[column] = deviation > 1e-12 ? deviation : 1;
    }
    return new StandardScaler(means, deviations);
  }

  transform(row: Float64Array): Float64Array {
    const out = new Float64Array(row.length);
    for (let column = 0; column < row.length; column += 1) {
      out[column] = (row[column]! - this.means[column]!) / this.deviations[column]!;
    }
    return out;
  }

  toJSON(): { means: number[]; deviations: number[] } {
    return { means: Array.from(this.means), deviations: Array.from(this.deviations) };
  }

  static fromJSON(value: { means: number[]; deviations: number[] }): StandardScaler {
    if (value.means.length !== value.deviations.length)
      throw new ValidationError('scaler means and deviations differ in length');
    return new StandardScaler(Float64Array.from(value.means), Float64Array.from(value.deviations));
  }
}
