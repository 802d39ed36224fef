import { z } from 'zod';
import { ValidationError } from '@runecast/market';
import type { ForecastContext } from '../forecaster.port.ts';
import { nelderMead } from './nelder-mead.ts';
import { oneStepLogReturns } from './range-variance.ts';
import type {
  VolatilityModel,
  VolatilityModelDefinition,
  VolatilityTrainingData,
} from './volatility-model.port.ts';

const garchParamsSchema = z
  .object({
    /** One-candle returns the likelihood is maximised over (most recent ones). */
    trainingWindowSteps: z.int().min(100).max(100_000).default(2000),
    /** Returns the variance recursion runs over before each forecast. */
    lookbackSteps: z.int().min(20).max(100_000).default(500),
  })
  .strict();
export type GarchParams = z.infer<typeof garchParamsSchema>;

export interface GarchCoefficients {
  omega: number;
  alpha: number;
  beta: number;
}

const garchStateSchema = z
  .object({ omega: z.number().positive(), alpha: z.number().min(0), beta: z.number().min(0) })
  .strict();

const LOG_TWO_PI = Math.log(2 * Math.PI);
/** Largest α + β the fit allows: an integrated process has no long-run variance to revert to. */
const MAX_PERSISTENCE = 0.9999;

/**
 * Gaussian log-likelihood of zero-mean returns under GARCH(1,1):
 * σ²₁ = ω + (α + β) v₀ with v₀ the mean squared return (the "backcast"), then
 * σ²ₜ = ω + α r²ₜ₋₁ + β σ²ₜ₋₁, and ℓ = −½ Σ (ln 2π + ln σ²ₜ + r²ₜ / σ²ₜ).
 */
export function garchLogLikelihood(returns: ArrayLike<number>, coefficients: GarchCoefficients): number {
  const { omega, alpha, beta } = coefficients;
  let backcast = 0;
  for (let index = 0; index < returns.length; index += 1) backcast += returns[index]! ** 2;
  backcast /= returns.length;
  let variance = omega + (alpha + beta) * backcast;
  let total = 0;
  for (let index = 0; index < returns.length; index += 1) {
    const squared = returns[index]! ** 2;
    total += LOG_TWO_PI + Math.log(variance) + squared / variance;
    variance = omega + alpha * squared + beta * variance;
  }
  return -0.5 * total;
}

const logistic = (value: number): number => 1 / (1 + Math.exp(-value));

/**
 * Maximum-likelihood GARCH(1,1) on zero-mean returns. Returns are scaled to unit variance first so
 * ω is of order one for the optimiser; (ω, α, β) are searched as (ln ω, persistence α + β, share α
 * of it) through logistic maps, which keeps ω > 0, α, β >= 0 and α + β < 1, from several starts.
 */
export function fitGarch(returns: ArrayLike<number>): GarchCoefficients & { logLikelihood: number } {
  if (returns.length < 50)
    throw new ValidationError(`GARCH needs at least 50 returns, got ${returns.length}`);
  let meanSquare = 0;
  for (let index = 0; index < returns.length; index += 1) meanSquare += returns[index]! ** 2;
  meanSquare /= returns.length;
  if (!(meanSquare > 0)) throw new ValidationError('GARCH: the returns never vary');
  const scale = Math.sqrt(meanSquare);
  const scaled = Float64Array.from({ length: returns.length }, (_, index) => returns[index]! / scale);
  const decode = (point: Float64Array): GarchCoefficients => {
    const persistence = MAX_PERSISTENCE * logistic(point[1]!);
    const alphaShare = logistic(point[2]!);
    return {
      omega: Math.exp(point[0]!),
      alpha: persistence * alphaShare,
      beta: persistence * (1 - alphaShare),
    };
  };
  const objective = (point: Float64Array): number => -garchLogLikelihood(scaled, decode(point));
  let best: { point: Float64Array; value: number } | null = null;
  // Starts: persistence 0.5, 0.9 and 0.98 with α a tenth of it; ω at the matching long-run variance 1.
  for (const persistence of [0.5, 0.9, 0.98]) {
    const start = Float64Array.of(
      Math.log(1 - persistence),
      Math.log(persistence / MAX_PERSISTENCE / (1 - persistence / MAX_PERSISTENCE)),
      Math.log(0.1 / 0.9),
    );
    let result = nelderMead(objective, start, { step: 0.5, tolerance: 1e-12, maxIterations: 3000 });
    // A restart from the optimum escapes a simplex that collapsed early.
    result = nelderMead(objective, result.point, { step: 0.1, tolerance: 1e-12, maxIterations: 3000 });
    if (best === null || result.value < best.value) best = result;
  }
  const fitted = decode(best!.point);
  return {
    omega: fitted.omega * meanSquare,
    alpha: fitted.alpha,
    beta: fitted.beta,
    logLikelihood: garchLogLikelihood(returns, { ...fitted, omega: fitted.omega * meanSquare }),
  };
}

