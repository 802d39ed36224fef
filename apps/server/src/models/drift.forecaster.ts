import { z } from 'zod';
import { ValidationError } from '@runecast/market';
import { BaseForecaster } from './base.forecaster.ts';
import type { ForecasterDefinition } from './forecaster-definition.ts';
import type { TrainingWindow } from './training-window.ts';

const driftParamsSchema = z
  .object({
    /** Candles over which the average log return per candle is measured. */
    trainingWindowSteps: z.number().int().min(2).default(2160),
  })
  .strict();
export type DriftParams = z.infer<typeof driftParamsSchema>;

const driftStateSchema = z.object({ driftPerStep: z.number() }).strict();

/** Last close moved by the average log return per candle over the training window, times the horizon. */
export class DriftForecaster extends BaseForecaster<DriftParams> {
  #driftPerStep = Number.NaN;

  protected defaultTrainingWindowSteps(): number {
    return this.params.trainingWindowSteps;
  }

  protected async fitModel(window: TrainingWindow): Promise<string[]> {
    // The slope runs from the first training origin to the last known close (endIndex).
    const { closes } = window.matrix;
    const steps = window.endIndex - window.firstOrigin;
    if (steps < 1) throw new ValidationError('drift needs at least two candles to fit');
    this.#driftPerStep = Math.log(closes[window.endIndex]! / closes[window.firstOrigin]!) / steps;
    return [];
  }

  protected predictionProblem(): string | null {
    return null;
  }

  protected predictModel(): number {
    return this.#driftPerStep * this.horizonSteps;
  }

  protected serializeState(): unknown {
    return { driftPerStep: this.#driftPerStep };
  }

  protected async restoreState(state: unknown): Promise<void> {
    this.#driftPerStep = driftStateSchema.parse(state).driftPerStep;
  }
}

export const driftForecasterDefinition: ForecasterDefinition<DriftParams> = {
  modelType: 'drift',
  description: 'Last close plus the average log return per candle of the training window',
  usesFeatures: false,
  paramsSchema: driftParamsSchema,
  parameterSpace: { trainingWindowSteps: { kind: 'integer', min: 168, max: 8760 } },
  create: (settings, params) => new DriftForecaster('drift', settings, params),
};
