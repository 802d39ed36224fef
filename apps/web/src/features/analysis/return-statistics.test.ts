import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  alignOnCommonTimes,
  correlation,
  correlationMatrix,
  distributionStatistics,
  histogram,
  logReturns,
  rollingVolatility,
} from './return-statistics.ts';

function close(actual: number | null | undefined, expected: number, tolerance = 1e-9) {
  assert.ok(
    actual !== null && actual !== undefined && Math.abs(actual - expected) <= tolerance,
    `${actual} ≉ ${expected}`,
  );
}

describe('return statistics', () => {
  test('log returns', () => {
    const returns = logReturns([100, 110, 99]);
    close(returns[0], Math.log(1.1));
    close(returns[1], Math.log(0.9));
    assert.ok(Number.isNaN(logReturns([100, 0])[0]));
  });

  test('distribution of 1, 2, 3, 4, 10 worked out by hand', () => {
    // mean 4; squared deviations 9+4+1+0+36 = 50 → sample variance 12.5;
    // population variance 10; third moment (−27−8−1+0+216)/5 = 36 → skew 36 / 10^1.5;
    // fourth moment (81+16+1+0+1296)/5 = 278.8 → excess kurtosis 278.8/100 − 3.
    const statistics = distributionStatistics([1, 2, 3, 4, 10, Number.NaN])!;
    assert.equal(statistics.count, 5);
    close(statistics.mean, 4);
    close(statistics.standardDeviation, Math.sqrt(12.5));
    close(statistics.skewness, 36 / 10 ** 1.5);
    close(statistics.excessKurtosis, 278.8 / 100 - 3);
    assert.equal(statistics.minimum, 1);
    assert.equal(statistics.maximum, 10);
    assert.equal(distributionStatistics([1]), null);
  });

  test('histogram bins', () => {
    const bins = histogram([0, 1, 2, 3, 4], 2);
    assert.deepEqual(bins.counts, [2, 3]);
    assert.deepEqual(bins.centres, [1, 3]);
    assert.equal(bins.binWidth, 2);
    assert.deepEqual(histogram([5, 5], 1).counts, [2]);
  });

  test('rolling volatility over a window of 3', () => {
    const volatility = rollingVolatility([1, 2, 3, 10], 3);
    assert.deepEqual(volatility.slice(0, 2), [null, null]);
    close(volatility[2], 1); // sd of 1, 2, 3
    close(volatility[3], Math.sqrt(19)); // sd of 2, 3, 10: mean 5, (9+4+25)/2
    close(rollingVolatility([1, 2, 3], 3, 4)[2], 2); // scaled by √4
  });

  test('correlation', () => {
    close(correlation([1, 2, 3, 4], [2, 4, 6, 8]), 1);
    close(correlation([1, 2, 3, 4], [8, 6, 4, 2]), -1);
    // x = 1,2,3  y = 1,3,2: cov 0.5·2 … r = 0.5
    close(correlation([1, 2, 3], [1, 3, 2]), 0.5);
    assert.equal(correlation([1, 1, 1], [1, 2, 3]), null);
    assert.equal(correlation([1, 2], [1, 2]), null);
    const matrix = correlationMatrix([
      [1, 2, 3],
      [1, 3, 2],
    ]);
    assert.equal(matrix[0]![0], 1);
    close(matrix[0]![1], 0.5);
    close(matrix[1]![0], 0.5);
  });

  test('aligns series on the times they share', () => {
    const aligned = alignOnCommonTimes([
      { times: [1, 2, 3, 4], closes: [10, 20, 30, 40] },
      { times: [2, 3, 5], closes: [200, 300, 500] },
    ]);
    assert.deepEqual(aligned, {
      times: [2, 3],
      closes: [
        [20, 30],
        [200, 300],
      ],
    });
  });
});
