import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from '@runecast/market';
import { dieboldMariano, dieboldMarianoOnLosses } from './diebold-mariano.ts';
import { computeForecastMetrics } from './forecast-metrics.ts';
import {
  CRPS_QUANTILE_LEVELS,
  directionalAccuracy,
  intervalScores,
  intervalCoverage,
  longFlatStrategy,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanAbsoluteScaledError,
  meanIntervalWidth,
  pinballLoss,
  quantileCrps,
  rootMeanSquaredError,
  rSquared,
  skillScore,
  wilsonInterval,
} from './metrics.ts';

function assertClose(actual: number | null, expected: number, tolerance = 1e-9): void {
  assert.ok(actual !== null, `expected ${expected}, got null`);
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
}

// One small series used by most checks:
//   actual    = [10, 12, 11, 13]
//   predicted = [11, 11, 12, 12]   → errors actual − predicted = [−1, 1, −1, 1]
//   naive     = [10, 10, 12, 11]   (the previous close) → errors [0, 2, −1, 2]
const actual = [10, 12, 11, 13];
const predicted = [11, 11, 12, 12];
const naive = [10, 10, 12, 11];

describe('point metrics', () => {
  test('MAE: (1 + 1 + 1 + 1) / 4 = 1', () => {
    assertClose(meanAbsoluteError(actual, predicted), 1);
  });

  test('RMSE: sqrt((1 + 1 + 1 + 1) / 4) = 1; with errors [3, 4]: sqrt((9 + 16) / 2) = sqrt(12.5)', () => {
    assertClose(rootMeanSquaredError(actual, predicted), 1);
    assertClose(rootMeanSquaredError([3, 4], [0, 0]), Math.sqrt(12.5));
  });

  test('MAPE: (1/10 + 1/12 + 1/11 + 1/13) / 4 · 100 = 8.779137529…%', () => {
    // 0.1 + 0.0833333… + 0.0909090… + 0.0769230… = 0.3511655011655…; / 4 = 0.0877913752913…
    assertClose(meanAbsolutePercentageError(actual, predicted), 8.779137529137529, 1e-9);
  });

  test('MASE: model MAE 1 over naive MAE (0 + 2 + 1 + 2) / 4 = 1.25 gives 0.8', () => {
    assertClose(meanAbsoluteScaledError(actual, predicted, naive), 0.8);
    assertClose(meanAbsoluteScaledError(actual, naive, naive), 1);
  });

  test('R²: mean 11.5, SST = 2.25 + 0.25 + 0.25 + 2.25 = 5, SSE = 4, so 1 − 4/5 = 0.2', () => {
    assertClose(rSquared(actual, predicted), 0.2);
    // Worse than the mean: SSE = 4 · 9 = 36 → 1 − 36/5 = −6.2.
    assertClose(rSquared(actual, [13, 9, 14, 10]), -6.2);
  });

  test('inputs of different length or no points are rejected', () => {
    assert.throws(() => meanAbsoluteError([1, 2], [1]), ValidationError);
    assert.throws(() => rootMeanSquaredError([], []), ValidationError);
    assert.throws(() => meanAbsolutePercentageError([0, 1], [1, 1]), /actual value is zero/);
  });
});

describe('directional accuracy', () => {
  test('zero moves are no call; 2 right of 2 calls', () => {
    // actual changes [0, 2, −1, 2], predicted changes [1, 1, 0, 1]:
    // point 0 has no actual move, point 2 no forecast move; points 1 and 3 are both up, both right.
    const result = directionalAccuracy([0, 2, -1, 2], [1, 1, 0, 1]);
    assert.equal(result.count, 2);
    assert.equal(result.hits, 2);
    assert.equal(result.accuracy, 1);
  });

  test('the naive forecast makes no calls, so its accuracy is null', () => {
    const result = directionalAccuracy([1, -1, 2], [0, 0, 0]);
    assert.equal(result.accuracy, null);
    assert.equal(result.lower95, null);
  });

  test('Wilson interval for 8 of 10 at 95% is [0.4902, 0.9433]', () => {
    // p = 0.8, z² = 3.841459, denominator 1 + z²/10 = 1.3841459,
    // centre (0.8 + z²/20) / 1.3841459 = 0.7167402,
    // half-width z · sqrt(0.8 · 0.2 / 10 + z²/400) / 1.3841459 = 1.959964 · 0.1600114 / 1.3841459 = 0.2265777,
    // so [0.4901625, 0.9433178].
    const interval = wilsonInterval(8, 10);
    assertClose(interval.lower, 0.4901625, 1e-6);
    assertClose(interval.upper, 0.9433178, 1e-6);
  });
});

