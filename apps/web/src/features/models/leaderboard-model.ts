import { beatsNaive as beatsNaiveByTest, NAIVE_SIGNIFICANCE } from '@runecast/market';
/** What the leaderboard needs of a registered model version. */
export interface LeaderboardEntry {
  id: number;
  modelType: string;
  stage: string;
  createdAtMs: number;
  metrics: Readonly<Record<string, number | null | undefined>>;
}

export type MetricDirection = 'lower' | 'higher' | { nominal: number };

export interface MetricColumn {
  key: string;
  label: string;
  title: string;
  direction: MetricDirection;
  format: (value: number) => string;
}

const fixed = (digits: number) => (value: number) => value.toFixed(digits);
const percent = (digits: number) => (value: number) => `${(value * 100).toFixed(digits)}%`;

function price(value: number): string {
  const magnitude = Math.abs(value);
  return value.toFixed(magnitude >= 100 ? 2 : magnitude >= 1 ? 4 : 6);
}

/** Every metric of the walk-forward evaluation, in the order the table shows them. */
export const METRIC_COLUMNS: readonly MetricColumn[] = [
  {
    key: 'mase',
    label: 'MASE',
    title: 'MAE over the naive forecast’s MAE; below 1 beats naive',
    direction: 'lower',
    format: fixed(3),
  },
  { key: 'mae', label: 'MAE', title: 'mean absolute error, in price', direction: 'lower', format: price },
  {
    key: 'rmse',
    label: 'RMSE',
    title: 'root mean squared error, in price',
    direction: 'lower',
    format: price,
  },
  {
    key: 'mape',
    label: 'MAPE',
    title: 'mean absolute percentage error',
    direction: 'lower',
    format: (value) => `${value.toFixed(3)}%`,
  },
  {
    key: 'r2',
    label: 'R²',
    title: 'out-of-sample R² of the forecast return',
    direction: 'higher',
    format: fixed(3),
  },
  {
    key: 'directionalAccuracy',
    label: 'Direction',
    title: 'share of correct up/down calls',
    direction: 'higher',
    format: percent(1),
  },
  {
    key: 'coverage80',
    label: 'Cov 80',
    title: 'share of actuals inside the 80% interval (ideal 80%)',
    direction: { nominal: 0.8 },
    format: percent(1),
  },
  {
    key: 'coverage95',
    label: 'Cov 95',
    title: 'share of actuals inside the 95% interval (ideal 95%)',
    direction: { nominal: 0.95 },
    format: percent(1),
  },
  {
    key: 'intervalScore80',
    label: 'IS 80',
    title:
      'mean interval (Winkler) score of the 80% band, in price: its width plus 10× how far actuals fell outside; lower is better',
    direction: 'lower',
    format: price,
  },
  {
    key: 'intervalScore95',
    label: 'IS 95',
    title: 'mean interval (Winkler) score of the 95% band, in price (misses cost 40× their distance)',
    direction: 'lower',
    format: price,
  },
  {
    key: 'crps',
    label: 'CRPS',
    title: 'continuous ranked probability score from the forecast quantiles, in price; lower is better',
    direction: 'lower',
    format: price,
  },
  {
    key: 'intervalSkill80',
    label: 'Skill 80',
    title: '1 − IS 80 / naive’s IS 80 with plain conformal bands: above 0 means sharper, honest bands',
    direction: 'higher',
    format: percent(1),
  },
  {
    key: 'dmIntervalPValue80',
    label: 'IS DM p',
    title: 'p-value of the Diebold-Mariano test of the 80% interval score against naive’s plain bands',
    direction: 'lower',
    format: (value) => (value < 0.001 ? value.toExponential(1) : value.toFixed(3)),
  },
  {
    key: 'pinball',
    label: 'Pinball',
    title: 'mean pinball loss over the quantiles, in price',
    direction: 'lower',
    format: price,
  },
  {
    key: 'dmStatistic',
    label: 'DM',
    title: 'Diebold-Mariano statistic against naive (negative: fewer errors than naive)',
    direction: 'lower',
    format: fixed(2),
  },
  {
    key: 'dmPValue',
    label: 'DM p',
    title: 'p-value of the Diebold-Mariano test against naive',
    direction: 'lower',
    format: (value) => (value < 0.001 ? value.toExponential(1) : value.toFixed(3)),
  },
];

