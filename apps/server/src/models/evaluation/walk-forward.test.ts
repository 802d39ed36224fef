import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Candle } from '@runecast/market';
import { buildFeatureMatrix } from '../../features/feature-matrix.ts';
import { createSeededRandom } from '../../features/seeded-random.ts';
import { generateSyntheticCandles } from '../../features/synthetic-candles.ts';
import { rowIndexAtOrAfter, runWalkForward, type WalkForwardModelSpec } from './walk-forward.ts';

const candles = generateSyntheticCandles({
  count: 1300,
  seed: 31,
  autocorrelation: 0.2,
  skipIndices: [1000, 1001],
});
const MODELS: WalkForwardModelSpec[] = [
  { modelType: 'drift' },
  { modelType: 'arima', params: { trainingWindowSteps: 300, maxP: 2, maxQ: 1 } },
  { modelType: 'ridge', params: { trainingWindowSteps: 500 } },
];
const SETTINGS = { horizonMinutes: 240, testStartIndex: 800, retrainEverySteps: 60 };

describe('walk-forward', () => {
  test('forecasts up to an origin do not change when anything after it changes', async () => {
    const matrix = buildFeatureMatrix({ candles });
    const baseline = await runWalkForward({ matrix, models: MODELS, settings: SETTINGS });

    const cutIndex = 1050;
    const cutCloseMs = matrix.openTimesMs[cutIndex]! + matrix.timeframeMs;
    const random = createSeededRandom(7);
    const perturbed: Candle[] = candles.map((candle) => {
      if (candle.openTimeMs + matrix.timeframeMs <= cutCloseMs) return candle;
      const scale = 0.8 + 0.4 * random();
      return {
        ...candle,
        open: candle.open * scale,
        high: candle.high * scale * 1.01,
        low: candle.low * scale * 0.99,
        close: candle.close * scale,
        volume: candle.volume * 2 * random(),
      };
    });
    const changed = await runWalkForward({
      matrix: buildFeatureMatrix({ candles: perturbed }),
      models: MODELS,
      settings: SETTINGS,
    });

    const keep = Array.from(baseline.origins.index).filter((origin) => origin <= cutIndex).length;
    assert.ok(keep > 200);
    assert.deepEqual(
      Array.from(changed.origins.index.subarray(0, keep)),
      Array.from(baseline.origins.index.subarray(0, keep)),
    );
    for (const [position, model] of baseline.models.entries()) {
      const other = changed.models[position]!;
      for (const series of ['point', 'lower80', 'upper80', 'lower95', 'upper95'] as const) {
        assert.deepEqual(
          Array.from(other.forecasts[series].subarray(0, keep)),
          Array.from(model.forecasts[series].subarray(0, keep)),
          `${model.modelType} ${series} changed before the cut`,
        );
      }
      // …and the perturbation is visible after the cut, so the comparison above means something.
      assert.notDeepEqual(
        Array.from(other.forecasts.point.subarray(keep)),
        Array.from(model.forecasts.point.subarray(keep)),
      );
    }
  });

  test('naive is always included first, every model is scored on the same origins, refits follow the interval', async () => {
    const matrix = buildFeatureMatrix({ candles });
    const result = await runWalkForward({ matrix, models: MODELS, settings: { ...SETTINGS, stepSteps: 2 } });
    assert.deepEqual(
      result.models.map((model) => model.modelType),
      ['naive', 'drift', 'arima', 'ridge'],
    );
    const naive = result.models[0]!;
    assert.equal(naive.metrics.mase, 1);
    assert.equal(naive.metrics.dmPValue, null);
    const count = result.origins.index.length;
    for (const model of result.models) {
      assert.equal(model.metrics.count, count);
      assert.equal(model.forecasts.point.length, count);
      assert.equal(model.failedFits, 0);
      // Origins run 800..1295 in steps of 2; a refit every 60 candles: at 800, 860, …, 1280 → 9 fits.
      assert.equal(model.fits, 9);
      assert.ok(
        model.metrics.dmPValue === null || (model.metrics.dmPValue >= 0 && model.metrics.dmPValue <= 1),
      );
    }
    // Origins whose target or own candle is a filled gap (1000, 1001) are left out.
    for (const origin of result.origins.index) {
      assert.equal(origin % 2, 0);
      assert.ok(![996, 1000].includes(origin));
    }
    assert.equal(result.origins.targetTimeMs[0]! - result.origins.issuedAtMs[0]!, 240 * 60_000);
  });

  test('conformal intervals of naive cover close to their nominal rate on a random walk', async () => {
    const walk = generateSyntheticCandles({ count: 2500, seed: 32 });
    const matrix = buildFeatureMatrix({ candles: walk, featureNames: ['logReturn1'] });
    const result = await runWalkForward({
      matrix,
      models: [],
      settings: {
        horizonMinutes: 60,
        testStartIndex: 1000,
        retrainEverySteps: 100,
        calibrationWindowSize: 500,
      },
    });
    const { coverage80, coverage95 } = result.models[0]!.metrics;
    assert.ok(Math.abs(coverage80 - 0.8) < 0.04, `80% interval covered ${coverage80}`);
    assert.ok(Math.abs(coverage95 - 0.95) < 0.025, `95% interval covered ${coverage95}`);
  });

  test('bad settings are named', async () => {
    const matrix = buildFeatureMatrix({ candles });
    await assert.rejects(
      runWalkForward({ matrix, models: [], settings: { ...SETTINGS, embargoSteps: 2 } }),
      /embargoSteps must be an integer >= 4/,
    );
    await assert.rejects(
      runWalkForward({ matrix, models: [{ modelType: 'lstm-x' }], settings: SETTINGS }),
      /unknown model "lstm-x"/,
    );
    await assert.rejects(
      runWalkForward({ matrix, models: [], settings: { ...SETTINGS, horizonMinutes: 30 } }),
      /not a multiple of the 1h timeframe/,
    );
    await assert.rejects(
      runWalkForward({
        matrix,
        models: [{ modelType: 'ridge' }],
        settings: { ...SETTINGS, testStartIndex: 120 },
      }),
      /ridge could not be fitted at origin 120/,
    );
    await assert.rejects(
      runWalkForward({ matrix, models: [], settings: { ...SETTINGS, testStartIndex: 1290 } }),
      /forecast origins with a known target/,
    );
  });

  test('a walk-forward can be cancelled', async () => {
    const matrix = buildFeatureMatrix({ candles });
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      runWalkForward({ matrix, models: [], settings: SETTINGS, signal: controller.signal }),
      /cancelled/,
    );
  });

  test('rowIndexAtOrAfter finds the first row at or after a time', () => {
    const matrix = buildFeatureMatrix({ candles, featureNames: ['logReturn1'] });
    assert.equal(rowIndexAtOrAfter(matrix, matrix.openTimesMs[10]!), 10);
    assert.equal(rowIndexAtOrAfter(matrix, matrix.openTimesMs[10]! + 1), 11);
    assert.equal(rowIndexAtOrAfter(matrix, 0), 0);
    assert.equal(rowIndexAtOrAfter(matrix, matrix.openTimesMs.at(-1)! + 1), -1);
  });
});

