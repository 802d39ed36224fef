import { ValidationError } from '@runecast/market';
import type { FeatureMatrix } from '../features/feature-matrix.ts';
import type { ForecastContext, TrainingData } from './forecaster.port.ts';

/**
 * The origins a model is trained on: every origin's target (the close `horizonSteps` later) is at or
 * before `endIndex`, so nothing after `endIndex` is ever read.
 */
export interface TrainingWindow {
  matrix: FeatureMatrix;
  endIndex: number;
  horizonSteps: number;
  firstOrigin: number;
  lastOrigin: number;
}

/** Log return from the close of candle `originIndex` to the close `horizonSteps` later; NaN when unknown or filled. */
export function targetLogReturn(matrix: FeatureMatrix, originIndex: number, horizonSteps: number): number {
  const targetIndex = originIndex + horizonSteps;
  if (originIndex < 0 || targetIndex >= matrix.closes.length) return Number.NaN;
  if (matrix.observed[originIndex] !== 1 || matrix.observed[targetIndex] !== 1) return Number.NaN;
  return Math.log(matrix.closes[targetIndex]! / matrix.closes[originIndex]!);
}

export function resolveTrainingWindow(
  training: TrainingData,
  horizonSteps: number,
  defaultWindowSteps: number,
): TrainingWindow {
  const { matrix } = training;
  const lastRow = matrix.rows.length - 1;
  const endIndex = training.endIndex ?? lastRow;
  if (!Number.isSafeInteger(endIndex) || endIndex < 0 || endIndex > lastRow) {
    throw new ValidationError(`training endIndex ${endIndex} is outside the feature matrix (0..${lastRow})`);
  }
  const windowSteps = training.windowSteps ?? defaultWindowSteps;
  if (!Number.isSafeInteger(windowSteps) || windowSteps < 1) {
    throw new ValidationError(
      `training window must be a positive integer number of candles, got ${windowSteps}`,
    );
  }
  const lastOrigin = endIndex - horizonSteps;
  if (lastOrigin < 0) {
    throw new ValidationError(
      `too little data to train: ${endIndex + 1} candles, but a horizon of ${horizonSteps} candles needs more`,
    );
  }
  return {
    matrix,
    endIndex,
    horizonSteps,
    firstOrigin: Math.max(0, lastOrigin - windowSteps + 1),
    lastOrigin,
  };
}

export function assertForecastContext(context: ForecastContext): void {
  const lastRow = context.matrix.rows.length - 1;
  if (
    !Number.isSafeInteger(context.originIndex) ||
    context.originIndex < 0 ||
    context.originIndex > lastRow
  ) {
    throw new ValidationError(
      `forecast origin ${context.originIndex} is outside the feature matrix (0..${lastRow})`,
    );
  }
}
