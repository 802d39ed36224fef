import {
  type Candle,
  closeOnlyCandle,
  floorToGrid,
  formatMetricSeriesKey,
  formatSeriesKey,
  isMetricSeriesKey,
  type MetricSeriesKey,
  parseMetricSeriesKey,
  parseSeriesKey,
  type SeriesKey,
  timeframeMs,
  type TimeRange,
  ValidationError,
} from '@runecast/market';
import {
  buildFeatureMatrix,
  DEFAULT_FEATURE_SETTINGS,
  type FeatureMatrix,
  type FeatureSettings,
} from '../features/feature-matrix.ts';
import type { CandleRepository, CoverageRepository, MetricPointRepository } from '../store/store.port.ts';

/** Largest feature window of the default settings (weekly volatility on hourly candles) plus a margin. */
export const FEATURE_WARMUP_CANDLES = 200;
const END_OF_TIME_MS = 8_640_000_000_000_000;

/** What the forecasting jobs read of the market-data store. */
export interface MarketDataReader {
  readonly candles: CandleRepository;
  readonly coverage: CoverageRepository;
  readonly metricPoints: MetricPointRepository;
}

/** Where a series has data: its own stored candles, or 1m candles it can be derived from. */
export interface SeriesSpan {
  firstOpenTimeMs: number;
  lastOpenTimeMs: number;
  derivedFrom1m: boolean;
}

function isoMinute(timeMs: number): string {
  return new Date(timeMs).toISOString().replace(':00.000Z', 'Z');
}

export function describeSpan(span: SeriesSpan): string {
  return `${isoMinute(span.firstOpenTimeMs)} to ${isoMinute(span.lastOpenTimeMs)}${span.derivedFrom1m ? ' (derived from 1m)' : ''}`;
}

/** The span of a series' data, or null when it has none (stored or derivable). */
export async function findSeriesSpan(
  candles: CandleRepository,
  series: SeriesKey,
): Promise<SeriesSpan | null> {
  const everything = { startMs: 0, endMs: END_OF_TIME_MS };
  const [first] = await candles.listCandles(series, everything, 1);
  const last = await candles.latestCandle(series);
  const derivable =
    series.timeframe !== '1m' ? await findSeriesSpan(candles, { ...series, timeframe: '1m' }) : null;
  if (first && last) {
    // A stored timeframe may also be derivable over a longer span: report the union.
    if (derivable) {
      return {
        firstOpenTimeMs: Math.min(first.openTimeMs, floorToGrid(derivable.firstOpenTimeMs, series.timeframe)),
        lastOpenTimeMs: Math.max(last.openTimeMs, floorToGrid(derivable.lastOpenTimeMs, series.timeframe)),
        derivedFrom1m: false,
      };
    }
    return { firstOpenTimeMs: first.openTimeMs, lastOpenTimeMs: last.openTimeMs, derivedFrom1m: false };
  }
  if (!derivable) return null;
  return {
    firstOpenTimeMs: floorToGrid(derivable.firstOpenTimeMs, series.timeframe),
    lastOpenTimeMs: floorToGrid(derivable.lastOpenTimeMs, series.timeframe),
    derivedFrom1m: true,
  };
}

/** The series' span, or a ValidationError naming the series that do have data. */
export async function requireSeriesSpan(market: MarketDataReader, series: SeriesKey): Promise<SeriesSpan> {
  const span = await findSeriesSpan(market.candles, series);
  if (span) return span;
  const known = (await market.coverage.listSeries()).map(formatSeriesKey);
  throw new ValidationError(
    `unknown series ${formatSeriesKey(series)}: no candles are stored for it` +
      (series.timeframe === '1m' ? '' : ' and none can be derived from 1m candles') +
      (known.length > 0
        ? `; series with data: ${known.join(', ')}`
        : '; the store holds no candles yet (load some with runecast import or runecast backfill)'),
    { series: formatSeriesKey(series) },
  );
}

/**
 * Closed candles of a series whose open time lies in `range`, ascending: stored ones, with any
 * gaps filled by candles derived from stored 1m candles (complete buckets only).
 */
export async function loadSeriesCandles(
  candles: CandleRepository,
  series: SeriesKey,
  range: TimeRange,
): Promise<Candle[]> {
  const stored = (await candles.listCandles(series, range)).filter((candle) => candle.closed);
  if (series.timeframe === '1m') return stored;
  const stepMs = timeframeMs(series.timeframe);
  const expected = Math.floor((range.endMs - range.startMs) / stepMs);
  if (stored.length >= expected) return stored;
  const derived = await candles.deriveCandles(series, range);
  if (derived.length === 0) return stored;
  const byOpenTime = new Map<number, Candle>();
  for (const candle of derived) {
    if (!candle.closed) continue;
    byOpenTime.set(candle.openTimeMs, {
      exchange: candle.exchange,
      symbol: candle.symbol,
      timeframe: candle.timeframe,
      openTimeMs: candle.openTimeMs,
      open: candle.open,
      high: candle.high,
      low: candle.low,
      close: candle.close,
      volume: candle.volume,
      quoteVolume: candle.quoteVolume,
      tradeCount: candle.tradeCount,
      closed: true,
    });
  }
  // The exchange's own candle wins over one rebuilt from minutes.
  for (const candle of stored) byOpenTime.set(candle.openTimeMs, candle);
  return [...byOpenTime.values()].sort((left, right) => left.openTimeMs - right.openTimeMs);
}