/** A loss to sort by: smaller is better whatever the metric's direction; null when absent. */
export function metricLoss(
  column: Pick<MetricColumn, 'direction'>,
  value: number | null | undefined,
): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  if (column.direction === 'lower') return value;
  if (column.direction === 'higher') return -value;
  return Math.abs(value - column.direction.nominal);
}

export function isNaive(entry: Pick<LeaderboardEntry, 'modelType'>): boolean {
  return entry.modelType === 'naive';
}

/**
 * Beats naive when its errors are smaller (MASE below 1) and the Diebold-Mariano test says
 * the difference is not chance (p below 0.05).
 */
export function beatsNaive(entry: LeaderboardEntry, significance = NAIVE_SIGNIFICANCE): boolean | null {
  if (isNaive(entry)) return null;
  return beatsNaiveByTest(entry.metrics.mase, entry.metrics.dmPValue, significance);
}

/** Best first by the chosen metric; versions without it last, newest first among equals. */
export function rankEntries<Entry extends LeaderboardEntry>(
  entries: readonly Entry[],
  metricKey: string,
): Entry[] {
  const column = METRIC_COLUMNS.find((item) => item.key === metricKey) ?? METRIC_COLUMNS[0]!;
  return [...entries].sort((left, right) => {
    const leftLoss = metricLoss(column, left.metrics[column.key]);
    const rightLoss = metricLoss(column, right.metrics[column.key]);
    if (leftLoss === null || rightLoss === null) {
      if (leftLoss === rightLoss) return right.createdAtMs - left.createdAtMs;
      return leftLoss === null ? 1 : -1;
    }
    return leftLoss - rightLoss || right.createdAtMs - left.createdAtMs;
  });
}

/** The best value of each metric among the entries, to highlight it. */
export function bestValues(entries: readonly LeaderboardEntry[]): Record<string, number | null> {
  const best: Record<string, number | null> = {};
  for (const column of METRIC_COLUMNS) {
    let bestLoss: number | null = null;
    let bestValue: number | null = null;
    for (const entry of entries) {
      const value = entry.metrics[column.key];
      const loss = metricLoss(column, value);
      if (loss !== null && (bestLoss === null || loss < bestLoss)) {
        bestLoss = loss;
        bestValue = value!;
      }
    }
    best[column.key] = bestValue;
  }
  return best;
}

/** What the leaderboard endpoint answers per version (only the parts used here). */
export interface BoardVersion {
  model: {
    id: number;
    modelType: string;
    stage: string;
    createdAtMs: number;
    metrics: Readonly<Record<string, number | null>>;
    naiveMetrics: Readonly<Record<string, number | null>> | null;
  };
}

/**
 * The board's versions, with naive always on it: when no naive version is registered, the
 * naive figures measured on the first version's own forecast origins stand in as a baseline
 * row (negative id: not a version).
 */
export function withNaiveBaseline(entries: readonly BoardVersion[]): LeaderboardEntry[] {
  const rows: LeaderboardEntry[] = entries.map((entry) => ({
    id: entry.model.id,
    modelType: entry.model.modelType,
    stage: entry.model.stage,
    createdAtMs: entry.model.createdAtMs,
    metrics: entry.model.metrics,
  }));
  const reference = entries.find((entry) => entry.model.naiveMetrics !== null);
  if (!rows.some((row) => isNaive(row)) && reference !== undefined) {
    rows.push({
      id: -reference.model.id,
      modelType: 'naive',
      stage: 'baseline',
      createdAtMs: 0,
      metrics: reference.model.naiveMetrics ?? {},
    });
  }
  return rows;
}
