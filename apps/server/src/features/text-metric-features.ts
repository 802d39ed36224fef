import { ValidationError } from '@runecast/market';
import type { CandleGrid } from './candle-grid.ts';

const HOUR_MS = 3_600_000;

/**
 * The text metrics a feature can be built from: those the text collector writes per market (see
 * signals/text-metrics.ts), over the 1h and 24h windows. The count is the number of items naming
 * the market (its mentions).
 */
export const TEXT_METRIC_FEATURES = [
  'count_1h',
  'count_24h',
  'sentiment_mean_1h',
  'sentiment_mean_24h',
  'sentiment_dispersion_1h',
  'sentiment_dispersion_24h',
  'share_positive_1h',
  'share_positive_24h',
  'share_negative_1h',
  'share_negative_24h',
] as const;
export type TextMetricFeature = (typeof TEXT_METRIC_FEATURES)[number];

/**
 * How old the latest metric sample may be when a row is built before the row's values are
 * missing (NaN) rather than carried forward: twice the hourly step of the metric series, so one
 * missed hour is bridged and a longer outage of the collector stays a gap.
 */
export const DEFAULT_TEXT_METRIC_MAX_AGE_MS = 2 * HOUR_MS;

/** One sample of a metric series: its value over the window ending at `timeMs`. */
export interface TextMetricSample {
  /**
   * End of the window (epoch ms). The value is computed only from items known by then (the later
   * of their publication and first-seen times), so it is usable from `timeMs` on.
   */
  timeMs: number;
  value: number;
}

/** The metric series of one text source for the forecast market, by metric name. */
export type TextMetricSeriesInput = Readonly<Partial<Record<TextMetricFeature, readonly TextMetricSample[]>>>;

export interface TextMetricFeatureOptions {
  /** See `DEFAULT_TEXT_METRIC_MAX_AGE_MS`. */
  maxAgeMs?: number;
}

/** Name of a text-metric feature column: `text.<key>.<metric>`. */
export function textMetricFeatureName(key: string, metric: TextMetricFeature): string {
  return `text.${key}.${metric}`;
}

/** The window a metric is counted over: `24h` of `sentiment_mean_24h`. */
const windowOf = (metric: TextMetricFeature): string => metric.slice(metric.lastIndexOf('_') + 1);

function checkSamples(key: string, metric: string, samples: readonly TextMetricSample[]): void {
  for (let index = 0; index < samples.length; index += 1) {
    const sample = samples[index]!;
    if (!Number.isSafeInteger(sample.timeMs) || sample.timeMs < 0) {
      throw new ValidationError(`text metrics ${key}.${metric}: sample ${index} has no epoch-ms time`);
    }
    if (!Number.isFinite(sample.value)) {
      throw new ValidationError(
        `text metrics ${key}.${metric}: sample ${index} (${sample.timeMs}) has a value that is not a finite number`,
      );
    }
    if (index > 0 && sample.timeMs <= samples[index - 1]!.timeMs) {
      throw new ValidationError(
        `text metrics ${key}.${metric}: samples must be strictly ascending by time; sample ${index} (${sample.timeMs}) is not after ${samples[index - 1]!.timeMs}`,
      );
    }
  }
}

/**
 * Position of the latest sample known when each row of the grid is built (its candle's close), or
 * -1 when there is none or it is older than `maxAgeMs`. A sample at time s is first used by the
 * first row whose close is at or after s.
 */
function latestKnownPositions(
  grid: CandleGrid,
  samples: readonly TextMetricSample[],
  maxAgeMs: number,
): Int32Array {
  const positions = new Int32Array(grid.openTimesMs.length).fill(-1);
  let sample = -1;
  for (let row = 0; row < positions.length; row += 1) {
    const knownAtMs = grid.openTimesMs[row]! + grid.timeframeMs;
    while (sample + 1 < samples.length && samples[sample + 1]!.timeMs <= knownAtMs) sample += 1;
    if (sample >= 0 && knownAtMs - samples[sample]!.timeMs <= maxAgeMs) positions[row] = sample;
  }
  return positions;
}

/**
 * The text-metric columns of one source, one per metric of `TEXT_METRIC_FEATURES`, on the grid
 * of the forecast series. Missing values are explicit:
 * - the count of a window is the latest count sample known at the row's close, if it is at most
 *   `maxAgeMs` old; otherwise NaN (the collector was down or the series has not started);
 * - a statistic (mean, dispersion, shares) is read from the same sample time as that count, never
 *   from an older sample. When the count sample has no statistic beside it, the window held no
 *   scored item and the statistic is 0 (no opinion), which the count of 0 beside it tells apart
 *   from a neutral crowd. Without a usable count sample the statistic is NaN too.
 */
export function textMetricColumns(
  grid: CandleGrid,
  key: string,
  series: TextMetricSeriesInput,
  options: TextMetricFeatureOptions = {},
): Map<string, Float64Array> {
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_TEXT_METRIC_MAX_AGE_MS;
  if (!Number.isSafeInteger(maxAgeMs) || maxAgeMs < 0) {
    throw new ValidationError(`text metrics maxAgeMs must be a non-negative integer of ms, got ${maxAgeMs}`);
  }
  const unknown = Object.keys(series).filter(
    (metric) => !(TEXT_METRIC_FEATURES as readonly string[]).includes(metric),
  );
  if (unknown.length > 0) {
    throw new ValidationError(
      `text metrics ${key}: unknown metric(s) ${unknown.join(', ')}; known: ${TEXT_METRIC_FEATURES.join(', ')}`,
    );
  }
  for (const [metric, samples] of Object.entries(series)) checkSamples(key, metric, samples ?? []);

  const length = grid.openTimesMs.length;
  const columns = new Map<string, Float64Array>();
  const countPositions = new Map<string, Int32Array>();
  for (const metric of TEXT_METRIC_FEATURES) {
    if (!metric.startsWith('count_')) continue;
    const samples = series[metric] ?? [];
    const positions = latestKnownPositions(grid, samples, maxAgeMs);
    countPositions.set(windowOf(metric), positions);
    const column = new Float64Array(length).fill(Number.NaN);
    for (let row = 0; row < length; row += 1) {
      if (positions[row]! >= 0) column[row] = samples[positions[row]!]!.value;
    }
    columns.set(textMetricFeatureName(key, metric), column);
  }
  for (const metric of TEXT_METRIC_FEATURES) {
    if (metric.startsWith('count_')) continue;
    const counts = series[`count_${windowOf(metric)}` as TextMetricFeature] ?? [];
    const positions = countPositions.get(windowOf(metric))!;
    const byTime = new Map((series[metric] ?? []).map((sample) => [sample.timeMs, sample.value]));
    const column = new Float64Array(length).fill(Number.NaN);
    for (let row = 0; row < length; row += 1) {
      if (positions[row]! < 0) continue;
      column[row] = byTime.get(counts[positions[row]!]!.timeMs) ?? 0;
    }
    columns.set(textMetricFeatureName(key, metric), column);
  }
  return columns;
}