describe('walk-forward with adaptive conformal bands', () => {
  test('models but naive issue adapted bands: coverage near nominal, naive unchanged, bad γ refused', async () => {
    const matrix = buildFeatureMatrix({ candles });
    const models: WalkForwardModelSpec[] = [{ modelType: 'ridge', params: { trainingWindowSteps: 500 } }];
    const plain = await runWalkForward({ matrix, models, settings: SETTINGS });
    const adapted = await runWalkForward({
      matrix,
      models,
      settings: { ...SETTINGS, adaptiveConformalGamma: 0.05 },
    });
    assert.equal(adapted.settings.adaptiveConformalGamma, 0.05);
    assert.equal(plain.settings.adaptiveConformalGamma, null);
    const naiveOf = (result: typeof plain) => result.models.find((model) => model.modelType === 'naive')!;
    const ridgeOf = (result: typeof plain) => result.models.find((model) => model.modelType === 'ridge')!;
    assert.deepEqual(naiveOf(adapted).metrics, naiveOf(plain).metrics, 'naive keeps its plain bands');
    assert.deepEqual(
      Array.from(ridgeOf(adapted).forecasts.point),
      Array.from(ridgeOf(plain).forecasts.point),
      'only the bands change',
    );
    assert.notDeepEqual(
      Array.from(ridgeOf(adapted).forecasts.upper80),
      Array.from(ridgeOf(plain).forecasts.upper80),
    );
    // With γ = 0.05 over ~450 origins, α_t keeps the miss rate close to nominal.
    const metrics = ridgeOf(adapted).metrics;
    assert.ok(Math.abs(metrics.coverage80! - 0.8) < 0.05, `80% coverage ${metrics.coverage80}`);
    assert.ok(Math.abs(metrics.coverage95! - 0.95) < 0.05, `95% coverage ${metrics.coverage95}`);
    await assert.rejects(
      runWalkForward({ matrix, models, settings: { ...SETTINGS, adaptiveConformalGamma: 1 } }),
      /adaptiveConformalGamma must be in \(0, 1\)/,
    );
  });
});