describe('interval and quantile metrics', () => {
  test('coverage counts bounds as inside: 3 of 4; mean width (2 + 0.5 + 2 + 1) / 4 = 1.375', () => {
    const lower = [9, 12.5, 10, 13];
    const upper = [11, 13, 12, 14];
    // 10 ∈ [9, 11] yes, 12 ∈ [12.5, 13] no, 11 ∈ [10, 12] yes, 13 ∈ [13, 14] yes (on the bound).
    assertClose(intervalCoverage(actual, lower, upper), 0.75);
    assertClose(meanIntervalWidth(lower, upper), 1.375);
  });

  test('pinball loss averages levels: ((0.5) + (1.375)) / 2 = 0.9375', () => {
    // level 0.1, quantile [11, 11] for actual [10, 12]: u = y − q = [−1, 1];
    //   loss = u ≥ 0 ? 0.1 u : (0.1 − 1) u → [0.9, 0.1] → mean 0.5.
    // level 0.25, quantile [8, 15]: u = [2, −3] → [0.25 · 2, 0.75 · 3] = [0.5, 2.25] → mean 1.375.
    const loss = pinballLoss(
      [10, 12],
      [
        { level: 0.1, values: [11, 11] },
        { level: 0.25, values: [8, 15] },
      ],
    );
    assertClose(loss, 0.9375);
  });
});

describe('long/flat strategy', () => {
  test('fees on every position change, long only while the forecast is positive', () => {
    // closes [100, 110, 99, 99, 108.9], forecasts [0.1, −0.1, 0.2, 0, 0.3], fee 1%:
    //   t0: go long (fee) 0.99, hold 110/100 → 1.089           period return +0.089
    //   t1: go flat (fee) 1.089 · 0.99 = 1.07811                period return −0.01
    //   t2: go long (fee) 1.0673289, hold 99/99                 period return −0.01
    //   t3: forecast 0 → flat (fee) 1.056655611                 period return −0.01
    //   t4: last decision, no period after it.
    // mean 0.059/4 = 0.01475; sample sd sqrt((0.07425² + 3 · 0.02475²) / 3) = 0.0495;
    // Sharpe = 0.01475 / 0.0495 · sqrt(4) = 0.595959…
    const result = longFlatStrategy({
      closes: [100, 110, 99, 99, 108.9],
      predictedLogReturns: [0.1, -0.1, 0.2, 0, 0.3],
      feeRate: 0.01,
      periodsPerYear: 4,
    });
    assertClose(result.totalReturn, 0.056655611, 1e-12);
    assertClose(result.sharpe, 0.5959595959595959, 1e-12);
    assert.equal(result.trades, 4);
    assertClose(result.exposure, 0.5);
    assertClose(result.buyAndHoldReturn, 0.089, 1e-12);
    const expectedEquity = [1, 1.089, 1.07811, 1.0673289, 1.056655611];
    assert.equal(result.equity.length, expectedEquity.length);
    expectedEquity.forEach((value, index) => assertClose(result.equity[index]!, value, 1e-12));
  });

  test('never long: no return and no Sharpe', () => {
    const result = longFlatStrategy({
      closes: [1, 2, 3],
      predictedLogReturns: [0, 0, 0],
      feeRate: 0.001,
      periodsPerYear: 1,
    });
    assert.equal(result.totalReturn, 0);
    assert.equal(result.sharpe, null);
  });
});

