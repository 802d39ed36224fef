import assert from 'node:assert/strict';
import { test } from 'node:test';
import { beatsNaive, errorRelativeToNaive } from './naive-comparison.ts';

test('error relative to naive is the ratio, or null when it means nothing', () => {
  assert.equal(errorRelativeToNaive(3, 4), 0.75);
  assert.equal(errorRelativeToNaive(5, 4), 1.25);
  assert.equal(errorRelativeToNaive(3, 0), null);
  assert.equal(errorRelativeToNaive(null, 4), null);
  assert.equal(errorRelativeToNaive(3, undefined), null);
  assert.equal(errorRelativeToNaive(Number.NaN, 4), null);
});

test('a model beats naive only when better and significantly so', () => {
  assert.equal(beatsNaive(0.9, 0.01), true);
  assert.equal(beatsNaive(0.9, 0.2), false);
  assert.equal(beatsNaive(1.1, 0.01), false);
  assert.equal(beatsNaive(1.1, null), false);
  assert.equal(beatsNaive(0.9, null), null);
  assert.equal(beatsNaive(null, 0.01), null);
  assert.equal(beatsNaive(0.9, 0.04, 0.01), false);
});
