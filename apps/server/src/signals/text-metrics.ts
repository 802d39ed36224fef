import { sentimentDirection } from './sentiment-scorer.port.ts';

const HOUR_MS = 3_600_000;

/** The windows each text metric is counted over, written as the metric name's suffix. */
export const TEXT_METRIC_WINDOWS = [
  { suffix: '1h', lengthMs: HOUR_MS },
  { suffix: '24h', lengthMs: 24 * HOUR_MS },
] as const;

/** Text metrics are sampled at the end of every hour (the grid of the `1h` metric series). */
export const TEXT_METRIC_STEP_MS = HOUR_MS;

/** What a window's metrics need of one item. */
export interface CountedTextItem {
  knownAtMs: number;
  sentiment: number | null;
}

/**
 * The text metrics of one subject at `atMs`, over each window ending there (start exclusive, end
 * inclusive), by the time each item became known:
 * - `count_<w>`: items;
 * - `sentiment_mean_<w>`, `sentiment_dispersion_<w>` (population standard deviation),
 *   `share_positive_<w>`, `share_negative_<w>` over the scored items (outside the neutral band).
 * A statistic of no items is absent, never zero: only the count is 0 then.
 */
export function textMetricsAt(items: readonly CountedTextItem[], atMs: number): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const window of TEXT_METRIC_WINDOWS) {
    const startMs = atMs - window.lengthMs;
    let count = 0;
    const scores: number[] = [];
    for (const item of items) {
      if (item.knownAtMs <= startMs || item.knownAtMs > atMs) continue;
      count += 1;
      if (item.sentiment !== null) scores.push(item.sentiment);
    }
    metrics[`count_${window.suffix}`] = count;
    if (scores.length === 0) continue;
    const mean = scores.reduce((sum, score) => sum + score, 0) / scores.length;
    const variance = scores.reduce((sum, score) => sum + (score - mean) ** 2, 0) / scores.length;
    metrics[`sentiment_mean_${window.suffix}`] = mean;
    metrics[`sentiment_dispersion_${window.suffix}`] = Math.sqrt(variance);
    metrics[`share_positive_${window.suffix}`] =
      scores.filter((score) => sentimentDirection(score) === 1).length / scores.length;
    metrics[`share_negative_${window.suffix}`] =
      scores.filter((score) => sentimentDirection(score) === -1).length / scores.length;
  }
  return metrics;
}

/** The longest window: how far back items are read to compute the metrics at one time. */
export const LONGEST_TEXT_WINDOW_MS = Math.max(...TEXT_METRIC_WINDOWS.map((window) => window.lengthMs));

/**
 * The hourly text metric series of one subject, as the collector writes them: the metrics at every
 * full hour `t` with `fromMs <= t <= toMs`, each a sample `{ timeMs: t, value }` by metric name
 * (a statistic of an empty window has no sample, as in the store). Used to replay archived text
 * into series for backtests.
 */
export function textMetricSeries(
  items: readonly CountedTextItem[],
  fromMs: number,
  toMs: number,
): Record<string, { timeMs: number; value: number }[]> {
  const sorted = [...items].sort((left, right) => left.knownAtMs - right.knownAtMs);
  const firstAfter = (timeMs: number): number => {
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle]!.knownAtMs <= timeMs) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  const series: Record<string, { timeMs: number; value: number }[]> = {};
  const firstHourMs = Math.ceil(fromMs / TEXT_METRIC_STEP_MS) * TEXT_METRIC_STEP_MS;
  for (let atMs = firstHourMs; atMs <= toMs; atMs += TEXT_METRIC_STEP_MS) {
    // Only the items of the longest window can count at `atMs`.
    const inWindow = sorted.slice(firstAfter(atMs - LONGEST_TEXT_WINDOW_MS), firstAfter(atMs));
    for (const [metric, value] of Object.entries(textMetricsAt(inWindow, atMs))) {
      (series[metric] ??= []).push({ timeMs: atMs, value });
    }
  }
  return series;
}