describe('Diebold-Mariano', () => {
  test('one step: d = e1² − e2², HLN correction, t with n − 1 degrees of freedom', () => {
    // e1 = [1, 2, 1, 3, 1, 2], e2 = [2, 2, 2, 2, 2, 2] → d = [−3, 0, −3, 5, −3, 0], mean −2/3.
    // γ0 = Σ(d − d̄)² / 6 = (5.4444 + 0.4444 + 5.4444 + 32.1111 + 5.4444 + 0.4444) / 6 = 8.2222
    // DM = −0.6667 / sqrt(8.2222 / 6) = −0.569495; HLN factor sqrt((6 + 1 − 2) / 6) = 0.912871
    // → −0.519875. With 5 degrees of freedom F(t) = ½ + (θ + sinθ cosθ (1 + ⅔ cos²θ)) / π,
    // θ = atan(t / √5): F(−0.519875) = 0.312669, so p = 0.625339.
    const result = dieboldMariano([1, 2, 1, 3, 1, 2], [2, 2, 2, 2, 2, 2], 1);
    assertClose(result.meanLossDifference, -2 / 3, 1e-12);
    assertClose(result.statistic, -0.5198752449100363, 1e-9);
    assertClose(result.pValue, 0.6253385678196293, 1e-6);
    assert.equal(result.varianceFallback, false);
  });

  test('two steps: one autocovariance lag enters the variance', () => {
    // d = [−3, 0, 5, −3, 0, 5, −3], mean 1/7; γ0 = 10.979592, γ1 = −4.431487
    // V = (γ0 + 2γ1) / 7 = 0.302374; DM = 0.142857 / sqrt(0.302374) = 0.259794
    // HLN factor sqrt((7 + 1 − 4 + 2/7) / 7) = 0.782461 → 0.203279; p (6 df) = 0.845636.
    const result = dieboldMariano([1, 2, 3, 1, 2, 3, 1], [2, 2, 2, 2, 2, 2, 2], 2);
    assertClose(result.statistic, 0.2032789070454354, 1e-9);
    assertClose(result.pValue, 0.8456357340483535, 1e-6);
    assert.equal(result.lags, 1);
  });

  test('a negative long-run variance falls back to the one-step test', () => {
    // Same d as the first test with h = 2: γ1 = −5.185185 makes γ0 + 2γ1 < 0.
    const result = dieboldMariano([1, 2, 1, 3, 1, 2], [2, 2, 2, 2, 2, 2], 2);
    assert.equal(result.varianceFallback, true);
    assertClose(result.statistic, -0.5198752449100363, 1e-9);
  });

  test('identical errors: statistic 0, p-value 1', () => {
    const result = dieboldMariano([1, -2, 3, 0.5], [1, -2, 3, 0.5], 1);
    assert.equal(result.statistic, 0);
    assert.equal(result.pValue, 1);
  });

  test('too few points for the horizon are rejected', () => {
    assert.throws(() => dieboldMariano([1, 2, 3], [1, 2, 2], 3), /too few/);
  });
});

describe('interval score, CRPS and skill', () => {
  test('interval score: width, plus 2/alpha times the miss', () => {
    // Band [8, 12] (width 4). 10 is inside: 4. 5 is 3 below: 4 + (2/0.2)·3 = 34. 16 is 4 above: 4 + 10·4 = 44.
    const actual = [10, 5, 16];
    const lower = [8, 8, 8];
    const upper = [12, 12, 12];
    assert.deepEqual(Array.from(intervalScores(actual, lower, upper, 0.2)), [4, 34, 44]);
    // At 95% (alpha 0.05) a miss costs 2/0.05 = 40 per unit: 4, 4 + 120, 4 + 160.
    assert.deepEqual(Array.from(intervalScores(actual, lower, upper, 0.05)), [4, 124, 164]);
    assert.throws(() => intervalScores(actual, lower, upper, 1), ValidationError);
  });

  test('CRPS from quantiles: twice the mean pinball loss on a midpoint grid', () => {
    // Levels ¼ and ¾ with quantiles 9 and 11. y = 10: pinball ¼·1 + (¾ − 1)·(−1) = ½ → CRPS 2·½/2 = 0.5.
    // y = 13: ¼·4 + ¾·2 = 2.5 → CRPS 2.5.
    const quantiles = [
      { level: 0.25, values: [9, 9] },
      { level: 0.75, values: [11, 11] },
    ];
    const scores = quantileCrps([10, 13], quantiles);
    assertClose(scores[0]!, 0.5);
    assertClose(scores[1]!, 2.5);
    assert.throws(() => quantileCrps([10], [{ level: 0.1, values: [9] }]), /grid/);
  });

  test('CRPS of a point forecast is its absolute error; of U(0, 1) at ½ it is near 1/12', () => {
    const levels = CRPS_QUANTILE_LEVELS;
    assert.equal(levels.length, 20);
    assertClose(levels[0]!, 0.025);
    assertClose(levels[19]!, 0.975);
    // All quantiles at 100: 2/K Σ τₖ (y − 100) = y − 100 because Σ τₖ = K/2.
    const degenerate = levels.map((level) => ({ level, values: [100, 100] }));
    const pointScores = quantileCrps([103, 98], degenerate);
    assertClose(pointScores[0]!, 3);
    assertClose(pointScores[1]!, 2);
    // Quantiles of U(0, 1) are the levels. 2/K Σ ρ_τ(½ − τ) = 0.1 · 2 · (Σ τ(½ − τ) over τ < ½)
    // = 0.2 · (½ · 2.5 − 1330/1600) = 0.08375; the exact CRPS is 1/12 (midpoint error 1/(6K²)).
    const uniform = levels.map((level) => ({ level, values: [level] }));
    assertClose(quantileCrps([0.5], uniform)[0]!, 0.08375, 1e-12);
  });

  test('skill is one minus the ratio, null without a positive baseline', () => {
    assertClose(skillScore(90, 100), 0.1);
    assertClose(skillScore(110, 100)!, -0.1);
    assert.equal(skillScore(1, 0), null);
  });

  test('Diebold-Mariano on losses equals the squared-error test on squared errors', () => {
    const fromErrors = dieboldMariano([1, 2, 1, 3, 1, 2], [2, 2, 2, 2, 2, 2], 1);
    const fromLosses = dieboldMarianoOnLosses([1, 4, 1, 9, 1, 4], [4, 4, 4, 4, 4, 4], 1);
    assert.deepEqual(fromLosses, fromErrors);
  });
});

