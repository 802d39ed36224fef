import { ValidationError } from '@runecast/market';
import { BaseForecaster } from './base.forecaster.ts';
import {
  chooseFeatureNames,
  collectTrainingSet,
  firstMissingFeature,
  readFeatures,
  resolveFeatureColumns,
  type TrainingSet,
} from './feature-columns.ts';
import type { ForecastContext } from './forecaster.port.ts';
import type { TrainingWindow } from './training-window.ts';

/** Parameters every model on feature rows accepts. */
export interface FeatureModelParams extends Record<string, unknown> {
  /** Most recent training origins used. */
  trainingWindowSteps: number;
  /** Feature columns to use; empty or absent means every column of the matrix. */
  featureNames?: string[] | undefined;
}

export const MIN_TRAINING_ROWS = 50;

/** A regression from the feature row at the origin to the log return over the horizon. */
export abstract class FeatureModelForecaster<
  Params extends FeatureModelParams,
> extends BaseForecaster<Params> {
  #modelFeatureNames: string[] = [];
  #lastRead: { context: ForecastContext | null; features: Float64Array } = {
    context: null,
    features: new Float64Array(0),
  };

  protected abstract fitOnTrainingSet(trainingSet: TrainingSet): Promise<void>;
  protected abstract predictFeatures(features: Float64Array): number;
  protected abstract restoreModelState(state: unknown, featureCount: number): Promise<void>;

  protected defaultTrainingWindowSteps(): number {
    return this.params.trainingWindowSteps;
  }

  protected async fitModel(window: TrainingWindow): Promise<string[]> {
    const names = chooseFeatureNames(window.matrix, this.params.featureNames);
    const trainingSet = collectTrainingSet(window, resolveFeatureColumns(window.matrix, names));
    if (trainingSet.features.length < MIN_TRAINING_ROWS) {
      throw new ValidationError(
        `${this.modelType}: only ${trainingSet.features.length} training rows have every feature and a known target; ` +
          `at least ${MIN_TRAINING_ROWS} are needed (more history, or fewer slow-warming features)`,
      );
    }
    this.#modelFeatureNames = names;
    this.#lastRead.context = null;
    await this.fitOnTrainingSet(trainingSet);
    return names;
  }

  #features(context: ForecastContext): Float64Array {
    const last = this.#lastRead.context;
    if (last && last.matrix === context.matrix && last.originIndex === context.originIndex)
      return this.#lastRead.features;
    const features = readFeatures(
      context.matrix,
      context.originIndex,
      resolveFeatureColumns(context.matrix, this.#modelFeatureNames),
    );
    this.#lastRead = { context: { matrix: context.matrix, originIndex: context.originIndex }, features };
    return features;
  }

  protected predictionProblem(context: ForecastContext): string | null {
    const missing = firstMissingFeature(this.#features(context), this.#modelFeatureNames);
    return missing === null ? null : `feature ${missing} is not known at this origin (window still filling)`;
  }

  /** Point forecast (log return) from a feature row in `featureNames` order: what permutation importance shuffles. */
  predictFeatureRow(features: Float64Array): number {
    if (!this.isFitted) throw new ValidationError(`${this.modelType} forecaster is not fitted`);
    if (features.length !== this.#modelFeatureNames.length) {
      throw new ValidationError(
        `${this.modelType} reads ${this.#modelFeatureNames.length} features, the row has ${features.length}`,
      );
    }
    return this.predictFeatures(features);
  }

  protected predictModel(context: ForecastContext): number {
    return this.predictFeatures(this.#features(context));
  }

  protected async restoreState(state: unknown, featureNames: readonly string[]): Promise<void> {
    if (featureNames.length === 0) throw new ValidationError(`${this.modelType} artifact lists no features`);
    this.#modelFeatureNames = [...featureNames];
    this.#lastRead.context = null;
    await this.restoreModelState(state, featureNames.length);
  }
}
