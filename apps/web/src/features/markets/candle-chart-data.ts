import { type Timeframe, TIMEFRAME_MS, TIMEFRAMES } from '@runecast/market';
import type { ApiCandle, CandleHistoryResponse } from '@runecast/contracts';

/** Seconds since the epoch, as the chart library takes time (it brands the number type). */
export type ChartTime = number;

export interface ChartBar {
  time: ChartTime;
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface VolumeBar {
  time: ChartTime;
  value: number;
  color: string;
}

export interface VolumeColors {
  up: string;
  down: string;
}

export function toChartTime(timeMs: number): ChartTime {
  return Math.floor(timeMs / 1000);
}

export function volumeColor(open: number, close: number, colors: VolumeColors): string {
  return close >= open ? colors.up : colors.down;
}

/** Columnar candle history → bars and volume bars for the chart, oldest first. */
export function historyToChartData(
  history: Pick<CandleHistoryResponse, 'times' | 'open' | 'high' | 'low' | 'close' | 'volume'>,
  colors: VolumeColors,
): { bars: ChartBar[]; volumes: VolumeBar[] } {
  const count = history.times.length;
  const bars: ChartBar[] = new Array(count);
  const volumes: VolumeBar[] = new Array(count);
  let written = 0;
  let previousTime = -Infinity;
  for (let index = 0; index < count; index += 1) {
    const time = toChartTime(history.times[index]!);
    // The chart needs strictly increasing times; a repeated time keeps the newer row.
    if (time <= previousTime) written -= 1;
    const open = history.open[index]!;
    const close = history.close[index]!;
    bars[written] = { time, open, high: history.high[index]!, low: history.low[index]!, close };
    volumes[written] = { time, value: history.volume[index]!, color: volumeColor(open, close, colors) };
    previousTime = time;
    written += 1;
  }
  bars.length = written;
  volumes.length = written;
  return { bars, volumes };
}

export function bucketStartMs(timeMs: number, timeframeMs: number): number {
  return Math.floor(timeMs / timeframeMs) * timeframeMs;
}

/** The bar being built from live candles of a finer timeframe. */
export interface LiveBarState {
  displayTimeframeMs: number;
  bar: (ChartBar & { volume: number }) | null;
  /** Volume each base candle of the current bar contributed, by open time (ms). */
  baseVolumes: Map<number, number>;
  /** Newest base-candle open time seen; older updates do not move the close. */
  newestBaseOpenTimeMs: number;
}

/**
 * Starts from the last bar of the loaded history and the newest stored base candle (whose
 * volume that bar already includes), so later updates of that candle are not counted twice.
 */
export function createLiveBarState(
  displayTimeframeMs: number,
  lastBar: (ChartBar & { volume: number }) | null,
  newestBaseCandle: Pick<ApiCandle, 'openTimeMs' | 'volume'> | null,
): LiveBarState {
  const baseVolumes = new Map<number, number>();
  let newestBaseOpenTimeMs = lastBar === null ? -Infinity : lastBar.time * 1000;
  if (
    lastBar !== null &&
    newestBaseCandle !== null &&
    bucketStartMs(newestBaseCandle.openTimeMs, displayTimeframeMs) === lastBar.time * 1000
  ) {
    baseVolumes.set(newestBaseCandle.openTimeMs, newestBaseCandle.volume);
    newestBaseOpenTimeMs = newestBaseCandle.openTimeMs;
  }
  return {
    displayTimeframeMs,
    bar: lastBar === null ? null : { ...lastBar },
    baseVolumes,
    newestBaseOpenTimeMs,
  };
}

/**
 * Folds one live base candle (new or an update of an open one) into the bar of the display
 * timeframe. Returns the bar to draw, or null for a candle older than the bar on screen (the
 * chart only updates its newest bar).
 */
export function applyLiveCandle(
  state: LiveBarState,
  candle: Pick<ApiCandle, 'openTimeMs' | 'open' | 'high' | 'low' | 'close' | 'volume'>,
): (ChartBar & { volume: number }) | null {
  const bucketMs = bucketStartMs(candle.openTimeMs, state.displayTimeframeMs);
  const current = state.bar;
  if (current !== null && bucketMs < current.time * 1000) return null;
  if (current === null || bucketMs > current.time * 1000) {
    state.bar = {
      time: toChartTime(bucketMs),
      open: candle.open,
      high: candle.high,
      low: candle.low,
      close: candle.close,
      volume: candle.volume,
    };
    state.baseVolumes = new Map([[candle.openTimeMs, candle.volume]]);
    state.newestBaseOpenTimeMs = candle.openTimeMs;
    return { ...state.bar };
  }
  const previousVolume = state.baseVolumes.get(candle.openTimeMs);
  const isNewest = candle.openTimeMs >= state.newestBaseOpenTimeMs;
  // A base candle older than the newest one that the history already counted cannot be told
  // apart from its earlier version; its volume is left as loaded.
  const countedInHistory = previousVolume === undefined && candle.openTimeMs < state.newestBaseOpenTimeMs;
  const volume = countedInHistory ? current.volume : current.volume - (previousVolume ?? 0) + candle.volume;
  if (!countedInHistory) state.baseVolumes.set(candle.openTimeMs, candle.volume);
  if (isNewest) state.newestBaseOpenTimeMs = candle.openTimeMs;
  state.bar = {
    time: current.time,
    open: current.open,
    high: Math.max(current.high, candle.high),
    low: Math.min(current.low, candle.low),
    close: isNewest ? candle.close : current.close,
    volume,
  };
  return { ...state.bar };
}

/** Change between the first open and the last close of the bars, as a ratio. */
export function changeRatio(firstOpen: number | undefined, lastClose: number | undefined): number | null {
  if (firstOpen === undefined || lastClose === undefined || firstOpen === 0) return null;
  return lastClose / firstOpen - 1;
}

/** Close of the last bar at or before `time` (binary search; bars oldest first). */
export function closeAtOrBefore(bars: readonly ChartBar[], time: ChartTime): number | undefined {
  let low = 0;
  let high = bars.length - 1;
  let found: number | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const bar = bars[middle]!;
    if (bar.time <= time) {
      found = bar.close;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/**
 * Most candles the chart loads for one range: beyond it a coarser timeframe is shown (and said
 * so), e.g. a year of 1m candles as 15m ones.
 */
export const MAX_CHART_CANDLES = 60_000;

/**
 * The timeframe a range is drawn with: the one asked for, unless the range holds more than
 * `MAX_CHART_CANDLES` of it; then the finest timeframe that fits.
 */
export function timeframeForRange(requested: Timeframe, rangeMs: number): Timeframe {
  const candidates = TIMEFRAMES.filter((name) => TIMEFRAME_MS[name] >= TIMEFRAME_MS[requested]);
  return candidates.find((name) => rangeMs / TIMEFRAME_MS[name] <= MAX_CHART_CANDLES) ?? candidates.at(-1)!;
}
