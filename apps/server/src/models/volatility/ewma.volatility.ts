import { z } from 'zod';
import type { ForecastContext } from '../forecaster.port.ts';
import type { VolatilityModel, VolatilityModelDefinition } from './volatility-model.port.ts';
import { oneStepLogReturns } from './range-variance.ts';

const ewmaParamsSchema = z
  .object({
    /** Decay of the exponentially weighted average of squared returns (RiskMetrics: 0.94). */
    lambda: z.number().gt(0.5).lt(1).default(0.94),
    /** Candles read back from the origin; the weight left beyond them is lambda^lookback. */
    lookbackSteps: z.int().min(20).max(100_000).default(250),
  })
  .strict();
export type EwmaParams = z.infer<typeof ewmaParamsSchema>;

/** Fewest one-candle returns before an origin that the average starts from. */
const MIN_RETURNS = 20;

/**
 * RiskMetrics (J.P. Morgan, 1996): σ²ₜ₊₁ = λσ²ₜ + (1 − λ)rₜ², started from the mean squared return of
 * the first returns of the lookback. Nothing is fitted. Under a random walk the variance over h
 * candles is h σ²ₜ₊₁.
 */
export class EwmaVolatility implements VolatilityModel {
  readonly modelType = 'ewma';

  constructor(
    readonly horizonSteps: number,
    readonly params: Readonly<EwmaParams>,
  ) {}

  fit(): void {}

  predictionProblem(context: ForecastContext): string | null {
    return context.originIndex < MIN_RETURNS
      ? `EWMA volatility needs ${MIN_RETURNS} returns before the origin`
      : null;
  }

  predictScale(context: ForecastContext): number {
    const returns = oneStepLogReturns(context.matrix);
    const { lambda } = this.params;
    const first = Math.max(1, context.originIndex - this.params.lookbackSteps + 1);
    let variance = 0;
    for (let index = first; index < first + MIN_RETURNS; index += 1) variance += returns[index]! ** 2;
    variance /= MIN_RETURNS;
    for (let index = first; index <= context.originIndex; index += 1) {
      variance = lambda * variance + (1 - lambda) * returns[index]! ** 2;
    }
    return Math.sqrt(this.horizonSteps * variance);
  }

  serializeState(): unknown {
    return {};
  }

  restoreState(): void {}
}

export const ewmaVolatilityDefinition: VolatilityModelDefinition<EwmaParams> = {
  modelType: 'ewma',
  description: 'Exponentially weighted moving average of squared returns (RiskMetrics, λ = 0.94)',
  paramsSchema: ewmaParamsSchema,
  create: (horizonSteps, params) => new EwmaVolatility(horizonSteps, params),
};
