import { errorRelativeToNaive, ValidationError } from '@runecast/market';

/** z for a two-sided 95% normal interval. */
export const Z_95 = 1.959963984540054;

function assertSameLength(name: string, ...arrays: ArrayLike<number>[]): number {
  const length = arrays[0]!.length;
  if (arrays.some((array) => array.length !== length)) {
    throw new ValidationError(
      `${name}: inputs differ in length (${arrays.map((array) => array.length).join(', ')})`,
    );
  }
  if (length === 0) throw new ValidationError(`${name}: no points`);
  return length;
}

export function meanAbsoluteError(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const length = assertSameLength('MAE', actual, predicted);
  let sum = 0;
  for (let index = 0; index < length; index += 1) sum += Math.abs(actual[index]! - predicted[index]!);
  return sum / length;
}

export function rootMeanSquaredError(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const length = assertSameLength('RMSE', actual, predicted);
  let sum = 0;
  for (let index = 0; index < length; index += 1) sum += (actual[index]! - predicted[index]!) ** 2;
  return Math.sqrt(sum / length);
}

/** Mean absolute percentage error, in percent. */
export function meanAbsolutePercentageError(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const length = assertSameLength('MAPE', actual, predicted);
  let sum = 0;
  for (let index = 0; index < length; index += 1) {
    if (actual[index] === 0) throw new ValidationError('MAPE: an actual value is zero');
    sum += Math.abs((actual[index]! - predicted[index]!) / actual[index]!);
  }
  return (100 * sum) / length;
}

/** MAE of the model over the MAE of the naive forecast on the same points (below 1 beats naive). */
export function meanAbsoluteScaledError(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  naive: ArrayLike<number>,
): number {
  assertSameLength('MASE', actual, predicted, naive);
  return (
    errorRelativeToNaive(meanAbsoluteError(actual, predicted), meanAbsoluteError(actual, naive)) ?? Number.NaN
  );
}

/** 1 − SSE/SST with SST around the mean of `actual` (out of sample this can be negative). */
export function rSquared(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const length = assertSameLength('R²', actual, predicted);
  let mean = 0;
  for (let index = 0; index < length; index += 1) mean += actual[index]!;
  mean /= length;
  let residual = 0;
  let total = 0;
  for (let index = 0; index < length; index += 1) {
    residual += (actual[index]! - predicted[index]!) ** 2;
    total += (actual[index]! - mean) ** 2;
  }
  return total === 0 ? Number.NaN : 1 - residual / total;
}

export interface ProportionInterval {
  lower: number;
  upper: number;
}

/** Wilson score interval for `successes` out of `trials`. */
export function wilsonInterval(successes: number, trials: number, z: number = Z_95): ProportionInterval {
  if (trials <= 0) return { lower: Number.NaN, upper: Number.NaN };
  const proportion = successes / trials;
  const zSquared = z * z;
  const denominator = 1 + zSquared / trials;
  const centre = (proportion + zSquared / (2 * trials)) / denominator;
  const halfWidth =
    (z * Math.sqrt((proportion * (1 - proportion)) / trials + zSquared / (4 * trials * trials))) /
    denominator;
  return { lower: Math.max(0, centre - halfWidth), upper: Math.min(1, centre + halfWidth) };
}

export interface DirectionalAccuracy {
  /** Share of calls with the right sign; null when the model never called a direction (naive). */
  accuracy: number | null;
  hits: number;
  /** Points where both the forecast and the outcome moved (a zero forecast is no call). */
  count: number;
  lower95: number | null;
  upper95: number | null;
}

export function directionalAccuracy(
  actualChanges: ArrayLike<number>,
  predictedChanges: ArrayLike<number>,
): DirectionalAccuracy {
  const length = assertSameLength('directional accuracy', actualChanges, predictedChanges);
  let hits = 0;
  let count = 0;
  for (let index = 0; index < length; index += 1) {
    const actual = Math.sign(actualChanges[index]!);
    const predicted = Math.sign(predictedChanges[index]!);
    if (actual === 0 || predicted === 0) continue;
    count += 1;
    if (actual === predicted) hits += 1;
  }
  if (count === 0) return { accuracy: null, hits, count, lower95: null, upper95: null };
  const interval = wilsonInterval(hits, count);
  return { accuracy: hits / count, hits, count, lower95: interval.lower, upper95: interval.upper };
}

/** Share of actual values inside [lower, upper] (bounds included). */
export function intervalCoverage(
  actual: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
): number {
  const length = assertSameLength('coverage', actual, lower, upper);
  let inside = 0;
  for (let index = 0; index < length; index += 1) {
    if (actual[index]! >= lower[index]! && actual[index]! <= upper[index]!) inside += 1;
  }
  return inside / length;
}

export function meanIntervalWidth(lower: ArrayLike<number>, upper: ArrayLike<number>): number {
  const length = assertSameLength('interval width', lower, upper);
  let sum = 0;
  for (let index = 0; index < length; index += 1) sum += upper[index]! - lower[index]!;
  return sum / length;
}

export interface QuantileForecast {
  level: number;
  values: ArrayLike<number>;
}

/** Pinball (quantile) loss averaged over points and over the quantile levels given. */
export function pinballLoss(actual: ArrayLike<number>, quantiles: readonly QuantileForecast[]): number {
  if (quantiles.length === 0) throw new ValidationError('pinball loss: no quantiles');
  let total = 0;
  for (const { level, values } of quantiles) {
    if (!(level > 0 && level < 1)) throw new ValidationError(`pinball loss: level ${level} is not in (0, 1)`);
    const length = assertSameLength('pinball loss', actual, values);
    let sum = 0;
    for (let index = 0; index < length; index += 1) {
      const error = actual[index]! - values[index]!;
      sum += error >= 0 ? level * error : (level - 1) * error;
    }
    total += sum / length;
  }
  return total / quantiles.length;
}