describe('computeForecastMetrics', () => {
  test('the naive forecast scores MASE 1, makes no direction calls and is not tested against itself', () => {
    const lastClose = Float64Array.from([100, 101, 99, 102, 103, 101]);
    const actualClose = Float64Array.from([101, 99, 102, 103, 101, 104]);
    const metrics = computeForecastMetrics(
      {
        lastClose,
        actualClose,
        point: lastClose,
        logReturn: new Float64Array(6),
        lower80: lastClose.map((close) => close - 2),
        upper80: lastClose.map((close) => close + 2),
        lower95: lastClose.map((close) => close - 3),
        upper95: lastClose.map((close) => close + 3),
        crpsQuantiles: CRPS_QUANTILE_LEVELS.map(() => lastClose),
        bandScale: new Float64Array(6).fill(1),
      },
      { horizonObservations: 1, periodsPerYear: 8760, feeRate: 0.001, isBenchmark: true },
    );
    assert.equal(metrics.mase, 1);
    assert.equal(metrics.directionalAccuracy, null);
    assert.equal(metrics.dmStatistic, null);
    // |changes| = [1, 2, 3, 1, 2, 3]: within ±2 four times, within ±3 always.
    assertClose(metrics.coverage80, 4 / 6);
    assertClose(metrics.coverage95, 1);
    assert.equal(metrics.strategyTotalReturn, 0);
  });

  test('interval scores, CRPS, skill and the interval DM test against naive', () => {
    const lastClose = Float64Array.from([100, 101, 99, 102, 103, 101]);
    const actualClose = Float64Array.from([101, 99, 102, 103, 101, 104]);
    const bands = (half80: number, half95: number) => ({
      lastClose,
      actualClose,
      point: lastClose,
      logReturn: new Float64Array(6),
      lower80: lastClose.map((close) => close - half80),
      upper80: lastClose.map((close) => close + half80),
      lower95: lastClose.map((close) => close - half95),
      upper95: lastClose.map((close) => close + half95),
      crpsQuantiles: CRPS_QUANTILE_LEVELS.map(() => lastClose),
      bandScale: new Float64Array(6).fill(1),
    });
    const options = { horizonObservations: 1, periodsPerYear: 8760, feeRate: 0.001 };
    const naive = bands(2, 3);
    const naiveMetrics = computeForecastMetrics(naive, { ...options, isBenchmark: true });
    // |changes| = [1, 2, 3, 1, 2, 3]. ±2 band: width 4, the 3s miss by 1 → 4 + 10 = 14: mean 44/6.
    assertClose(naiveMetrics.intervalScore80, 44 / 6);
    // ±3 band: width 6, never missed.
    assertClose(naiveMetrics.intervalScore95, 6);
    // Every grid quantile at the last close: CRPS is the mean absolute change, 12/6.
    assertClose(naiveMetrics.crps, 2);
    assert.equal(naiveMetrics.intervalSkill80, 0);
    assert.equal(naiveMetrics.dmIntervalPValue80, null);

    const narrow = computeForecastMetrics(bands(1.5, 2.5), {
      ...options,
      isBenchmark: false,
      benchmark: naive,
    });
    // ±1.5: width 3; a 2 misses by ½ → 8, a 3 by 1½ → 18: [3, 8, 18, 3, 8, 18], mean 58/6.
    assertClose(narrow.intervalScore80, 58 / 6);
    assertClose(narrow.intervalSkill80!, 1 - 58 / 44);
    // ±2.5: width 5, a 3 misses by ½ → 5 + 20 = 25: mean (5 + 5 + 25) · 2 / 6 = 70/6; skill 1 − 70/36.
    assertClose(narrow.intervalSkill95!, 1 - 70 / 36);
    // d = [−1, 4, 4, −1, 4, 4], mean 7/3, γ0 = 50/9: DM = (7/3) / sqrt(50/54) = 2.424871,
    // HLN factor sqrt(5/6) → 2.213594; two-sided p from t with 5 df = 0.077752.
    assertClose(narrow.dmIntervalStatistic80!, 2.213594362117866, 1e-9);
    assertClose(narrow.dmIntervalPValue80!, 0.07775208077043501, 1e-6);
  });
});
