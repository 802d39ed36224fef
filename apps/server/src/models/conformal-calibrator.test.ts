import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSeededRandom } from '../features/seeded-random.ts';
import { ConformalCalibrator } from './conformal-calibrator.ts';

describe('ConformalCalibrator', () => {
  test('the half-width is the ceil((n + 1)·c)-th smallest error', () => {
    const calibrator = new ConformalCalibrator(100);
    // Errors 0.01, 0.02, …, 0.20 (n = 20), added in a scrambled order.
    const errors = Array.from({ length: 20 }, (_, index) => (index + 1) / 100);
    const scrambled = [...errors].sort((left, right) => Math.sin(left * 997) - Math.sin(right * 997));
    for (const error of scrambled) calibrator.add(error);
    // 80%: ceil(21 · 0.8) = 17 → 0.17; 95%: ceil(21 · 0.95) = 20 → 0.20.
    assert.equal(calibrator.halfWidth(0.8), 0.17);
    assert.equal(calibrator.halfWidth(0.95), 0.2);
    assert.deepEqual(Array.from(calibrator.residuals()), scrambled);
  });

  test('a full window drops the oldest error first', () => {
    const calibrator = new ConformalCalibrator(20);
    for (let index = 1; index <= 20; index += 1) calibrator.add(index);
    calibrator.add(0.5); // drops 1
    calibrator.add(100); // drops 2
    assert.equal(calibrator.size, 20);
    assert.deepEqual(Array.from(calibrator.residuals()), [
      ...Array.from({ length: 18 }, (_, index) => index + 3),
      0.5,
      100,
    ]);
    // sorted: 0.5, 3, 4, …, 20, 100 (the k-th smallest is k + 1 for 2 <= k <= 19);
    // 80% → 17th smallest = 18; 95% → 20th = 100.
    assert.equal(calibrator.halfWidth(0.8), 18);
    assert.equal(calibrator.halfWidth(0.95), 100);
  });

  test('stays sorted under many rolling updates (checked against a full sort)', () => {
    const random = createSeededRandom(3);
    const calibrator = new ConformalCalibrator(50);
    for (let step = 0; step < 2000; step += 1) {
      calibrator.add(random() * 0.05);
      if (calibrator.size >= 20) {
        const sorted = Array.from(calibrator.residuals()).sort((left, right) => left - right);
        const rank = Math.min(sorted.length, Math.ceil((sorted.length + 1) * 0.8));
        assert.equal(calibrator.halfWidth(0.8), sorted[rank - 1]);
      }
    }
  });

  test('refuses too few errors and bad values', () => {
    const calibrator = new ConformalCalibrator(100);
    calibrator.reset([0.1, 0.2]);
    assert.throws(() => calibrator.halfWidth(0.8), /at least 20/);
    assert.throws(() => calibrator.add(-1), /non-negative/);
    assert.throws(() => calibrator.add(Number.NaN), /finite/);
    assert.throws(() => new ConformalCalibrator(5), /window/);
  });
});
