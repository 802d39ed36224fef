import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from '@runecast/market';
import { createSeededRandom } from '../../features/seeded-random.ts';
import { ACI_ALPHA_BOUNDS, DEFAULT_ACI_GAMMA, runAci, updateAciAlpha } from './adaptive-conformal.ts';

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);

describe('adaptive conformal inference', () => {
  test('one step by hand: a miss lowers α by γ(1 − α), a hit raises it by γα', () => {
    // α = 0.2, γ = 0.005: miss → 0.2 + 0.005 (0.2 − 1) = 0.196; hit → 0.2 + 0.005 · 0.2 = 0.201.
    close(updateAciAlpha(0.2, true, { targetAlpha: 0.2 }), 0.196);
    close(updateAciAlpha(0.2, false, { targetAlpha: 0.2 }), 0.201);
    // α = 0.05, γ = 0.01: miss → 0.05 − 0.0095 = 0.0405; hit → 0.0505.
    close(updateAciAlpha(0.05, true, { targetAlpha: 0.05, gamma: 0.01 }), 0.0405);
    close(updateAciAlpha(0.05, false, { targetAlpha: 0.05, gamma: 0.01 }), 0.0505);
    assert.equal(DEFAULT_ACI_GAMMA, 0.005);
  });

  test('a run by hand: miss, miss, hit from 0.2 with γ = 0.1', () => {
    // 0.2 → 0.2 + 0.1(0.2 − 1) = 0.12 → 0.04 → 0.04 + 0.1 · 0.2 = 0.06.
    const run = runAci([true, true, false], { targetAlpha: 0.2, gamma: 0.1 });
    run.alphas.forEach((alpha, index) => close(alpha, [0.12, 0.04, 0.06][index]!));
    close(run.alpha, 0.06);
    close(run.missRate!, 2 / 3);
  });

  test('α stays within its bounds', () => {
    const many = runAci(new Array(500).fill(true), { targetAlpha: 0.05, gamma: 0.1 });
    assert.equal(many.alpha, ACI_ALPHA_BOUNDS.min);
    const none = runAci(new Array(500).fill(false), { targetAlpha: 0.2, gamma: 0.1 });
    assert.equal(none.alpha, ACI_ALPHA_BOUNDS.max);
    assert.equal(runAci([], { targetAlpha: 0.2 }).missRate, null);
  });

  test('after a regime change the miss rate returns to α within the paper’s bound; a fixed band’s does not', () => {
    // Errors are u · scale with u uniform on [0, 1); the band issued at coverage 1 − α is the
    // (1 − α) quantile of the first regime's errors, 1 − α. When errors grow 1.2 times, the fixed
    // 80% band misses 1 − 0.8 / 1.2 = 1/3 of the time; ACI settles at α = 0.04 (0.96 / 1.2 = 0.8).
    const random = createSeededRandom(7);
    const gamma = 0.01;
    const settings = { targetAlpha: 0.2, gamma };
    let alpha = 0.2;
    const steps = 10_000;
    for (let step = 0; step < steps; step += 1) alpha = updateAciAlpha(alpha, random() > 1 - alpha, settings);
    const startAlpha = alpha;
    let adaptiveMisses = 0;
    let fixedMisses = 0;
    let lateAlphaSum = 0;
    for (let step = 0; step < steps; step += 1) {
      const error = random() * 1.2;
      const missed = error > 1 - alpha;
      if (missed) adaptiveMisses += 1;
      if (error > 0.8) fixedMisses += 1;
      alpha = updateAciAlpha(alpha, missed, settings);
      if (step >= steps / 2) lateAlphaSum += alpha;
    }
    // Gibbs & Candès, Proposition 4.1: |misses / T − α| <= (max(α_1, 1 − α_1) + γ) / (γ T).
    const bound = (Math.max(startAlpha, 1 - startAlpha) + gamma) / (gamma * steps);
    assert.ok(Math.abs(adaptiveMisses / steps - 0.2) <= bound, `${adaptiveMisses / steps} vs bound ${bound}`);
    assert.ok(Math.abs(fixedMisses / steps - 1 / 3) < 0.02, `fixed band missed ${fixedMisses / steps}`);
    // α_t wanders by about γ per step; its mean over the settled half is near 0.04.
    const lateAlpha = lateAlphaSum / (steps / 2);
    assert.ok(Math.abs(lateAlpha - 0.04) < 0.02, `α settled around ${lateAlpha}`);
  });

  test('bad settings are refused', () => {
    assert.throws(() => updateAciAlpha(0.2, true, { targetAlpha: 0 }), ValidationError);
    assert.throws(() => updateAciAlpha(0.2, true, { targetAlpha: 0.2, gamma: 0 }), ValidationError);
    assert.throws(() => updateAciAlpha(Number.NaN, true, { targetAlpha: 0.2 }), ValidationError);
    assert.throws(
      () => updateAciAlpha(0.2, true, { targetAlpha: 0.2, bounds: { min: 0.3, max: 0.5 } }),
      ValidationError,
    );
  });
});
