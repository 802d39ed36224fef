import { ValidationError } from '@runecast/market';

/**
 * Adaptive conformal inference (Gibbs & Candès, 2021, "Adaptive Conformal Inference Under
 * Distribution Shift"). The band of nominal coverage 1 − α is issued at the calibrator's quantile
 * 1 − α_t, and after each outcome
 *
 *   α_{t+1} = α_t + γ (α − err_t),  err_t = 1 when the truth fell outside the band issued at 1 − α_t.
 *
 * A miss lowers α_t (a wider band next time), a hit raises it by γα (a slightly narrower one).
 * Over any run of T outcomes the share of misses stays within (max(α_1, 1 − α_1) + γ) / (γ T) of α
 * whatever the data do, which is what keeps live coverage near nominal when the market changes.
 */

/** Step size γ. The paper uses 0.005 in its experiments and recommends a small γ: larger adapts faster but makes α_t (and the band) jumpier. */
export const DEFAULT_ACI_GAMMA = 0.005;

/**
 * α_t is kept in this range. Below the floor the quantile would ask for more coverage than a
 * finite calibration window can give (the paper's α_t ≤ 0 is an infinite band); above the
 * ceiling the "80%" band would cover less than half the time. While the clip binds, the
 * long-run guarantee above does not hold; the clip only binds after long runs of misses or hits.
 */
export const ACI_ALPHA_BOUNDS = { min: 0.001, max: 0.5 } as const;

/** The nominal levels every forecast carries, as miscoverage rates α. */
export const ACI_NOMINAL_LEVELS = [
  { level: 80, alpha: 0.2 },
  { level: 95, alpha: 0.05 },
] as const;
export type AciNominalLevel = (typeof ACI_NOMINAL_LEVELS)[number]['level'];

export interface AciSettings {
  /** Target miscoverage α of the nominal level (0.2 for the 80% band). */
  targetAlpha: number;
  gamma?: number;
  bounds?: { min: number; max: number };
}

function checkSettings(settings: AciSettings): {
  targetAlpha: number;
  gamma: number;
  min: number;
  max: number;
} {
  const gamma = settings.gamma ?? DEFAULT_ACI_GAMMA;
  const { min, max } = settings.bounds ?? ACI_ALPHA_BOUNDS;
  if (!(settings.targetAlpha > 0 && settings.targetAlpha < 1)) {
    throw new ValidationError(`target miscoverage α must be in (0, 1), got ${settings.targetAlpha}`);
  }
  if (!(gamma > 0 && gamma < 1)) throw new ValidationError(`ACI step γ must be in (0, 1), got ${gamma}`);
  if (!(min > 0 && min <= settings.targetAlpha && settings.targetAlpha <= max && max < 1)) {
    throw new ValidationError(
      `ACI bounds must satisfy 0 < min <= α <= max < 1, got [${min}, ${max}] for α = ${settings.targetAlpha}`,
    );
  }
  return { targetAlpha: settings.targetAlpha, gamma, min, max };
}

/** One ACI step: the α to issue the next band at, after an outcome at `alpha` (clipped to the bounds). */
export function updateAciAlpha(alpha: number, missed: boolean, settings: AciSettings): number {
  const checked = checkSettings(settings);
  if (!Number.isFinite(alpha)) throw new ValidationError(`α_t must be finite, got ${alpha}`);
  const next = alpha + checked.gamma * (checked.targetAlpha - (missed ? 1 : 0));
  return Math.min(checked.max, Math.max(checked.min, next));
}

export interface AciRun {
  /** α_t after every outcome, in order (alphas[i] is what outcome i + 1 is issued at). */
  alphas: number[];
  /** The α to issue the next band at. */
  alpha: number;
  /** Share of the outcomes that missed. */
  missRate: number | null;
}

/** Folds a run of outcomes (true = the truth fell outside the band) from a starting α (default the target). */
export function runAci(misses: readonly boolean[], settings: AciSettings, startAlpha?: number): AciRun {
  let alpha = startAlpha ?? settings.targetAlpha;
  const alphas: number[] = [];
  let missed = 0;
  for (const miss of misses) {
    alpha = updateAciAlpha(alpha, miss, settings);
    alphas.push(alpha);
    if (miss) missed += 1;
  }
  return { alphas, alpha, missRate: misses.length === 0 ? null : missed / misses.length };
}
