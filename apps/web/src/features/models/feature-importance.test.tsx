/** @jsxRuntime automatic */
import '../../test-support/dom-environment.ts';
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { cleanup, render, screen, within } from '@testing-library/react';
import type { FeatureImportance } from '@runecast/contracts';
import { FeatureImportanceBars, importanceBars } from './feature-importance.tsx';

const importance: FeatureImportance = {
  unit: 'log return',
  baselineMae: 0.01,
  rows: 1000,
  repeats: 5,
  seed: 1,
  validationFromMs: 0,
  validationToMs: 1,
  features: [
    { feature: 'noise', meanIncrease: -0.0001, standardDeviation: 0.00005 },
    { feature: 'logReturn1', meanIncrease: 0.002, standardDeviation: 0.0002 },
    { feature: 'volume', meanIncrease: 0.0005, standardDeviation: 0.0001 },
  ],
};

describe('feature importance bars', () => {
  afterEach(cleanup);

  test('sorted, scaled to the largest increase, relative to the validation MAE', () => {
    const bars = importanceBars(importance);
    assert.deepEqual(
      bars.map((bar) => [bar.feature, bar.share]),
      [
        ['logReturn1', 1],
        ['volume', 0.25],
        ['noise', 0],
      ],
    );
    assert.ok(Math.abs(bars[0]!.relativeIncrease! - 0.2) < 1e-12);
  });

  test('one row per feature, most important first, with mean ± spread', () => {
    render(<FeatureImportanceBars importance={importance} />);
    const items = within(screen.getByTestId('feature-importance')).getAllByRole('listitem');
    assert.deepEqual(
      items.map((item) => item.textContent),
      ['logReturn1+20.00% ± 2.00%', 'volume+5.00% ± 1.00%', 'noise−1.00% ± 0.50%'],
    );
  });
});
