import { NAIVE_SIGNIFICANCE } from '@runecast/market';
import type { ModelVersion } from '../../store/model.port.ts';
import { NAIVE_POINT_MODEL_TYPES } from '../naive.forecaster.ts';

/** Significance level of the Diebold-Mariano test a point model must pass against naive (the vocabulary's one level). */
export const BEAT_NAIVE_SIGNIFICANCE = NAIVE_SIGNIFICANCE;

export interface NaiveGateVerdict {
  /** True when the version may serve point forecasts in production. */
  beatsNaive: boolean;
  /** Why, in words. */
  reason: string;
}

type GatedVersion = Pick<ModelVersion, 'id' | 'modelType' | 'metrics' | 'evaluation'>;

function isoMinute(timeMs: unknown): string | null {
  return typeof timeMs === 'number' && Number.isFinite(timeMs)
    ? new Date(timeMs).toISOString().slice(0, 16).replace('T', ' ')
    : null;
}

/** The walk-forward test range a version was scored on, e.g. "2024-01-01 00:00 → 2024-02-28 08:00 UTC". */
export function evaluationRange(version: Pick<ModelVersion, 'evaluation'>): string {
  const from = isoMinute(version.evaluation['testFromMs']);
  const to = isoMinute(version.evaluation['testToMs']);
  return from && to ? `${from} → ${to} UTC` : 'its evaluation range';
}

/**
 * Whether a version's point forecasts may be production: the naive forecast (with or without
 * volatility-scaled bands) always; any other model only when its walk-forward squared error was
 * significantly below naive's on the same origins (Diebold-Mariano statistic below 0 with p below
 * 0.05). A model that merely ties naive adds risk and no value.
 */
export function naiveGateVerdict(version: GatedVersion): NaiveGateVerdict {
  if (NAIVE_POINT_MODEL_TYPES.includes(version.modelType)) {
    return { beatsNaive: true, reason: `${version.modelType} forecasts the last close` };
  }
  const statistic = version.metrics['dmStatistic'];
  const pValue = version.metrics['dmPValue'];
  const range = evaluationRange(version);
  if (typeof statistic !== 'number' || typeof pValue !== 'number') {
    return {
      beatsNaive: false,
      reason: `version ${version.id} (${version.modelType}) has no Diebold-Mariano test against naive on ${range}`,
    };
  }
  const figures = `DM ${statistic.toFixed(2)}, p = ${pValue.toPrecision(2)}`;
  if (statistic < 0 && pValue < BEAT_NAIVE_SIGNIFICANCE) {
    return {
      beatsNaive: true,
      reason: `version ${version.id} (${version.modelType}) beat naive significantly on ${range} (${figures})`,
    };
  }
  return {
    beatsNaive: false,
    reason: `version ${version.id} (${version.modelType}) did not beat naive significantly on ${range} (${figures})`,
  };
}

/** What the API and dashboard say when production fell back to naive because no candidate beat it. */
export function naiveFallbackNotice(candidate: Pick<ModelVersion, 'evaluation'>): string {
  return `no model beat naive on ${evaluationRange(candidate)}; showing naive`;
}
