import { ValidationError } from '@runecast/market';

/** Smallest smoothing weight the fit considers; below it the level barely moves at all. */
export const MIN_SMOOTHING_ALPHA = 0.0001;

export interface SmoothingRun {
  /** Level after the last value: the forecast of every later value. */
  level: number;
  /** Sum of squared one-step errors (the first value starts the level and is not forecast). */
  sumSquaredErrors: number;
}

function assertSeries(values: ArrayLike<number>, minimum: number, what: string): void {
  if (values.length < minimum) {
    throw new ValidationError(`${what} needs at least ${minimum} values, got ${values.length}`);
  }
  for (let index = 0; index < values.length; index += 1) {
    if (!Number.isFinite(values[index]!)) {
      throw new ValidationError(`${what}: value ${index} is ${values[index]}, not a finite number`);
    }
  }
}

function assertAlpha(alpha: number): void {
  if (!(alpha >= MIN_SMOOTHING_ALPHA && alpha <= 1)) {
    throw new ValidationError(`smoothing alpha must be in [${MIN_SMOOTHING_ALPHA}, 1], got ${alpha}`);
  }
}

/**
 * Simple exponential smoothing, ℓ_t = α y_t + (1 − α) ℓ_{t−1}, started at ℓ_1 = y_1 (the level
 * is not a free parameter, so the fit has one dimension and the run is reproducible by hand).
 */
export function smoothLevel(values: ArrayLike<number>, alpha: number, from = 0): SmoothingRun {
  assertAlpha(alpha);
  let level = values[from]!;
  let sumSquaredErrors = 0;
  for (let index = from + 1; index < values.length; index += 1) {
    const error = values[index]! - level;
    sumSquaredErrors += error * error;
    level += alpha * error;
  }
  return { level, sumSquaredErrors };
}

/**
 * The α in [MIN_SMOOTHING_ALPHA, 1] with the smallest sum of squared one-step errors: a grid of
 * 100 steps finds the basin (the error curve can have more than one), golden-section search refines
 * it to about 1e-6.
 */
export function fitSmoothingAlpha(values: ArrayLike<number>): number {
  assertSeries(values, 3, 'exponential smoothing');
  const sse = (alpha: number): number => smoothLevel(values, alpha).sumSquaredErrors;
  const gridSteps = 100;
  const at = (step: number): number => Math.max(MIN_SMOOTHING_ALPHA, step / gridSteps);
  let bestStep = 0;
  let bestError = sse(at(0));
  for (let step = 1; step <= gridSteps; step += 1) {
    const error = sse(at(step));
    if (error < bestError) {
      bestError = error;
      bestStep = step;
    }
  }
  let low = at(Math.max(0, bestStep - 1));
  let high = at(Math.min(gridSteps, bestStep + 1));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let left = high - ratio * (high - low);
  let right = low + ratio * (high - low);
  let leftError = sse(left);
  let rightError = sse(right);
  while (high - low > 1e-6) {
    if (leftError <= rightError) {
      high = right;
      right = left;
      rightError = leftError;
      left = high - ratio * (high - low);
      leftError = sse(left);
    } else {
      low = left;
      left = right;
      leftError = rightError;
      right = low + ratio * (high - low);
      rightError = sse(right);
    }
  }
  const refined = (low + high) / 2;
  // The grid point wins when it is better (e.g. α = 1 exactly, at the boundary).
  return sse(refined) <= bestError ? refined : at(bestStep);
}

/** Slope of the least-squares line through (0, y_0), (1, y_1), …: the trend the Theta method halves. */
export function linearTrendSlope(values: ArrayLike<number>): number {
  assertSeries(values, 2, 'the linear trend');
  const count = values.length;
  const meanTime = (count - 1) / 2;
  let meanValue = 0;
  for (let index = 0; index < count; index += 1) meanValue += values[index]!;
  meanValue /= count;
  let covariance = 0;
  let variance = 0;
  for (let index = 0; index < count; index += 1) {
    covariance += (index - meanTime) * (values[index]! - meanValue);
    variance += (index - meanTime) ** 2;
  }
  return covariance / variance;
}

/**
 * The Theta method's forecast h steps after the last of n values (Hyndman & Billah, 2003: SES with
 * drift equal to half the slope of the linear trend): ℓ_n + b/2 · (h − 1 + (1 − (1 − α)^n) / α).
 */
export function thetaForecast(
  level: number,
  alpha: number,
  halfSlope: number,
  count: number,
  steps: number,
): number {
  assertAlpha(alpha);
  return level + halfSlope * (steps - 1 + (1 - (1 - alpha) ** count) / alpha);
}
