import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from '@runecast/market';
import { fitSmoothingAlpha, linearTrendSlope, smoothLevel, thetaForecast } from './exponential-smoothing.ts';

function assertClose(actual: number, expected: number, tolerance = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);
}

describe('exponential smoothing by hand', () => {
  test('the level and one-step errors of [1, 2, 4] at α = 0.5', () => {
    // ℓ1 = 1; ℓ2 = 0.5·2 + 0.5·1 = 1.5; ℓ3 = 0.5·4 + 0.5·1.5 = 2.75. Errors: 2 − 1 = 1, 4 − 1.5 = 2.5.
    const run = smoothLevel([1, 2, 4], 0.5);
    assertClose(run.level, 2.75);
    assertClose(run.sumSquaredErrors, 1 + 6.25);
  });

  test('the fitted weight minimises the squared one-step errors', () => {
    // SSE(α) = 1 + (4 − (1 + α))² = 1 + (3 − α)², smallest at the upper bound α = 1.
    assertClose(fitSmoothingAlpha([1, 2, 4]), 1);
    // For [0, 1, 0]: SSE(α) = 1 + α², smallest at the lower bound.
    assertClose(fitSmoothingAlpha([0, 1, 0]), 0.0001, 1e-6);
    // [0, 2, 0, 2]: ℓ2 = 2α, ℓ3 = 2α(1 − α); SSE = 4 + 4α² + (2 − 2α + 2α²)². d/dα = 0 gives
    // α³ − 1.5α² + 2α − 0.5 = 0, whose one real root is α ≈ 0.3058 (by bisection).
    const alpha = fitSmoothingAlpha([0, 2, 0, 2]);
    const sse = (value: number): number => smoothLevel([0, 2, 0, 2], value).sumSquaredErrors;
    assert.ok(sse(alpha) <= sse(alpha + 1e-3) && sse(alpha) <= sse(alpha - 1e-3));
    assertClose(alpha, 0.3058, 1e-3);
  });

  test('the Theta forecast is SES plus half the trend as drift (Hyndman & Billah 2003)', () => {
    // Slope of [1, 2, 4] on [0, 1, 2]: Sxy = (−1)(1 − 7/3) + (1)(4 − 7/3) = 3, Sxx = 2, slope 1.5.
    assertClose(linearTrendSlope([1, 2, 4]), 1.5);
    // h = 2, α = 0.5, n = 3: 2.75 + 0.75·(2 − 1 + (1 − 0.5³)/0.5) = 2.75 + 0.75·2.75 = 4.8125.
    assertClose(thetaForecast(2.75, 0.5, 0.75, 3, 2), 4.8125);
    // α = 1: the last value plus the drift per step times the horizon.
    assertClose(thetaForecast(4, 1, 0.75, 3, 4), 4 + 0.75 * 4);
  });

  test('bad input is refused', () => {
    assert.throws(() => fitSmoothingAlpha([1, 2]), ValidationError);
    assert.throws(() => fitSmoothingAlpha([1, Number.NaN, 3]), ValidationError);
    assert.throws(() => smoothLevel([1, 2, 3], 0), ValidationError);
    assert.throws(() => smoothLevel([1, 2, 3], 1.5), ValidationError);
    assert.throws(() => linearTrendSlope([1]), ValidationError);
  });
});
