import { ValidationError } from '@runecast/market';
import type { EvaluatedForecasts } from './forecast-metrics.ts';
import { CRPS_QUANTILE_LEVELS, intervalScores, longFlatStrategy } from './metrics.ts';

/** Most points of each charted series; longer walk-forwards are thinned to every k-th origin. */
export const EVIDENCE_MAX_POINTS = 600;
/** Bins of the PIT histogram, of equal width on [0, 1]. */
export const PIT_BINS = 10;

/**
 * What the evidence charts draw, computed by the same functions as the metrics table: forecast
 * against actual with both bands, the rolling 80% interval score beside naive's, the coverage of
 * central bands at several levels, a PIT histogram, and the long/flat strategy's equity beside
 * buy-and-hold.
 */
export interface ForecastEvidence {
  /** Origins the walk-forward scored (before thinning). */
  origins: number;
  /** Every `stride`-th origin is charted, ending with the last. */
  stride: number;
  /** Origins in the trailing mean of the interval scores (an expanding mean until it fills). */
  rollingWindow: number;
  series: {
    targetTimeMs: number[];
    actualClose: number[];
    point: number[];
    lower80: number[];
    upper80: number[];
    lower95: number[];
    upper95: number[];
    intervalScore80: number[];
    /** Naive's with its plain conformal bands on the same origins: the reference of the skill scores. */
    naiveIntervalScore80: number[];
    /** Long/flat strategy after fees, starting at 1; its last value is 1 + the table's strategy return. */
    strategyEquity: number[];
    buyAndHoldEquity: number[];
  };
  /** Observed share of actuals inside the central band at each nominal coverage. */
  calibration: { nominal: number[]; observed: number[] };
  /** Counts of the probability integral transform per bin of width 1 / PIT_BINS; flat when calibrated. */
  pitHistogram: number[];
}

/** Trailing mean over `window` values (an expanding mean over the first window − 1). */
export function trailingMean(values: ArrayLike<number>, window: number): Float64Array {
  if (!Number.isSafeInteger(window) || window < 1) {
    throw new ValidationError(`trailing mean: window must be a positive integer, got ${window}`);
  }
  const means = new Float64Array(values.length);
  let sum = 0;
  for (let index = 0; index < values.length; index += 1) {
    sum += values[index]!;
    if (index >= window) sum -= values[index - window]!;
    means[index] = sum / Math.min(index + 1, window);
  }
  return means;
}

/**
 * The forecast CDF at the actual, from price quantiles at the midpoint grid (k − ½)/K: linear
 * between neighbouring quantiles; half the tail's mass below the lowest or above the highest (the
 * grid says nothing of the shape there). Ties spread evenly over the tied levels.
 */
export function quantilePit(actual: number, levels: readonly number[], quantiles: readonly number[]): number {
  const last = levels.length - 1;
  if (actual < quantiles[0]!) return levels[0]! / 2;
  if (actual > quantiles[last]!) return (1 + levels[last]!) / 2;
  for (let position = 0; position < last; position += 1) {
    const low = quantiles[position]!;
    const high = quantiles[position + 1]!;
    if (actual <= high) {
      const share = high > low ? (actual - low) / (high - low) : 0.5;
      return levels[position]! + share * (levels[position + 1]! - levels[position]!);
    }
  }
  return levels[last]!;
}

/** Indices charted: every `stride`-th, counted back from the last so the last is always there. */
function thinnedIndices(count: number, stride: number): number[] {
  const indices: number[] = [];
  for (let index = count - 1; index >= 0; index -= stride) indices.push(index);
  return indices.reverse();
}

export function computeForecastEvidence(
  forecasts: EvaluatedForecasts,
  benchmark: EvaluatedForecasts,
  options: {
    /** Target time of each forecast. */
    targetTimeMs: ArrayLike<number>;
    feeRate: number;
    periodsPerYear: number;
    maxPoints?: number;
  },
): ForecastEvidence {
  const count = forecasts.actualClose.length;
  if (count === 0 || benchmark.actualClose.length !== count || options.targetTimeMs.length !== count) {
    throw new ValidationError(
      `evidence: ${count} forecasts, ${benchmark.actualClose.length} of naive's, ${options.targetTimeMs.length} target times`,
    );
  }
  const maxPoints = options.maxPoints ?? EVIDENCE_MAX_POINTS;
  const stride = Math.max(1, Math.ceil(count / maxPoints));
  const rollingWindow = Math.max(1, Math.min(count, Math.round(count / 20)));
  const { actualClose } = forecasts;
  const modelScores = trailingMean(
    intervalScores(actualClose, forecasts.lower80, forecasts.upper80, 0.2),
    rollingWindow,
  );
  const naiveScores = trailingMean(
    intervalScores(actualClose, benchmark.lower80, benchmark.upper80, 0.2),
    rollingWindow,
  );
  const strategy = longFlatStrategy({
    closes: forecasts.lastClose,
    predictedLogReturns: forecasts.logReturn,
    feeRate: options.feeRate,
    periodsPerYear: options.periodsPerYear,
  });

  // Central bands from the CRPS grid: levels τ and 1 − τ bound the band of coverage 1 − 2τ.
  const levels = CRPS_QUANTILE_LEVELS;
  const pairs = levels.length / 2;
  const inside = new Array<number>(pairs).fill(0);
  const pitHistogram = new Array<number>(PIT_BINS).fill(0);
  const row = new Array<number>(levels.length);
  for (let index = 0; index < count; index += 1) {
    const actual = actualClose[index]!;
    for (let level = 0; level < levels.length; level += 1)
      row[level] = forecasts.crpsQuantiles[level]![index]!;
    for (let pair = 0; pair < pairs; pair += 1) {
      if (actual >= row[pair]! && actual <= row[levels.length - 1 - pair]!) inside[pair]! += 1;
    }
    const pit = quantilePit(actual, levels, row);
    pitHistogram[Math.min(PIT_BINS - 1, Math.floor(pit * PIT_BINS))]! += 1;
  }
  // Narrowest band first.
  const nominal: number[] = [];
  const observed: number[] = [];
  for (let pair = pairs - 1; pair >= 0; pair -= 1) {
    nominal.push(Math.round((1 - 2 * levels[pair]!) * 1e9) / 1e9);
    observed.push(inside[pair]! / count);
  }

  const indices = thinnedIndices(count, stride);
  const pick = (values: ArrayLike<number>): number[] => indices.map((index) => values[index]!);
  const firstClose = forecasts.lastClose[0]!;
  return {
    origins: count,
    stride,
    rollingWindow,
    series: {
      targetTimeMs: pick(options.targetTimeMs),
      actualClose: pick(actualClose),
      point: pick(forecasts.point),
      lower80: pick(forecasts.lower80),
      upper80: pick(forecasts.upper80),
      lower95: pick(forecasts.lower95),
      upper95: pick(forecasts.upper95),
      intervalScore80: pick(modelScores),
      naiveIntervalScore80: pick(naiveScores),
      strategyEquity: pick(strategy.equity),
      buyAndHoldEquity: indices.map((index) => forecasts.lastClose[index]! / firstClose),
    },
    calibration: { nominal, observed },
    pitHistogram,
  };
}
