import { getStandardDeviation, getZScore } from 'trading-signals';
import { type Candle, type Timeframe, ValidationError } from '@runecast/market';
import { alignCandlesToGrid, alignClosesAsOf, type CandleGrid } from './candle-grid.ts';
import { computePriceIndicators } from './price-indicators.ts';
import {
  TEXT_METRIC_FEATURES,
  textMetricColumns,
  type TextMetricFeatureOptions,
  textMetricFeatureName,
  type TextMetricSeriesInput,
} from './text-metric-features.ts';

/** Window lengths of the features, in candles of the series (not minutes). */
export interface FeatureSettings {
  /** Lags of the one-step log return: lag 1 is the return of the candle before the latest. */
  returnLags: readonly number[];
  /** Log returns over several candles (momentum), also used for cross-asset returns. */
  momentumWindows: readonly number[];
  /** Rolling standard deviation of one-step log returns. */
  volatilityWindows: readonly number[];
  rsiPeriod: number;
  macdFastPeriod: number;
  macdSlowPeriod: number;
  macdSignalPeriod: number;
  bollingerPeriod: number;
  bollingerDeviations: number;
  atrPeriod: number;
  volumeWindow: number;
}

export const DEFAULT_FEATURE_SETTINGS: Readonly<FeatureSettings> = Object.freeze({
  returnLags: [1, 2, 3, 4, 5],
  momentumWindows: [4, 24],
  volatilityWindows: [24, 168],
  rsiPeriod: 14,
  macdFastPeriod: 12,
  macdSlowPeriod: 26,
  macdSignalPeriod: 9,
  bollingerPeriod: 20,
  bollingerDeviations: 2,
  atrPeriod: 14,
  volumeWindow: 24,
});

export interface BuildFeatureMatrixInput {
  /** Candles of the series to forecast, ascending; trailing open candles are ignored. */
  candles: readonly Candle[];
  /** Other tracked markets by a key of the caller's choice (e.g. a series key); joined as of each close. */
  crossAssets?: Readonly<Record<string, readonly Candle[]>>;
  /**
   * Optional text metric series (news, community) about this market by a key of the caller's
   * choice (e.g. the text source); joined by the time each sample became known, see
   * text-metric-features.ts. Off unless given.
   */
  textMetrics?: Readonly<Record<string, TextMetricSeriesInput>>;
  textMetricOptions?: TextMetricFeatureOptions;
  /** Columns to keep, in this order; defaults to every available feature. */
  featureNames?: readonly string[];
  settings?: Partial<FeatureSettings>;
}

/**
 * One row per candle of the series' grid. Row i is what is known when candle i closes: it is built
 * only from candles (of this series and of the cross assets) closed at or before that moment, so
 * the same rows serve training, backtests and live prediction.
 */
export interface FeatureMatrix {
  timeframe: Timeframe;
  timeframeMs: number;
  featureNames: string[];
  /** rows[i][j] is feature j at candle i; NaN while a feature's window is still filling. */
  rows: Float64Array[];
  openTimesMs: Float64Array;
  closes: Float64Array;
  /** Open, high and low of each candle (filled gaps: the previous close), for range-based volatility. */
  opens: Float64Array;
  highs: Float64Array;
  lows: Float64Array;
  /** 1 for a candle the exchange reported, 0 for a filled gap (no target is taken from those). */
  observed: Uint8Array;
}

/**
 * Values derived from one matrix (column positions, variance sums), kept on the matrix itself under
 * a symbol: they live and die with it, and a copy sent to a compute thread leaves them behind
 * (structured clone skips symbol keys).
 */
const MATRIX_MEMO = Symbol('feature matrix memo');

/** The value stored under `key` for this matrix, built on first use. */
export function memoizeOnMatrix<T>(matrix: FeatureMatrix, key: string, build: () => T): T {
  const holder = matrix as FeatureMatrix & { [MATRIX_MEMO]?: Map<string, unknown> };
  let memo = holder[MATRIX_MEMO];
  if (memo === undefined) {
    memo = new Map();
    Object.defineProperty(holder, MATRIX_MEMO, { value: memo, enumerable: false });
  }
  if (memo.has(key)) return memo.get(key) as T;
  const value = build();
  memo.set(key, value);
  return value;
}

