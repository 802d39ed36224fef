import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from '@runecast/market';
import { createSeededRandom, nextGaussian } from '../../features/seeded-random.ts';
import { permutationImportance } from './permutation-importance.ts';

describe('permutation importance', () => {
  test('by hand: two rows, a model that reads only the first feature', () => {
    // y = x0; rows (1, 5) → 1 and (3, 7) → 3. Baseline MAE 0. With two rows a shuffle either keeps
    // the order (increase 0) or swaps it (both errors 2: increase 2). The second feature: always 0.
    const result = permutationImportance({
      rows: [Float64Array.of(1, 5), Float64Array.of(3, 7)],
      targets: [1, 3],
      featureNames: ['signal', 'noise'],
      predict: (row) => row[0]!,
      repeats: 20,
      seed: 3,
    });
    assert.equal(result.baselineMae, 0);
    const [signal, noise] = result.features;
    assert.equal(signal!.feature, 'signal');
    // Each repeat is 0 or 2: with k swaps in 20 the mean is k / 10 and the sample variance
    // (k (2 − m)² + (20 − k) m²) / 19.
    const swaps = Math.round(signal!.meanIncrease * 10);
    assert.ok(Math.abs(signal!.meanIncrease - swaps / 10) < 1e-12);
    assert.ok(swaps > 0 && swaps < 20, `${swaps} swaps in 20 fair shuffles`);
    const mean = swaps / 10;
    const variance = (swaps * (2 - mean) ** 2 + (20 - swaps) * mean ** 2) / 19;
    assert.ok(Math.abs(signal!.standardDeviation - Math.sqrt(variance)) < 1e-12);
    assert.deepEqual([noise!.feature, noise!.meanIncrease, noise!.standardDeviation], ['noise', 0, 0]);
  });

  test('a linear model: the signal feature matters, pure noise gets ~0; seeded and repeatable', () => {
    const random = createSeededRandom(11);
    const rows: Float64Array[] = [];
    const targets: number[] = [];
    for (let index = 0; index < 2000; index += 1) {
      const signal = nextGaussian(random);
      const noise = nextGaussian(random);
      rows.push(Float64Array.of(signal, noise));
      targets.push(2 * signal + 0.1 * nextGaussian(random));
    }
    // The fitted model: y = 2 x0 (the noise feature's weight is 0).
    const predict = (row: Float64Array) => 2 * row[0]!;
    const result = permutationImportance({
      rows,
      targets,
      featureNames: ['signal', 'noise'],
      predict,
      seed: 5,
    });
    // Shuffled, the error is 2 (x0 − x0') with x0, x0' independent N(0,1): mean |N(0, 8)| = √8 · √(2/π) ≈ 2.257,
    // against a baseline of mean |N(0, 0.01)| ≈ 0.0798: an increase of about 2.18.
    assert.ok(Math.abs(result.baselineMae - 0.0798) < 0.01, `baseline ${result.baselineMae}`);
    assert.equal(result.features[0]!.feature, 'signal');
    assert.ok(Math.abs(result.features[0]!.meanIncrease - 2.18) < 0.1, `${result.features[0]!.meanIncrease}`);
    assert.ok(result.features[0]!.standardDeviation > 0);
    assert.equal(result.features[1]!.meanIncrease, 0);
    assert.deepEqual(
      permutationImportance({ rows, targets, featureNames: ['signal', 'noise'], predict, seed: 5 }),
      result,
    );
    assert.notDeepEqual(
      permutationImportance({ rows, targets, featureNames: ['signal', 'noise'], predict, seed: 6 })
        .features[0],
      result.features[0],
    );
  });

  test('bad input is refused', () => {
    const rows = [Float64Array.of(1), Float64Array.of(2)];
    const base = { rows, targets: [1, 2], featureNames: ['a'], predict: (row: Float64Array) => row[0]! };
    assert.throws(() => permutationImportance({ ...base, repeats: 0 }), ValidationError);
    assert.throws(() => permutationImportance({ ...base, targets: [1] }), ValidationError);
    assert.throws(() => permutationImportance({ ...base, featureNames: ['a', 'b'] }), ValidationError);
    assert.throws(() => permutationImportance({ ...base, rows: [rows[0]!], targets: [1] }), ValidationError);
  });
});
