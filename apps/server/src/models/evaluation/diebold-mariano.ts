import studentTCdf from '@stdlib/stats-base-dists-t-cdf';
import { ValidationError } from '@runecast/market';

export interface DieboldMarianoResult {
  /** Harvey-Leybourne-Newbold corrected statistic; negative means the model's loss is lower. */
  statistic: number;
  /** Two-sided p-value from Student's t with n − 1 degrees of freedom. */
  pValue: number;
  /** Mean of (model loss − benchmark loss). */
  meanLossDifference: number;
  count: number;
  /** Autocovariance lags in the long-run variance (h − 1, or 0 after a fallback). */
  lags: number;
  /** True when the HAC variance with h − 1 lags was not positive and the test was run as for h = 1 (as R's dm.test does). */
  varianceFallback: boolean;
}

/**
 * Diebold-Mariano test of equal accuracy under squared-error loss, with the Harvey, Leybourne and
 * Newbold (1997) small-sample correction. `horizonSteps` is the forecast horizon in observations
 * (h); the loss differential of h-step forecasts is MA(h − 1), hence h − 1 autocovariance lags.
 */
export function dieboldMariano(
  modelErrors: ArrayLike<number>,
  benchmarkErrors: ArrayLike<number>,
  horizonSteps: number,
): DieboldMarianoResult {
  if (benchmarkErrors.length !== modelErrors.length)
    throw new ValidationError('Diebold-Mariano: error series differ in length');
  const square = (errors: ArrayLike<number>): Float64Array =>
    Float64Array.from({ length: errors.length }, (_, index) => errors[index]! ** 2);
  return dieboldMarianoOnLosses(square(modelErrors), square(benchmarkErrors), horizonSteps);
}

/**
 * The same test on any per-point loss (e.g. an interval score): the differential is
 * model loss − benchmark loss, so a negative statistic means the model's loss is lower.
 */
export function dieboldMarianoOnLosses(
  modelLosses: ArrayLike<number>,
  benchmarkLosses: ArrayLike<number>,
  horizonSteps: number,
): DieboldMarianoResult {
  const count = modelLosses.length;
  if (benchmarkLosses.length !== count)
    throw new ValidationError('Diebold-Mariano: loss series differ in length');
  if (!Number.isSafeInteger(horizonSteps) || horizonSteps < 1) {
    throw new ValidationError(`Diebold-Mariano: horizon must be a positive integer, got ${horizonSteps}`);
  }
  if (count < 3 || count <= horizonSteps) {
    throw new ValidationError(
      `Diebold-Mariano: ${count} points are too few for a horizon of ${horizonSteps}`,
    );
  }
  const differences = new Float64Array(count);
  let mean = 0;
  for (let index = 0; index < count; index += 1) {
    differences[index] = modelLosses[index]! - benchmarkLosses[index]!;
    mean += differences[index]!;
  }
  mean /= count;
  const autocovariance = (lag: number): number => {
    let sum = 0;
    for (let index = lag; index < count; index += 1)
      sum += (differences[index]! - mean) * (differences[index - lag]! - mean);
    return sum / count;
  };
  let lags = horizonSteps - 1;
  let longRunVariance = autocovariance(0);
  for (let lag = 1; lag <= lags; lag += 1) longRunVariance += 2 * autocovariance(lag);
  let varianceFallback = false;
  let h = horizonSteps;
  if (!(longRunVariance > 0) && lags > 0) {
    // As R's forecast::dm.test does: retry as a one-step test (variance and correction).
    varianceFallback = true;
    lags = 0;
    h = 1;
    longRunVariance = autocovariance(0);
  }
  if (!(longRunVariance > 0)) {
    // Identical losses at every point: no evidence either way.
    return { statistic: 0, pValue: 1, meanLossDifference: mean, count, lags, varianceFallback };
  }
  const statistic = mean / Math.sqrt(longRunVariance / count);
  const correctionSquared = (count + 1 - 2 * h + (h * (h - 1)) / count) / count;
  if (!(correctionSquared > 0)) {
    throw new ValidationError(
      `Diebold-Mariano: ${count} points are too few for a horizon of ${horizonSteps}`,
    );
  }
  const corrected = statistic * Math.sqrt(correctionSquared);
  // 2·F(−|t|) keeps precision for tiny p-values, where 1 − F(|t|) would round to 0.
  const pValue = Math.min(1, 2 * studentTCdf(-Math.abs(corrected), count - 1));
  return { statistic: corrected, pValue, meanLossDifference: mean, count, lags, varianceFallback };
}
