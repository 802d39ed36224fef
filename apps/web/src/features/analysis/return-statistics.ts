/** Log returns ln(close[i] / close[i-1]); one fewer than the closes. */
export function logReturns(closes: readonly number[]): number[] {
  const returns: number[] = [];
  for (let index = 1; index < closes.length; index += 1) {
    const previous = closes[index - 1]!;
    const current = closes[index]!;
    returns.push(previous > 0 && current > 0 ? Math.log(current / previous) : Number.NaN);
  }
  return returns;
}

export interface DistributionStatistics {
  count: number;
  mean: number;
  standardDeviation: number;
  skewness: number;
  /** Excess kurtosis: 0 for a normal distribution, above it for fat tails. */
  excessKurtosis: number;
  minimum: number;
  maximum: number;
}

export function distributionStatistics(values: readonly number[]): DistributionStatistics | null {
  const finite = values.filter((value) => Number.isFinite(value));
  const count = finite.length;
  if (count < 2) return null;
  const mean = finite.reduce((sum, value) => sum + value, 0) / count;
  let second = 0;
  let third = 0;
  let fourth = 0;
  for (const value of finite) {
    const deviation = value - mean;
    second += deviation ** 2;
    third += deviation ** 3;
    fourth += deviation ** 4;
  }
  const variance = second / (count - 1);
  const populationVariance = second / count;
  const standardDeviation = Math.sqrt(variance);
  return {
    count,
    mean,
    standardDeviation,
    skewness: populationVariance > 0 ? third / count / populationVariance ** 1.5 : 0,
    excessKurtosis: populationVariance > 0 ? fourth / count / populationVariance ** 2 - 3 : 0,
    minimum: Math.min(...finite),
    maximum: Math.max(...finite),
  };
}

export interface Histogram {
  /** Centre of each bin. */
  centres: number[];
  counts: number[];
  binWidth: number;
}

/** Equal-width bins over the finite values (NaN and infinities are left out). */
export function histogram(values: readonly number[], binCount: number): Histogram {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0 || binCount < 1) return { centres: [], counts: [], binWidth: 0 };
  let minimum = Math.min(...finite);
  let maximum = Math.max(...finite);
  if (minimum === maximum) {
    minimum -= 0.5;
    maximum += 0.5;
  }
  const binWidth = (maximum - minimum) / binCount;
  const counts = new Array<number>(binCount).fill(0);
  for (const value of finite) {
    const index = Math.min(binCount - 1, Math.floor((value - minimum) / binWidth));
    counts[index]! += 1;
  }
  const centres = counts.map((_, index) => minimum + (index + 0.5) * binWidth);
  return { centres, counts, binWidth };
}

/** Normal density scaled to a histogram's counts, to draw over it. */
export function normalCurve(
  histogramData: Histogram,
  mean: number,
  standardDeviation: number,
  total: number,
): number[] {
  if (!(standardDeviation > 0)) return histogramData.centres.map(() => 0);
  return histogramData.centres.map((centre) => {
    const z = (centre - mean) / standardDeviation;
    return (
      (total * histogramData.binWidth * Math.exp(-0.5 * z * z)) / (standardDeviation * Math.sqrt(2 * Math.PI))
    );
  });
}

/**
 * Standard deviation of the last `window` returns at each point (null until the window is
 * full), scaled by √periodsPerYear to an annual figure when given.
 */
export function rollingVolatility(
  returns: readonly number[],
  window: number,
  periodsPerYear = 1,
): (number | null)[] {
  const result: (number | null)[] = [];
  let sum = 0;
  let sumOfSquares = 0;
  let finiteInWindow = 0;
  const scale = Math.sqrt(periodsPerYear);
  for (let index = 0; index < returns.length; index += 1) {
    const value = returns[index]!;
    if (Number.isFinite(value)) {
      sum += value;
      sumOfSquares += value * value;
      finiteInWindow += 1;
    }
    if (index >= window) {
      const leaving = returns[index - window]!;
      if (Number.isFinite(leaving)) {
        sum -= leaving;
        sumOfSquares -= leaving * leaving;
        finiteInWindow -= 1;
      }
    }
    if (index < window - 1 || finiteInWindow < 2) {
      result.push(null);
      continue;
    }
    const mean = sum / finiteInWindow;
    const variance = Math.max(0, (sumOfSquares - finiteInWindow * mean * mean) / (finiteInWindow - 1));
    result.push(Math.sqrt(variance) * scale);
  }
  return result;
}

export interface TimedCloses {
  times: readonly number[];
  closes: readonly number[];
}

/**
 * Keeps the times every series has, so returns line up candle for candle; each series'
 * closes at those times, in order.
 */
export function alignOnCommonTimes(series: readonly TimedCloses[]): { times: number[]; closes: number[][] } {
  if (series.length === 0) return { times: [], closes: [] };
  let common = new Set(series[0]!.times);
  for (const item of series.slice(1)) {
    const times = new Set(item.times);
    common = new Set([...common].filter((time) => times.has(time)));
  }
  const times = [...common].sort((a, b) => a - b);
  const closes = series.map((item) => {
    const byTime = new Map<number, number>();
    item.times.forEach((time, index) => byTime.set(time, item.closes[index]!));
    return times.map((time) => byTime.get(time)!);
  });
  return { times, closes };
}

/** Pearson correlation over the positions where both are finite; null with fewer than 3. */
export function correlation(first: readonly number[], second: readonly number[]): number | null {
  let count = 0;
  let sumFirst = 0;
  let sumSecond = 0;
  const length = Math.min(first.length, second.length);
  for (let index = 0; index < length; index += 1) {
    if (Number.isFinite(first[index]) && Number.isFinite(second[index])) {
      count += 1;
      sumFirst += first[index]!;
      sumSecond += second[index]!;
    }
  }
  if (count < 3) return null;
  const meanFirst = sumFirst / count;
  const meanSecond = sumSecond / count;
  let covariance = 0;
  let varianceFirst = 0;
  let varianceSecond = 0;
  for (let index = 0; index < length; index += 1) {
    if (!Number.isFinite(first[index]) || !Number.isFinite(second[index])) continue;
    const a = first[index]! - meanFirst;
    const b = second[index]! - meanSecond;
    covariance += a * b;
    varianceFirst += a * a;
    varianceSecond += b * b;
  }
  if (varianceFirst === 0 || varianceSecond === 0) return null;
  return covariance / Math.sqrt(varianceFirst * varianceSecond);
}

export function correlationMatrix(returnsBySeries: readonly (readonly number[])[]): (number | null)[][] {
  return returnsBySeries.map((first, row) =>
    returnsBySeries.map((second, column) => (row === column ? 1 : correlation(first, second))),
  );
}
