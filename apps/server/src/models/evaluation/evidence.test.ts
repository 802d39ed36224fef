import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from '@runecast/market';
import { computeForecastEvidence, quantilePit, trailingMean } from './evidence.ts';
import type { EvaluatedForecasts } from './forecast-metrics.ts';
import { CRPS_QUANTILE_LEVELS } from './metrics.ts';

function assertAllClose(actual: readonly number[], expected: readonly number[], tolerance = 1e-12): void {
  assert.equal(actual.length, expected.length, `${actual} against ${expected}`);
  actual.forEach((value, index) =>
    assert.ok(Math.abs(value - expected[index]!) <= tolerance, `${actual} is not ${expected}`),
  );
}

const constant = (value: number): Float64Array => new Float64Array(4).fill(value);

/** Four forecasts whose quantiles spread uniformly over [50, 150]: q_τ = 50 + 100τ. */
function forecasts(lower80: number, upper80: number): EvaluatedForecasts {
  return {
    lastClose: Float64Array.from([100, 110, 99, 99]),
    actualClose: Float64Array.from([100, 52, 139, 75]),
    point: constant(100),
    logReturn: Float64Array.from([0.1, -0.1, 0.2, 0]),
    lower80: constant(lower80),
    upper80: constant(upper80),
    lower95: constant(52.5),
    upper95: constant(147.5),
    crpsQuantiles: CRPS_QUANTILE_LEVELS.map((level) => constant(50 + 100 * level)),
    bandScale: constant(1),
  };
}

describe('evidence', () => {
  test('trailing mean: expanding until the window fills', () => {
    assertAllClose(Array.from(trailingMean([1, 2, 3, 4], 2)), [1, 1.5, 2.5, 3.5]);
    assert.throws(() => trailingMean([1], 0), ValidationError);
  });

  test('PIT from quantiles: linear between them, half the tail beyond', () => {
    assert.equal(quantilePit(15, [0.25, 0.75], [10, 20]), 0.5);
    assert.equal(quantilePit(12.5, [0.25, 0.75], [10, 20]), 0.375);
    assert.equal(quantilePit(5, [0.25, 0.75], [10, 20]), 0.125);
    assert.equal(quantilePit(25, [0.25, 0.75], [10, 20]), 0.875);
  });

  test('calibration, PIT, rolling interval scores and equity worked by hand', () => {
    const evidence = computeForecastEvidence(forecasts(60, 140), forecasts(70, 130), {
      targetTimeMs: [1000, 2000, 3000, 4000],
      feeRate: 0.01,
      periodsPerYear: 4,
    });
    // Central band of coverage 1 − 2τ is [50 + 100τ, 150 − 100τ]. 100 is inside every band, 52 in
    // none; 139 in those with τ <= 0.11 (95%, 85%), 75 in those with τ <= 0.25 (95% … 55%).
    assertAllClose(
      evidence.calibration.nominal,
      [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95],
    );
    assertAllClose(evidence.calibration.observed, [0.25, 0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.75, 0.75]);
    // PIT: 100 → 0.5; 52 (below q0.025 = 52.5) → 0.0125; 139 → 0.875 + 0.3·0.05 = 0.89; 75 → 0.25.
    assert.deepEqual(evidence.pitHistogram, [1, 0, 1, 0, 0, 1, 0, 0, 1, 0]);
    // Four origins: a window of one. IS80 = width + 10 · miss: model 80, 80 + 80, 80, 80;
    // naive 60, 60 + 180, 60 + 90, 60.
    assert.equal(evidence.rollingWindow, 1);
    assertAllClose(evidence.series.intervalScore80, [80, 160, 80, 80]);
    assertAllClose(evidence.series.naiveIntervalScore80, [60, 240, 150, 60]);
    // Long/flat with a 1% fee (see the strategy test in metrics.test.ts); buy and hold from 100.
    assertAllClose(evidence.series.strategyEquity, [1, 1.089, 1.07811, 1.0673289], 1e-9);
    assertAllClose(evidence.series.buyAndHoldEquity, [1, 1.1, 0.99, 0.99], 1e-12);
    assert.deepEqual(evidence.series.targetTimeMs, [1000, 2000, 3000, 4000]);
  });

  test('long walk-forwards are thinned to every k-th origin, ending with the last', () => {
    const evidence = computeForecastEvidence(forecasts(60, 140), forecasts(70, 130), {
      targetTimeMs: [1000, 2000, 3000, 4000],
      feeRate: 0,
      periodsPerYear: 4,
      maxPoints: 2,
    });
    assert.equal(evidence.stride, 2);
    assert.deepEqual(evidence.series.targetTimeMs, [2000, 4000]);
    assert.deepEqual(evidence.series.actualClose, [52, 75]);
    assert.equal(evidence.origins, 4);
  });

  test('mismatched inputs are refused', () => {
    assert.throws(
      () =>
        computeForecastEvidence(forecasts(60, 140), forecasts(70, 130), {
          targetTimeMs: [1, 2, 3],
          feeRate: 0,
          periodsPerYear: 1,
        }),
      ValidationError,
    );
  });
});
