import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from '@runecast/market';
import { buildFeatureMatrix } from '../../features/feature-matrix.ts';
import { generateSyntheticCandles } from '../../features/synthetic-candles.ts';
import { featureModelImportance, readsFeatureRows } from './feature-model-importance.ts';

const candles = generateSyntheticCandles({
  count: 900,
  seed: 4,
  timeframe: '1h',
  startTimeMs: Date.UTC(2024, 0, 1),
});
const matrix = buildFeatureMatrix({ candles });
const residuals = Array.from({ length: 40 }, (_, index) => 0.001 * (index + 1));
const base = {
  timeframe: '1h' as const,
  horizonMinutes: 240,
  matrix,
  validationStartIndex: 700,
  calibrationResiduals: residuals,
};

describe('permutation importance of feature models', () => {
  test('only models that read feature rows take part', () => {
    assert.equal(readsFeatureRows('ridge', '1h', 240), true);
    assert.equal(readsFeatureRows('naive', '1h', 240), false);
  });

  test('ridge: every feature once, most important first, on the validation rows only, repeatable', async () => {
    const input = { ...base, modelType: 'ridge', params: {}, maxRows: 150, repeats: 3 };
    const result = (await featureModelImportance(input))!;
    assert.ok(result !== null);
    assert.equal(result.unit, 'log return');
    assert.deepEqual(result.features.map((entry) => entry.feature).sort(), [...matrix.featureNames].sort());
    for (let index = 1; index < result.features.length; index += 1) {
      assert.ok(result.features[index - 1]!.meanIncrease >= result.features[index]!.meanIncrease);
    }
    assert.equal(result.rows, 150);
    assert.equal(result.repeats, 3);
    // The most recent rows of the window: the last origin whose 4h target is known.
    assert.equal(result.validationToMs, matrix.openTimesMs[matrix.rows.length - 1 - 4]);
    assert.ok(result.validationFromMs >= matrix.openTimesMs[700]!);
    assert.ok(result.baselineMae > 0);
    assert.deepEqual(await featureModelImportance(input), result);
  });

  test('null for a model without feature rows; a window outside the data is refused', async () => {
    assert.equal(await featureModelImportance({ ...base, modelType: 'naive', params: {} }), null);
    await assert.rejects(
      featureModelImportance({ ...base, modelType: 'ridge', params: {}, validationStartIndex: 899 }),
      ValidationError,
    );
  });
});
