import { registryMetrics } from '@runecast/contracts';
import { ValidationError } from '@runecast/market';

// How the model registry ranks versions: which metrics it can rank by, which way each is better,
// the leaderboard order and the best version. The repository only stores and loads rows.

/** Metrics the registry ranks by (the API's list), and which way is better. */
export const RANKING_METRICS = registryMetrics;
export type RankingMetric = (typeof RANKING_METRICS)[number];

/** A metric score where smaller is better: coverage is best at its nominal level, r² and direction accuracy when high. */
export function metricLoss(
  metric: RankingMetric,
  metrics: Readonly<Record<string, number | null>>,
): number | null {
  const value = metrics[metric];
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  switch (metric) {
    case 'r2':
    case 'directionalAccuracy':
      return -value;
    case 'coverage80':
      return Math.abs(value - 0.8);
    case 'coverage95':
      return Math.abs(value - 0.95);
    default:
      return value;
  }
}

export function assertRankingMetric(metric: string): asserts metric is RankingMetric {
  if (!(RANKING_METRICS as readonly string[]).includes(metric)) {
    throw new ValidationError(
      `metric "${metric}" cannot rank models; use one of ${RANKING_METRICS.join(', ')}`,
      {
        field: 'metric',
      },
    );
  }
}

/** Orders two versions by `metric`: smaller loss first, versions without it last, ties newest first. */
export function compareByMetric(
  metric: RankingMetric,
  left: { id: number; metrics: Readonly<Record<string, number | null>> },
  right: { id: number; metrics: Readonly<Record<string, number | null>> },
): number {
  const leftLoss = metricLoss(metric, left.metrics);
  const rightLoss = metricLoss(metric, right.metrics);
  if (leftLoss === null || rightLoss === null) {
    if (leftLoss !== null) return -1;
    return rightLoss === null ? right.id - left.id : 1;
  }
  return leftLoss - rightLoss || right.id - left.id;
}

/** Versions best first by `metric` (a new array; those without the metric last). */
export function rankByMetric<
  Version extends { id: number; metrics: Readonly<Record<string, number | null>> },
>(metric: RankingMetric, versions: readonly Version[]): Version[] {
  assertRankingMetric(metric);
  return [...versions].sort((left, right) => compareByMetric(metric, left, right));
}

/** The best version by `metric` (ties: the newest); null when none has that metric. */
export function bestByMetric<
  Version extends { id: number; metrics: Readonly<Record<string, number | null>> },
>(metric: RankingMetric, versions: readonly Version[]): Version | null {
  const [best] = rankByMetric(metric, versions);
  return best && metricLoss(metric, best.metrics) !== null ? best : null;
}