const TWO_PI = 2 * Math.PI;
const MINUTES_PER_DAY = 1440;
const DAY_MS = 86_400_000;

function checkWindows(name: string, values: readonly number[], minimum: number): void {
  for (const value of values) {
    if (!Number.isSafeInteger(value) || value < minimum) {
      throw new ValidationError(`feature setting ${name}: ${value} must be an integer >= ${minimum}`);
    }
  }
}

function resolveSettings(overrides: Partial<FeatureSettings> | undefined): FeatureSettings {
  const settings: FeatureSettings = { ...DEFAULT_FEATURE_SETTINGS, ...overrides };
  checkWindows('returnLags', settings.returnLags, 1);
  checkWindows('momentumWindows', settings.momentumWindows, 2);
  checkWindows('volatilityWindows', settings.volatilityWindows, 2);
  for (const key of [
    'rsiPeriod',
    'macdFastPeriod',
    'macdSlowPeriod',
    'macdSignalPeriod',
    'bollingerPeriod',
    'atrPeriod',
    'volumeWindow',
  ] as const) {
    checkWindows(key, [settings[key]], 2);
  }
  if (settings.macdFastPeriod >= settings.macdSlowPeriod) {
    throw new ValidationError('feature setting macdFastPeriod must be below macdSlowPeriod');
  }
  if (!(settings.bollingerDeviations > 0)) {
    throw new ValidationError('feature setting bollingerDeviations must be positive');
  }
  return settings;
}

function nanColumn(length: number): Float64Array {
  return new Float64Array(length).fill(Number.NaN);
}

/** log(x[i] / x[i - steps]); NaN where either side is unknown. */
function logReturnColumn(closes: Float64Array, steps: number): Float64Array {
  const column = nanColumn(closes.length);
  for (let index = steps; index < closes.length; index += 1) {
    column[index] = Math.log(closes[index]! / closes[index - steps]!);
  }
  return column;
}

function laggedColumn(column: Float64Array, lag: number): Float64Array {
  const lagged = nanColumn(column.length);
  lagged.set(column.subarray(0, column.length - lag), lag);
  return lagged;
}

/** Applies `statistic` to each full trailing window of finite values ending at i. */
function rollingColumn(
  values: Float64Array,
  window: number,
  statistic: (slice: number[]) => number,
): Float64Array {
  const column = nanColumn(values.length);
  for (let end = window; end <= values.length; end += 1) {
    const slice = Array.from(values.subarray(end - window, end));
    if (slice.every(Number.isFinite)) column[end - 1] = statistic(slice);
  }
  return column;
}

function priceIndicatorColumns(grid: CandleGrid, settings: FeatureSettings): Map<string, Float64Array> {
  const indicators = computePriceIndicators(grid, settings);
  // Models see scale-free values: RSI as a fraction, MACD and ATR relative to the close.
  const overClose = (column: Float64Array) => column.map((value, index) => value / grid.close[index]!);
  return new Map([
    [`rsi${settings.rsiPeriod}`, indicators.rsi.map((value) => value / 100)],
    ['macdLine', overClose(indicators.macdLine)],
    ['macdSignal', overClose(indicators.macdSignal)],
    ['macdHistogram', overClose(indicators.macdHistogram)],
    [`bollingerPercentB${settings.bollingerPeriod}`, indicators.bollingerPercentB],
    [`atr${settings.atrPeriod}OverClose`, overClose(indicators.atr)],
  ]);
}

