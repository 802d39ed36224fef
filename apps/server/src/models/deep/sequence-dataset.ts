import { ValidationError } from '@runecast/market';
import { readFeatures, StandardScaler } from '../feature-columns.ts';
import { targetLogReturn, type TrainingWindow } from '../training-window.ts';

/** Fewest training windows a recurrent model is fitted on. */
export const MIN_SEQUENCE_TRAINING_WINDOWS = 50;

/**
 * Training and validation windows over one block of scaled feature rows. A window is named by the
 * index (into `rows`) of its last row, its origin; it covers the `sequenceLength` rows ending there.
 */
export interface SequenceDataset {
  inputSize: number;
  sequenceLength: number;
  /** Scaled features, row-major; row r is feature-matrix row `firstRow + r`. */
  rows: Float32Array;
  firstRow: number;
  trainingEnds: Int32Array;
  /** Scaled targets of the training windows. */
  trainingTargets: Float32Array;
  validationEnds: Int32Array;
  validationTargets: Float32Array;
}

/** Feature standardisation and the target's scale, fitted on the training windows only. */
export interface SequenceScaling {
  features: StandardScaler;
  targetMean: number;
  targetDeviation: number;
}

export interface SequenceDatasetOptions {
  columns: Int32Array;
  sequenceLength: number;
  /** Share of the most recent windows held out for early stopping. */
  validationFraction: number;
  label: string;
}

/**
 * Windows whose rows all have every feature and whose target is observed, oldest first; the newest
 * `validationFraction` become the validation set, and training windows end at least a horizon before
 * it, so no training target overlaps a validation target.
 */
export function buildSequenceDataset(
  window: TrainingWindow,
  options: SequenceDatasetOptions,
): { dataset: SequenceDataset; scaling: SequenceScaling } {
  const { matrix, horizonSteps } = window;
  const { columns, sequenceLength } = options;
  const inputSize = columns.length;
  const firstRow = Math.max(0, window.firstOrigin - sequenceLength + 1);
  const rowCount = window.lastOrigin - firstRow + 1;
  const rawRows: Float64Array[] = [];
  const completeRun = new Int32Array(rowCount);
  for (let row = 0; row < rowCount; row += 1) {
    const features = readFeatures(matrix, firstRow + row, columns);
    rawRows.push(features);
    const complete = features.every(Number.isFinite);
    completeRun[row] = complete ? (row > 0 ? completeRun[row - 1]! : 0) + 1 : 0;
  }
  const origins: number[] = [];
  const targets: number[] = [];
  for (
    let origin = Math.max(window.firstOrigin, firstRow + sequenceLength - 1);
    origin <= window.lastOrigin;
    origin += 1
  ) {
    if (completeRun[origin - firstRow]! < sequenceLength) continue;
    const target = targetLogReturn(matrix, origin, horizonSteps);
    if (Number.isNaN(target)) continue;
    origins.push(origin);
    targets.push(target);
  }
  const validationCount = Math.max(1, Math.round(origins.length * options.validationFraction));
  const firstValidation = origins.length - validationCount;
  let trainingCount = 0;
  while (
    trainingCount < firstValidation &&
    origins[trainingCount]! + horizonSteps <= origins[firstValidation]!
  ) {
    trainingCount += 1;
  }
  if (trainingCount < MIN_SEQUENCE_TRAINING_WINDOWS) {
    throw new ValidationError(
      `${options.label}: only ${trainingCount} training windows of ${sequenceLength} candles have every feature and a known target ` +
        `(${origins.length} windows in all); at least ${MIN_SEQUENCE_TRAINING_WINDOWS} are needed ` +
        `(more history, a shorter sequenceLength, or fewer slow-warming features)`,
    );
  }

  const lastTrainingRow = origins[trainingCount - 1]! - firstRow;
  const firstTrainingRow = origins[0]! - sequenceLength + 1 - firstRow;
  const scalingRows = rawRows
    .slice(firstTrainingRow, lastTrainingRow + 1)
    .filter((row) => row.every(Number.isFinite));
  const features = StandardScaler.fit(scalingRows);
  let targetMean = 0;
  for (let index = 0; index < trainingCount; index += 1) targetMean += targets[index]!;
  targetMean /= trainingCount;
  let targetVariance = 0;
  for (let index = 0; index < trainingCount; index += 1)
    targetVariance += (targets[index]! - targetMean) ** 2;
  const deviation = Math.sqrt(targetVariance / trainingCount);
  const targetDeviation = deviation > 1e-12 ? deviation : 1;

  const rows = new Float32Array(rowCount * inputSize);
  for (let row = 0; row < rowCount; row += 1) {
    // Incomplete rows are never inside a window; zeros keep the buffer free of NaN all the same.
    if (completeRun[row] === 0) continue;
    rows.set(features.transform(rawRows[row]!), row * inputSize);
  }
  const scaleTarget = (value: number): number => (value - targetMean) / targetDeviation;
  return {
    dataset: {
      inputSize,
      sequenceLength,
      rows,
      firstRow,
      trainingEnds: Int32Array.from(origins.slice(0, trainingCount), (origin) => origin - firstRow),
      trainingTargets: Float32Array.from(targets.slice(0, trainingCount), scaleTarget),
      validationEnds: Int32Array.from(origins.slice(firstValidation), (origin) => origin - firstRow),
      validationTargets: Float32Array.from(targets.slice(firstValidation), scaleTarget),
    },
    scaling: { features, targetMean, targetDeviation },
  };
}
