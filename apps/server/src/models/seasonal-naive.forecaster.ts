import { z } from 'zod';
import { formatHorizon, timeframeMinutes, ValidationError } from '@runecast/market';
import { BaseForecaster, type ForecasterSettings } from './base.forecaster.ts';
import type { ForecasterDefinition } from './forecaster-definition.ts';
import type { ForecastContext } from './forecaster.port.ts';

const seasonalNaiveParamsSchema = z
  .object({
    /** Length of the season; daily by default. */
    seasonMinutes: z.number().int().positive().default(1440),
  })
  .strict();
export type SeasonalNaiveParams = z.infer<typeof seasonalNaiveParamsSchema>;

/**
 * The close one season before the target time: for a target at t + h, the close at t + h - k·season
 * with the smallest k that lands at or before t. When the horizon is a whole number of seasons this
 * is the naive forecast.
 */
export class SeasonalNaiveForecaster extends BaseForecaster<SeasonalNaiveParams> {
  readonly #lookbackSteps: number;

  constructor(modelType: string, settings: ForecasterSettings, params: SeasonalNaiveParams) {
    super(modelType, settings, params);
    const stepMinutes = timeframeMinutes(settings.timeframe);
    if (params.seasonMinutes % stepMinutes !== 0) {
      throw new ValidationError(
        `seasonal-naive: season ${formatHorizon(params.seasonMinutes)} is not a multiple of the ${settings.timeframe} timeframe`,
      );
    }
    const seasonSteps = params.seasonMinutes / stepMinutes;
    const seasons = Math.ceil(this.horizonSteps / seasonSteps);
    this.#lookbackSteps = seasons * seasonSteps - this.horizonSteps;
  }

  protected defaultTrainingWindowSteps(): number {
    return 1000;
  }

  protected async fitModel(): Promise<string[]> {
    return [];
  }

  protected predictionProblem(context: ForecastContext): string | null {
    return context.originIndex < this.#lookbackSteps
      ? `needs ${this.#lookbackSteps} candles before the origin`
      : null;
  }

  protected predictModel(context: ForecastContext): number {
    const { closes } = context.matrix;
    return Math.log(closes[context.originIndex - this.#lookbackSteps]! / closes[context.originIndex]!);
  }

  protected serializeState(): unknown {
    return {};
  }

  protected async restoreState(): Promise<void> {}
}

export const seasonalNaiveForecasterDefinition: ForecasterDefinition<SeasonalNaiveParams> = {
  modelType: 'seasonal-naive',
  description: 'Close one season (a day by default) before the target time',
  usesFeatures: false,
  paramsSchema: seasonalNaiveParamsSchema,
  parameterSpace: {},
  create: (settings, params) => new SeasonalNaiveForecaster('seasonal-naive', settings, params),
};