function calendarColumns(grid: CandleGrid): Map<string, Float64Array> {
  const length = grid.close.length;
  const timeOfDaySin = new Float64Array(length);
  const timeOfDayCos = new Float64Array(length);
  const dayOfWeekSin = new Float64Array(length);
  const dayOfWeekCos = new Float64Array(length);
  for (let index = 0; index < length; index += 1) {
    // The row is known at the candle's close, so the calendar is read at that moment.
    const knownAtMs = grid.openTimesMs[index]! + grid.timeframeMs;
    const minuteOfDay = Math.floor((knownAtMs % DAY_MS) / 60_000);
    const dayFraction = minuteOfDay / MINUTES_PER_DAY;
    // 1970-01-01 was a Thursday; +3 makes Monday day 0.
    const dayOfWeek = ((Math.floor(knownAtMs / DAY_MS) + 3) % 7) + dayFraction;
    timeOfDaySin[index] = Math.sin(TWO_PI * dayFraction);
    timeOfDayCos[index] = Math.cos(TWO_PI * dayFraction);
    dayOfWeekSin[index] = Math.sin((TWO_PI * dayOfWeek) / 7);
    dayOfWeekCos[index] = Math.cos((TWO_PI * dayOfWeek) / 7);
  }
  return new Map([
    ['timeOfDaySin', timeOfDaySin],
    ['timeOfDayCos', timeOfDayCos],
    ['dayOfWeekSin', dayOfWeekSin],
    ['dayOfWeekCos', dayOfWeekCos],
  ]);
}

function ownSeriesColumns(grid: CandleGrid, settings: FeatureSettings): Map<string, Float64Array> {
  const columns = new Map<string, Float64Array>();
  const oneStepReturns = logReturnColumn(grid.close, 1);
  columns.set('logReturn1', oneStepReturns);
  for (const lag of settings.returnLags)
    columns.set(`logReturn1Lag${lag}`, laggedColumn(oneStepReturns, lag));
  for (const window of settings.momentumWindows)
    columns.set(`logReturn${window}`, logReturnColumn(grid.close, window));
  for (const window of settings.volatilityWindows) {
    columns.set(
      `volatility${window}`,
      rollingColumn(oneStepReturns, window, (slice) => getStandardDeviation(slice)),
    );
  }
  for (const [name, column] of priceIndicatorColumns(grid, settings)) columns.set(name, column);
  const logVolumes = grid.volume.map((volume) => Math.log1p(volume));
  columns.set(
    `volumeZScore${settings.volumeWindow}`,
    rollingColumn(logVolumes, settings.volumeWindow, (slice) => {
      // A window without variance (e.g. a long outage filled with zero volume) has no z-score; 0 says "ordinary".
      try {
        return getZScore(slice);
      } catch {
        return 0;
      }
    }),
  );
  const rangeOverClose = new Float64Array(grid.close.length);
  for (let index = 0; index < rangeOverClose.length; index += 1) {
    rangeOverClose[index] = (grid.high[index]! - grid.low[index]!) / grid.close[index]!;
  }
  columns.set('rangeOverClose', rangeOverClose);
  for (const [name, column] of calendarColumns(grid)) columns.set(name, column);
  return columns;
}

function crossAssetColumns(
  grid: CandleGrid,
  key: string,
  other: CandleGrid,
  settings: FeatureSettings,
): Map<string, Float64Array> {
  const closes = alignClosesAsOf(grid, other);
  const columns = new Map<string, Float64Array>();
  columns.set(crossAssetFeatureName(key, 'logReturn1'), logReturnColumn(closes, 1));
  for (const window of settings.momentumWindows) {
    columns.set(crossAssetFeatureName(key, `logReturn${window}`), logReturnColumn(closes, window));
  }
  return columns;
}

/** Name of a cross-asset feature column: `cross.<key>.<feature>`. */
export function crossAssetFeatureName(key: string, feature: string): string {
  return `cross.${key}.${feature}`;
}

/**
 * Every feature name `buildFeatureMatrix` can produce for these settings, cross assets and text
 * metric sources, in order.
 */
