import {
  ACI_NOMINAL_LEVELS,
  DEFAULT_ACI_GAMMA,
  updateAciAlpha,
} from '../models/evaluation/adaptive-conformal.ts';
import type { BandCoverage } from '../models/forecaster.port.ts';
import type {
  AdaptiveConformalState,
  AdaptiveConformalStep,
  NominalBandLevel,
} from '../store/forecast.port.ts';

/**
 * The ledger's side of adaptive conformal inference: each scored forecast moves its version's α_t
 * per band level (a miss is the ledger's hit80 / hit95 being false: the band it issued, at the α_t
 * of its time, did not hold the actual), and new forecasts are issued at the current α_t.
 */
export function adaptiveConformalStep(gamma: number = DEFAULT_ACI_GAMMA): AdaptiveConformalStep {
  return ({ modelVersionId, states, scored }) =>
    ACI_NOMINAL_LEVELS.map(({ level, alpha: targetAlpha }) => {
      const current = states.find((state) => state.nominalLevel === level);
      let alpha = current?.alpha ?? targetAlpha;
      let outcomes = current?.outcomes ?? 0;
      let misses = current?.misses ?? 0;
      for (const forecast of scored) {
        const hit = level === 80 ? forecast.hit80 : forecast.hit95;
        if (hit === null) continue;
        alpha = updateAciAlpha(alpha, !hit, { targetAlpha, gamma });
        outcomes += 1;
        if (!hit) misses += 1;
      }
      return { modelVersionId, nominalLevel: level as NominalBandLevel, alpha, gamma, outcomes, misses };
    });
}

/** The coverage each band is issued at: 1 − α_t, or the nominal level before any outcome. */
export function issuingCoverage(states: readonly AdaptiveConformalState[]): BandCoverage {
  const coverageOf = (level: NominalBandLevel, nominal: number): number =>
    1 - (states.find((state) => state.nominalLevel === level)?.alpha ?? nominal);
  return { '80': coverageOf(80, 0.2), '95': coverageOf(95, 0.05) };
}

/** What the API shows of a version's adaptive bands: one entry per nominal level, nominal before any outcome. */
export function describeAdaptiveBands(states: readonly AdaptiveConformalState[]): {
  nominalCoverage: number;
  alpha: number;
  issuingCoverage: number;
  gamma: number;
  outcomes: number;
  liveCoverage: number | null;
  updatedAtMs: number | null;
}[] {
  return ACI_NOMINAL_LEVELS.map(({ level, alpha: targetAlpha }) => {
    const state = states.find((entry) => entry.nominalLevel === level);
    const alpha = state?.alpha ?? targetAlpha;
    return {
      nominalCoverage: 1 - targetAlpha,
      alpha,
      issuingCoverage: 1 - alpha,
      gamma: state?.gamma ?? DEFAULT_ACI_GAMMA,
      outcomes: state?.outcomes ?? 0,
      liveCoverage: state && state.outcomes > 0 ? 1 - state.misses / state.outcomes : null,
      updatedAtMs: state?.updatedAtMs ?? null,
    };
  });
}
