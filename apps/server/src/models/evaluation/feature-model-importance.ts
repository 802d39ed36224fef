import { horizonSteps as toHorizonSteps, type Timeframe, ValidationError } from '@runecast/market';
import type { FeatureMatrix } from '../../features/feature-matrix.ts';
import { readFeatures, resolveFeatureColumns } from '../feature-columns.ts';
import { FeatureModelForecaster, type FeatureModelParams } from '../feature-model.forecaster.ts';
import { createForecaster } from '../forecaster.registry.ts';
import { targetLogReturn } from '../training-window.ts';
import { permutationImportance, type PermutationImportanceResult } from './permutation-importance.ts';

/** Validation rows used at most (the most recent): bounds the cost for models slow to predict (SVR). */
export const IMPORTANCE_MAX_ROWS = 1000;
export const IMPORTANCE_REPEATS = 5;
export const IMPORTANCE_SEED = 1;

export interface FeatureModelImportanceInput {
  modelType: string;
  timeframe: Timeframe;
  horizonMinutes: number;
  params: Record<string, unknown>;
  matrix: FeatureMatrix;
  /** First validation origin; the model is fitted on data before it only. */
  validationStartIndex: number;
  windowSteps?: number;
  /** Out-of-sample errors for the fit's intervals (not used by the importance, but a fit needs them). */
  calibrationResiduals: number[];
  repeats?: number;
  seed?: number;
  maxRows?: number;
}

export interface FeatureModelImportance extends PermutationImportanceResult {
  /** What the MAE is measured in. */
  unit: 'log return';
  /** Open times of the first and last validation origin used. */
  validationFromMs: number;
  validationToMs: number;
}

/** True when the model type reads feature rows (ridge, rf, svr): the models permutation importance applies to. */
export function readsFeatureRows(modelType: string, timeframe: Timeframe, horizonMinutes: number): boolean {
  const forecaster = createForecaster(modelType, { timeframe, horizonMinutes });
  try {
    return forecaster instanceof FeatureModelForecaster;
  } finally {
    forecaster.dispose();
  }
}

/**
 * Permutation importance of a feature model on the validation window: the model is fitted on the
 * candles before the window (its training targets end before the first validation origin), then
 * each feature's column is shuffled over the window's rows. Null for models that read no feature rows.
 */
export async function featureModelImportance(
  input: FeatureModelImportanceInput,
): Promise<FeatureModelImportance | null> {
  const forecaster = createForecaster(input.modelType, {
    timeframe: input.timeframe,
    horizonMinutes: input.horizonMinutes,
    params: input.params,
  });
  try {
    if (!(forecaster instanceof FeatureModelForecaster)) return null;
    const model = forecaster as FeatureModelForecaster<FeatureModelParams>;
    const steps = toHorizonSteps(input.horizonMinutes, input.timeframe);
    const { matrix, validationStartIndex } = input;
    const lastOrigin = matrix.rows.length - 1 - steps;
    if (
      !Number.isSafeInteger(validationStartIndex) ||
      validationStartIndex < 1 ||
      validationStartIndex > lastOrigin
    ) {
      throw new ValidationError(
        `validation window must start within origins 1..${lastOrigin}, got ${validationStartIndex}`,
      );
    }
    await model.fit(
      {
        matrix,
        endIndex: validationStartIndex - 1,
        ...(input.windowSteps === undefined ? {} : { windowSteps: input.windowSteps }),
      },
      { calibrationResiduals: input.calibrationResiduals },
    );
    const columns = resolveFeatureColumns(matrix, model.featureNames);
    const rows: Float64Array[] = [];
    const targets: number[] = [];
    const origins: number[] = [];
    for (let origin = validationStartIndex; origin <= lastOrigin; origin += 1) {
      const target = targetLogReturn(matrix, origin, steps);
      const features = readFeatures(matrix, origin, columns);
      if (!Number.isFinite(target) || !features.every(Number.isFinite)) continue;
      rows.push(features);
      targets.push(target);
      origins.push(origin);
    }
    const keep = Math.max(0, rows.length - (input.maxRows ?? IMPORTANCE_MAX_ROWS));
    const result = permutationImportance({
      rows: rows.slice(keep),
      targets: targets.slice(keep),
      featureNames: model.featureNames,
      predict: (row) => model.predictFeatureRow(row),
      repeats: input.repeats ?? IMPORTANCE_REPEATS,
      seed: input.seed ?? IMPORTANCE_SEED,
    });
    return {
      ...result,
      unit: 'log return',
      validationFromMs: matrix.openTimesMs[origins[keep]!]!,
      validationToMs: matrix.openTimesMs[origins.at(-1)!]!,
    };
  } finally {
    forecaster.dispose();
  }
}
