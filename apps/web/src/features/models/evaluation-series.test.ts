import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { forecastErrors, readEvaluationForecasts, rollingHitRate } from './evaluation-series.ts';

describe('evaluation series', () => {
  test('rolling share of actuals inside the band', () => {
    const rates = rollingHitRate([1, 5, 2, 2], [0, 0, 0, 0], [3, 3, 3, 3], 2);
    assert.deepEqual(rates, [null, 0.5, 0.5, 1]);
  });

  test('errors of the model and of naive', () => {
    const forecasts = {
      targetTimeMs: [1, 2],
      lastClose: [100, 102],
      actualClose: [101, 101],
      point: [100.5, 101.5],
      lower80: [99, 100],
      upper80: [102, 103],
      lower95: [98, 99],
      upper95: [103, 104],
    };
    assert.deepEqual(forecastErrors(forecasts), { model: [-0.5, 0.5], naive: [-1, 1] });
    assert.deepEqual(readEvaluationForecasts({ forecasts })?.point, [100.5, 101.5]);
  });

  test('no chart data from an evaluation without forecasts', () => {
    assert.equal(readEvaluationForecasts({}), null);
    assert.equal(readEvaluationForecasts({ forecasts: { targetTimeMs: 'x' } }), null);
  });
});
