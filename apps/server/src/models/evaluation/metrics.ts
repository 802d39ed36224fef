import { errorRelativeToNaive } from '@runecast/market';
import { ValidationError } from '@runecast/market';

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
  };
}
