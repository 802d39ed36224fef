import { type FeatureMatrix, memoizeOnMatrix } from '../../features/feature-matrix.ts';

export const RANGE_VARIANCE_ESTIMATORS = ['parkinson', 'garman-klass'] as const;
export type RangeVarianceEstimator = (typeof RANGE_VARIANCE_ESTIMATORS)[number];

const FOUR_LN_2 = 4 * Math.LN2;
const GARMAN_KLASS_CLOSE_WEIGHT = 2 * Math.LN2 - 1;

/** Parkinson (1980): (ln(high/low))² / (4 ln 2), an estimate of one candle's log-return variance. */
export function parkinsonVariance(high: number, low: number): number {
  return Math.log(high / low) ** 2 / FOUR_LN_2;
}

/**
 * Garman–Klass (1980): ½ (ln(high/low))² − (2 ln 2 − 1) (ln(close/open))². Never negative for a
 * valid candle: |ln(close/open)| <= ln(high/low) and 2 ln 2 − 1 < ½.
 */
export function garmanKlassVariance(open: number, high: number, low: number, close: number): number {
  return 0.5 * Math.log(high / low) ** 2 - GARMAN_KLASS_CLOSE_WEIGHT * Math.log(close / open) ** 2;
}

function cached(matrix: FeatureMatrix, key: string, build: () => Float64Array): Float64Array {
  return memoizeOnMatrix(matrix, `variance:${key}`, build);
}

/**
 * Running sums of the per-candle range variance: `sums[i]` is the total over candles 0..i−1, so the
 * sum over candles a..b is `sums[b + 1] − sums[a]`. Computed once per matrix. Filled gaps are flat
 * candles and add 0.
 */
export function rangeVarianceSums(matrix: FeatureMatrix, estimator: RangeVarianceEstimator): Float64Array {
  return cached(matrix, `range:${estimator}`, () => {
    const length = matrix.closes.length;
    const sums = new Float64Array(length + 1);
    for (let index = 0; index < length; index += 1) {
      const variance =
        estimator === 'parkinson'
          ? parkinsonVariance(matrix.highs[index]!, matrix.lows[index]!)
          : garmanKlassVariance(
              matrix.opens[index]!,
              matrix.highs[index]!,
              matrix.lows[index]!,
              matrix.closes[index]!,
            );
      sums[index + 1] = sums[index]! + variance;
    }
    return sums;
  });
}

/** One-candle log returns of the closes; entry 0 is 0 (no earlier close). Computed once per matrix. */
export function oneStepLogReturns(matrix: FeatureMatrix): Float64Array {
  return cached(matrix, 'returns', () => {
    const returns = new Float64Array(matrix.closes.length);
    for (let index = 1; index < returns.length; index += 1) {
      returns[index] = Math.log(matrix.closes[index]! / matrix.closes[index - 1]!);
    }
    return returns;
  });
}