/**
 * Variance of the sum of the next `horizonSteps` returns given next-step variance σ²ₜ₊₁:
 * Σₖ [V + (α + β)^(k−1) (σ²ₜ₊₁ − V)] with V = ω / (1 − α − β) the long-run variance.
 */
export function garchHorizonVariance(
  coefficients: GarchCoefficients,
  nextVariance: number,
  horizonSteps: number,
): number {
  const persistence = coefficients.alpha + coefficients.beta;
  const longRun = coefficients.omega / (1 - persistence);
  let total = 0;
  let decay = 1;
  for (let step = 0; step < horizonSteps; step += 1) {
    total += longRun + decay * (nextVariance - longRun);
    decay *= persistence;
  }
  return total;
}

/** GARCH(1,1) (Bollerslev 1986) fitted by maximum likelihood on one-candle log returns. */
export class GarchVolatility implements VolatilityModel {
  readonly modelType = 'garch';
  #coefficients: GarchCoefficients | null = null;

  constructor(
    readonly horizonSteps: number,
    readonly params: Readonly<GarchParams>,
  ) {}

  get coefficients(): GarchCoefficients | null {
    return this.#coefficients;
  }

  fit({ matrix, endIndex }: VolatilityTrainingData): void {
    const returns = oneStepLogReturns(matrix);
    const first = Math.max(1, endIndex - this.params.trainingWindowSteps + 1);
    const { omega, alpha, beta } = fitGarch(returns.subarray(first, endIndex + 1));
    this.#coefficients = { omega, alpha, beta };
  }

  predictionProblem(context: ForecastContext): string | null {
    return context.originIndex < 20 ? 'GARCH volatility needs 20 returns before the origin' : null;
  }

  predictScale(context: ForecastContext): number {
    const coefficients = this.#coefficients;
    if (coefficients === null) throw new ValidationError('GARCH volatility is not fitted');
    const returns = oneStepLogReturns(context.matrix);
    const { omega, alpha, beta } = coefficients;
    const first = Math.max(1, context.originIndex - this.params.lookbackSteps + 1);
    // Started at the long-run variance; after the lookback its weight is (α + β)^lookback.
    let variance = omega / (1 - alpha - beta);
    for (let index = first; index <= context.originIndex; index += 1) {
      variance = omega + alpha * returns[index]! ** 2 + beta * variance;
    }
    return Math.sqrt(garchHorizonVariance(coefficients, variance, this.horizonSteps));
  }

  serializeState(): unknown {
    if (this.#coefficients === null) throw new ValidationError('GARCH volatility is not fitted');
    return { ...this.#coefficients };
  }

  restoreState(state: unknown): void {
    this.#coefficients = garchStateSchema.parse(state);
  }
}

export const garchVolatilityDefinition: VolatilityModelDefinition<GarchParams> = {
  modelType: 'garch',
  description: 'GARCH(1,1) fitted by maximum likelihood on one-candle log returns',
  paramsSchema: garchParamsSchema,
  create: (horizonSteps, params) => new GarchVolatility(horizonSteps, params),
};