export function listFeatureNames(
  crossAssetKeys: readonly string[] = [],
  settingsOverrides?: Partial<FeatureSettings>,
  textMetricKeys: readonly string[] = [],
): string[] {
  const settings = resolveSettings(settingsOverrides);
  const names = [
    'logReturn1',
    ...settings.returnLags.map((lag) => `logReturn1Lag${lag}`),
    ...settings.momentumWindows.map((window) => `logReturn${window}`),
    ...settings.volatilityWindows.map((window) => `volatility${window}`),
    `rsi${settings.rsiPeriod}`,
    'macdLine',
    'macdSignal',
    'macdHistogram',
    `bollingerPercentB${settings.bollingerPeriod}`,
    `atr${settings.atrPeriod}OverClose`,
    `volumeZScore${settings.volumeWindow}`,
    'rangeOverClose',
    'timeOfDaySin',
    'timeOfDayCos',
    'dayOfWeekSin',
    'dayOfWeekCos',
  ];
  for (const key of crossAssetKeys) {
    names.push(crossAssetFeatureName(key, 'logReturn1'));
    for (const window of settings.momentumWindows)
      names.push(crossAssetFeatureName(key, `logReturn${window}`));
  }
  for (const key of textMetricKeys) {
    for (const metric of TEXT_METRIC_FEATURES) names.push(textMetricFeatureName(key, metric));
  }
  return names;
}

/** Builds the point-in-time feature matrix of a series (see `FeatureMatrix`). */
export function buildFeatureMatrix(input: BuildFeatureMatrixInput): FeatureMatrix {
  const settings = resolveSettings(input.settings);
  const grid = alignCandlesToGrid(input.candles, 'series candles');
  const crossAssets = Object.entries(input.crossAssets ?? {});
  const textMetrics = Object.entries(input.textMetrics ?? {});
  for (const [key] of textMetrics) {
    // A dot would make `text.<key>.<metric>` ambiguous between two keys.
    if (!/^[A-Za-z0-9:/_•-]{1,80}$/.test(key)) {
      throw new ValidationError(
        `text metrics key "${key}" must be 1-80 letters, digits or : / _ • - (no dots or spaces)`,
      );
    }
  }
  const available = listFeatureNames(
    crossAssets.map(([key]) => key),
    settings,
    textMetrics.map(([key]) => key),
  );
  const selected = input.featureNames ? [...input.featureNames] : available;
  const unknown = selected.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new ValidationError(`unknown feature(s) ${unknown.join(', ')}; available: ${available.join(', ')}`);
  }
  if (new Set(selected).size !== selected.length) throw new ValidationError('feature names must not repeat');

  const columns = ownSeriesColumns(grid, settings);
  for (const [key, candles] of crossAssets) {
    if (!selected.some((name) => name.startsWith(crossAssetFeatureName(key, '')))) continue;
    if (candles.length === 0) throw new ValidationError(`cross asset ${key}: no candles`);
    const other = alignCandlesToGrid(candles, `cross asset ${key}`);
    for (const [name, column] of crossAssetColumns(grid, key, other, settings)) columns.set(name, column);
  }
  for (const [key, series] of textMetrics) {
    if (!selected.some((name) => name.startsWith(`text.${key}.`))) continue;
    for (const [name, column] of textMetricColumns(grid, key, series, input.textMetricOptions)) {
      columns.set(name, column);
    }
  }

  const selectedColumns = selected.map((name) => columns.get(name)!);
  // Rows are views of one block rather than an allocation each: a year of 1m candles is half a
  // million rows, and one block is also copied to a compute thread as one piece.
  const width = selectedColumns.length;
  const block = new Float64Array(grid.close.length * width);
  const rows: Float64Array[] = new Array<Float64Array>(grid.close.length);
  for (let index = 0; index < grid.close.length; index += 1) {
    const row = block.subarray(index * width, (index + 1) * width);
    for (let feature = 0; feature < width; feature += 1) row[feature] = selectedColumns[feature]![index]!;
    rows[index] = row;
  }
  return {
    timeframe: grid.timeframe,
    timeframeMs: grid.timeframeMs,
    featureNames: selected,
    rows,
    openTimesMs: grid.openTimesMs,
    closes: grid.close,
    opens: grid.open,
    highs: grid.high,
    lows: grid.low,
    observed: grid.observed,
  };
}