export interface StrategyInput {
  /** Close at each decision time, in time order. */
  closes: ArrayLike<number>;
  /** Forecast log return at each decision time; long when positive, flat otherwise. */
  predictedLogReturns: ArrayLike<number>;
  /** Cost of each position change as a share of equity (0.001 = 0.1%). */
  feeRate: number;
  /** Decision periods per year, to annualise the Sharpe ratio. */
  periodsPerYear: number;
}

export interface StrategyResult {
  totalReturn: number;
  /** Annualised mean over standard deviation of period returns; null when returns never vary. */
  sharpe: number | null;
  /** Position changes (each one pays the fee). */
  trades: number;
  /** Share of periods held long. */
  exposure: number;
  buyAndHoldReturn: number;
  /** Equity at each decision time, starting at 1 (the last is 1 + totalReturn). */
  equity: Float64Array;
}

/**
 * Long/flat: at each decision time, hold the asset until the next decision time when the forecast
 * return is positive, otherwise hold cash. The last decision has no following period.
 */
export function longFlatStrategy(input: StrategyInput): StrategyResult {
  const length = assertSameLength('strategy', input.closes, input.predictedLogReturns);
  let equity = 1;
  let position = 0;
  let trades = 0;
  let longPeriods = 0;
  const periodReturns: number[] = [];
  const path = new Float64Array(length);
  path[0] = 1;
  for (let index = 0; index + 1 < length; index += 1) {
    const target = input.predictedLogReturns[index]! > 0 ? 1 : 0;
    const before = equity;
    if (target !== position) {
      equity *= 1 - input.feeRate;
      trades += 1;
      position = target;
    }
    if (position === 1) {
      equity *= input.closes[index + 1]! / input.closes[index]!;
      longPeriods += 1;
    }
    periodReturns.push(equity / before - 1);
    path[index + 1] = equity;
  }
  const periods = periodReturns.length;
  let sharpe: number | null = null;
  if (periods >= 2) {
    const mean = periodReturns.reduce((sum, value) => sum + value, 0) / periods;
    const variance = periodReturns.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (periods - 1);
    if (variance > 0) sharpe = (mean / Math.sqrt(variance)) * Math.sqrt(input.periodsPerYear);
  }
  return {
    totalReturn: equity - 1,
    sharpe,
    trades,
    exposure: periods === 0 ? 0 : longPeriods / periods,
    buyAndHoldReturn: input.closes[length - 1]! / input.closes[0]! - 1,
    equity: path,
  };
}

/**
 * Interval (Winkler) score of central (1 − alpha) intervals, one value per point: the width, plus
 * 2/alpha times how far the actual fell outside (Gneiting & Raftery 2007, eq. 43). Lower is better;
 * it rewards narrow intervals and punishes misses in proportion to their size.
 */
export function intervalScores(
  actual: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
  alpha: number,
): Float64Array {
  if (!(alpha > 0 && alpha < 1)) throw new ValidationError(`interval score: alpha ${alpha} is not in (0, 1)`);
  const length = assertSameLength('interval score', actual, lower, upper);
  const scores = new Float64Array(length);
  const penalty = 2 / alpha;
  for (let index = 0; index < length; index += 1) {
    const value = actual[index]!;
    const low = lower[index]!;
    const high = upper[index]!;
    let score = high - low;
    if (value < low) score += penalty * (low - value);
    else if (value > high) score += penalty * (value - high);
    scores[index] = score;
  }
  return scores;
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) throw new ValidationError('mean: no points');
  let sum = 0;
  for (let index = 0; index < values.length; index += 1) sum += values[index]!;
  return sum / values.length;
}

/**
 * Quantile levels of the CRPS grid: the midpoints (k − ½)/K of K = 20 equal slices of (0, 1), so the
 * grid runs from 2.5% to 97.5% in steps of 5%.
 */
export const CRPS_QUANTILE_LEVELS: readonly number[] = Object.freeze(
  Array.from({ length: 20 }, (_, index) => (index + 0.5) / 20),
);

/**
 * CRPS per point from forecast quantiles: CRPS = 2 ∫₀¹ pinball_τ dτ (Gneiting & Raftery 2007,
 * eq. 21), approximated by the midpoint rule on the given levels, which must be (k − ½)/K for
 * k = 1..K. In the unit of the values (price).
 */
export function quantileCrps(
  actual: ArrayLike<number>,
  quantiles: readonly QuantileForecast[],
): Float64Array {
  if (quantiles.length === 0) throw new ValidationError('CRPS: no quantiles');
  const levels = quantiles.length;
  for (const [position, { level }] of quantiles.entries()) {
    if (Math.abs(level - (position + 0.5) / levels) > 1e-12) {
      throw new ValidationError(
        `CRPS: quantile ${position} has level ${level}; the grid must be (k − ½)/${levels}`,
      );
    }
  }
  const length = assertSameLength('CRPS', actual, ...quantiles.map((quantile) => quantile.values));
  const scores = new Float64Array(length);
  for (const { level, values } of quantiles) {
    for (let index = 0; index < length; index += 1) {
      const error = actual[index]! - values[index]!;
      scores[index] = scores[index]! + ((error >= 0 ? level * error : (level - 1) * error) * 2) / levels;
    }
  }
  return scores;
}

/** 1 − model / baseline (0.05 is a 5% lower score than the baseline); null when the baseline is not positive. */
export function skillScore(modelScore: number, baselineScore: number): number | null {
  if (!(baselineScore > 0) || !Number.isFinite(modelScore)) return null;
  return 1 - modelScore / baselineScore;
}
