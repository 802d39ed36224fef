import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildFeatureMatrix } from '../features/feature-matrix.ts';
import { runWalkForward } from './evaluation/walk-forward.ts';
import { createForecaster, deserializeForecaster } from './forecaster.registry.ts';
import { regimeCandles } from './volatility/regime-candles.fixtures.ts';

const matrix = buildFeatureMatrix({ candles: regimeCandles(12) });
const SETTINGS = { horizonMinutes: 240, testStartIndex: 1200, retrainEverySteps: 200 };

describe('volatility-scaled (normalized conformal) bands', () => {
  test('on alternating calm and wild regimes they beat plain bands at the same coverage', async () => {
    const result = await runWalkForward({
      matrix,
      models: [{ modelType: 'naive-volatility' }, { modelType: 'naive', volatility: { modelType: 'ewma' } }],
      settings: SETTINGS,
    });
    assert.deepEqual(
      result.models.map((model) => model.label),
      ['naive', 'naive-volatility', 'naive+ewma'],
    );
    const [naive, har, ewma] = result.models;
    assert.equal(naive!.metrics.intervalSkill80, 0);
    for (const model of [har!, ewma!]) {
      // Same point forecast as naive, so the skill is all in the bands.
      assert.deepEqual(Array.from(model.forecasts.point), Array.from(naive!.forecasts.point));
      assert.ok(
        model.metrics.intervalSkill80! > 0.1,
        `${model.label} skill ${model.metrics.intervalSkill80}`,
      );
      assert.ok(
        model.metrics.dmIntervalPValue80! < 0.05,
        `${model.label} DM p ${model.metrics.dmIntervalPValue80}`,
      );
      assert.ok(model.metrics.crpsSkill! > 0, `${model.label} CRPS skill ${model.metrics.crpsSkill}`);
      assert.ok(
        Math.abs(model.metrics.coverage80 - 0.8) < 0.05,
        `${model.label} coverage ${model.metrics.coverage80}`,
      );
      assert.ok(
        Math.abs(model.metrics.coverage95 - 0.95) < 0.04,
        `${model.label} coverage ${model.metrics.coverage95}`,
      );
    }
    // Plain bands are as wide in calm as in wild blocks, so they over-cover one and under-cover the other.
    assert.ok(naive!.metrics.intervalScore80 > har!.metrics.intervalScore80);
  });

  test('bands are the calibrated normalized quantile times the forecast scale', async () => {
    const forecaster = createForecaster('ridge', {
      timeframe: '1h',
      horizonMinutes: 240,
      params: { trainingWindowSteps: 500 },
      volatility: { modelType: 'garch' },
    });
    await forecaster.fit({ matrix, endIndex: 1600 });
    const context = { matrix, originIndex: 1700 };
    const forecast = forecaster.predict(context);
    assert.ok(forecast.bandScale > 0 && forecast.bandScale !== 1);
    const halfWidth80 = Math.log(forecast.intervals['80'].upper / forecast.point);
    assert.ok(Math.abs(halfWidth80 - forecaster.bandHalfWidth(0.8) * forecast.bandScale) < 1e-12);
    // The artifact carries the volatility model: a restored forecaster forecasts the same.
    const restored = await deserializeForecaster(forecaster.serialize());
    assert.deepEqual(restored.predict(context), forecast);
    forecaster.dispose();
    restored.dispose();
  });

  test('forecasts up to an origin do not change when later candles change', async () => {
    const models = [
      { modelType: 'naive-volatility' },
      { modelType: 'drift', volatility: { modelType: 'garch' } },
      { modelType: 'naive', volatility: { modelType: 'ewma' } },
    ];
    const baseline = await runWalkForward({ matrix, models, settings: SETTINGS });
    const cutIndex = 1700;
    const changed = await runWalkForward({
      matrix: {
        ...matrix,
        closes: matrix.closes.map((close, index) => (index > cutIndex ? close * 1.3 : close)),
        highs: matrix.highs.map((high, index) => (index > cutIndex ? high * 1.4 : high)),
      },
      models,
      settings: SETTINGS,
    });
    const keep = Array.from(baseline.origins.index).filter((origin) => origin + 4 <= cutIndex).length;
    assert.ok(keep > 400);
    for (const [position, model] of baseline.models.entries()) {
      for (const series of ['point', 'lower80', 'upper95', 'bandScale'] as const) {
        assert.deepEqual(
          Array.from(changed.models[position]!.forecasts[series].subarray(0, keep)),
          Array.from(model.forecasts[series].subarray(0, keep)),
          `${model.label} ${series} changed before the cut`,
        );
      }
    }
  });
});