export interface SeriesMatrixInput {
  series: SeriesKey;
  range: TimeRange;
  /** Series keys whose returns become cross-asset features. */
  crossAssets?: readonly string[];
  featureSettings?: Partial<FeatureSettings>;
  /** What the data is for, for error messages ("training ridge at 24h"). */
  purpose: string;
  /** Fewest candles the purpose needs. */
  minimumCandles: number;
}

export interface SeriesMatrix {
  matrix: FeatureMatrix;
  /** The series' candles the matrix was built from. */
  candles: Candle[];
  span: SeriesSpan;
  featureSettings: FeatureSettings;
  crossAssets: string[];
}

/**
 * Loads a series (and its cross assets) over a range and builds the point-in-time feature
 * matrix. Throws a ValidationError that names the series, what the range holds, what the purpose
 * needs and where the data is, when there is too little.
 */
export async function loadSeriesMatrix(
  market: MarketDataReader,
  input: SeriesMatrixInput,
): Promise<SeriesMatrix> {
  const span = await requireSeriesSpan(market, input.series);
  const candles = await loadSeriesCandles(market.candles, input.series, input.range);
  const label = formatSeriesKey(input.series);
  if (candles.length < input.minimumCandles) {
    throw new ValidationError(
      `too little data: ${label} has ${candles.length} closed candles from ${isoMinute(input.range.startMs)} to ` +
        `${isoMinute(input.range.endMs)}, and ${input.purpose} needs at least ${input.minimumCandles}; ` +
        `its data spans ${describeSpan(span)}, so choose a range inside it that holds more candles`,
      { series: label, candles: candles.length, minimumCandles: input.minimumCandles },
    );
  }
  const crossAssets = [...new Set(input.crossAssets ?? [])];
  const crossAssetCandles: Record<string, Candle[]> = {};
  for (const key of crossAssets) {
    if (isMetricSeriesKey(key)) {
      crossAssetCandles[key] = await loadMetricCandles(market, parseMetricSeriesKey(key), input.range);
      continue;
    }
    const other = parseSeriesKey(key);
    if (formatSeriesKey(other) === label) {
      throw new ValidationError(`cross asset ${key} is the series itself`, { field: 'crossAssets' });
    }
    await requireSeriesSpan(market, other);
    const otherCandles = await loadSeriesCandles(market.candles, other, input.range);
    if (otherCandles.length === 0) {
      throw new ValidationError(
        `cross asset ${key} has no candles from ${isoMinute(input.range.startMs)} to ${isoMinute(input.range.endMs)}`,
        {
          field: 'crossAssets',
        },
      );
    }
    crossAssetCandles[key] = otherCandles;
  }
  const featureSettings: FeatureSettings = { ...DEFAULT_FEATURE_SETTINGS, ...input.featureSettings };
  const matrix = buildFeatureMatrix({
    candles,
    ...(crossAssets.length > 0 ? { crossAssets: crossAssetCandles } : {}),
    settings: featureSettings,
  });
  return { matrix, candles, span, featureSettings, crossAssets };
}

/**
 * A metric series as close-only candles of its timeframe, so its log growth becomes a feature the
 * way another market's returns do: each slot holds the last value observed inside it, known by the
 * slot's close; a slot without an observation is absent, and the feature matrix carries the last
 * known value forward (never a later one). Growth is a log ratio, so every value must be positive.
 */
export async function loadMetricCandles(
  market: Pick<MarketDataReader, 'metricPoints'>,
  key: MetricSeriesKey,
  range: TimeRange,
): Promise<Candle[]> {
  const label = formatMetricSeriesKey(key);
  const points = await market.metricPoints.listPoints(key.exchange, key.symbol, key.metric, range);
  const bySlot = new Map<number, number>();
  for (const point of points) {
    if (!(point.value > 0)) {
      throw new ValidationError(
        `cross asset ${label}: its growth is a log ratio, so its values must be positive; it is ${point.value} at ${isoMinute(point.timeMs)}`,
        { field: 'crossAssets' },
      );
    }
    // Points come in time order: the last one of a slot wins.
    bySlot.set(floorToGrid(point.timeMs, key.timeframe), point.value);
  }
  if (bySlot.size === 0) {
    throw new ValidationError(
      `cross asset ${label} has no values from ${isoMinute(range.startMs)} to ${isoMinute(range.endMs)}`,
      { field: 'crossAssets' },
    );
  }
  return [...bySlot].map(([openTimeMs, value]) => closeOnlyCandle(key, openTimeMs, value));
}

/** Runs `work`, adding the series' data span to any ValidationError so the message says what would work. */
export async function withDataContext<T>(
  span: SeriesSpan,
  series: SeriesKey,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ValidationError && !error.message.includes('its data spans')) {
      throw new ValidationError(
        `${error.message} (${formatSeriesKey(series)}: its data spans ${describeSpan(span)}; a longer range may work)`,
        error.details,
      );
    }
    throw error;
  }
}
