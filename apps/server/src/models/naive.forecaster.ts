import { z } from 'zod';
import { BaseForecaster } from './base.forecaster.ts';
import type { ForecasterDefinition } from './forecaster-definition.ts';

const naiveParamsSchema = z.object({}).strict();
export type NaiveParams = z.infer<typeof naiveParamsSchema>;

/** The last close is the forecast: the benchmark every other model is measured against. */
export class NaiveForecaster extends BaseForecaster<NaiveParams> {
  protected defaultTrainingWindowSteps(): number {
    // Nothing is learnt; the window only feeds the held-out calibration.
    return 1000;
  }

  protected async fitModel(): Promise<string[]> {
    return [];
  }

  protected predictionProblem(): string | null {
    return null;
  }

  protected predictModel(): number {
    return 0;
  }

  protected serializeState(): unknown {
    return {};
  }

  protected async restoreState(): Promise<void> {}
}

export const naiveForecasterDefinition: ForecasterDefinition<NaiveParams> = {
  modelType: 'naive',
  description: 'Last close (random walk); the benchmark for every other model',
  usesFeatures: false,
  paramsSchema: naiveParamsSchema,
  parameterSpace: {},
  create: (settings, params) => new NaiveForecaster('naive', settings, params),
};
