import type { GenerationalCache } from '../cache/generational.cache.ts';
import {
  type Candle,
  type CoverageRange,
  derivationBases,
  floorToGrid,
  formatSeriesKey,
  type SeriesKey,
  timeframeMs,
  ValidationError,
} from '@runecast/market';
import type { Store } from '../store/store.ts';
import { alignCandlesToGrid } from '../features/candle-grid.ts';
import { DEFAULT_FEATURE_SETTINGS } from '../features/feature-matrix.ts';
import { computePriceIndicators } from '../features/price-indicators.ts';

export interface CandleHistoryQuery {
  series: SeriesKey;
  fromMs?: number;
  toMs?: number;
  limit?: number;
}

export const DEFAULT_HISTORY_LIMIT = 1_000;

/** Indicators the chart can ask for (see `candleIndicatorsQuerySchema`). */
export type ChartIndicator = 'rsi' | 'macd' | 'bollinger' | 'volume';

export interface CandleIndicatorsQuery extends CandleHistoryQuery {
  indicators: readonly ChartIndicator[];
  /** Candles read before `fromMs` so each indicator's window is full at the first candle answered. */
  warmupCandles: number;
}
const HISTORY_TTL_MS = 5 * 60_000;
const LATEST_TTL_MS = 60_000;

/** The cache group of a series: every timeframe of one market, since larger ones derive from 1m. */
export function marketCacheGroup(exchange: string, symbol: string): string {
  return `${exchange}:${symbol}`;
}

/**
 * Reads candles for the API, answering with ready-to-send JSON bytes so a cache hit costs one
 * lookup and no serialization. Timeframes that are not stored are derived from 1m candles.
 */
export class CandleQueryService {
  constructor(
    private readonly store: Store,
    private readonly cache: GenerationalCache,
    private readonly now: () => number = Date.now,
  ) {}

  /** The window a history or indicators query asks for, with its defaults filled in. */
  private window(query: CandleHistoryQuery): { limit: number; fromMs: number; toMs: number } {
    const stepMs = timeframeMs(query.series.timeframe);
    const limit = query.limit ?? DEFAULT_HISTORY_LIMIT;
    // The default end includes the candle open now; it moves on the grid, so cache keys repeat.
    const toMs = query.toMs ?? floorToGrid(this.now(), query.series.timeframe) + stepMs;
    const fromMs = query.fromMs ?? Math.max(0, toMs - limit * stepMs);
    if (fromMs > toMs) {
      throw new ValidationError(`query.from (${fromMs}) is after query.to (${toMs})`, {
        field: 'query.from',
      });
    }
    return { limit, fromMs, toMs };
  }

  /** Columnar history as UTF-8 JSON (see `candleHistoryResponseSchema`). */
  async history(query: CandleHistoryQuery): Promise<Buffer> {
    const { series } = query;
    const { limit, fromMs, toMs } = this.window(query);
    const group = marketCacheGroup(series.exchange, series.symbol);
    const key = `history:${series.timeframe}:${fromMs}:${toMs}:${limit}`;
    return this.cache.getOrCompute(group, key, HISTORY_TTL_MS, () =>
      this.readHistory(series, fromMs, toMs, limit),
    );
  }

  /** The response's JSON text: stored candles as columns the store writes as JSON, or derived ones. */
  private async readHistory(series: SeriesKey, fromMs: number, toMs: number, limit: number): Promise<string> {
    const stored = await this.store.candles.listCandleColumnsJson(
      series,
      { startMs: fromMs, endMs: toMs },
      limit,
    );
    if (stored.count > 0 || series.timeframe === '1m') {
      // The members in the order of `candleHistoryResponseSchema`, as the derived answer has them.
      const head = JSON.stringify({
        series: formatSeriesKey(series),
        timeframe: series.timeframe,
        fromMs,
        toMs,
      });
      return `${head.slice(0, -1)},"derived":false,${stored.columnsJson},"nextFromMs":${JSON.stringify(stored.nextFromMs)}}`;
    }
    return JSON.stringify(await this.deriveHistory(series, fromMs, toMs, limit));
  }

  /** Not stored: derive at most `limit` buckets from 1m (or 5m poll) candles, and page on from there. */
  private async deriveHistory(series: SeriesKey, fromMs: number, toMs: number, limit: number) {
    const stepMs = timeframeMs(series.timeframe);
    const firstBucketMs = Math.ceil(fromMs / stepMs) * stepMs;
    const endMs = Math.min(toMs, firstBucketMs + limit * stepMs);
    const candles: Candle[] =
      endMs > fromMs ? await this.store.candles.deriveCandles(series, { startMs: fromMs, endMs }) : [];
    const nextFromMs = endMs < toMs ? endMs : null;
    const count = candles.length;
    const times = new Array<number>(count);
    const open = new Array<number>(count);
    const high = new Array<number>(count);
    const low = new Array<number>(count);
    const close = new Array<number>(count);
    const volume = new Array<number>(count);
    const closed = new Array<boolean>(count);
    for (let index = 0; index < count; index += 1) {
      const candle = candles[index]!;
      times[index] = candle.openTimeMs;
      open[index] = candle.open;
      high[index] = candle.high;
      low[index] = candle.low;
      close[index] = candle.close;
      volume[index] = candle.volume;
      closed[index] = candle.closed;
    }
    return {
      series: formatSeriesKey(series),
      timeframe: series.timeframe,
      fromMs,
      toMs,
      derived: true,
      times,
      open,
      high,
      low,
      close,
      volume,
      closed,
      nextFromMs,
    };
  }

  /**
   * Indicator series of the closed candles in the window, as UTF-8 JSON (see
   * `candleIndicatorsResponseSchema`), computed by the feature code the models use, over the
   * window and `warmupCandles` before it.
   */
  async indicators(query: CandleIndicatorsQuery): Promise<Buffer> {
    const { series } = query;
    const { limit, fromMs, toMs } = this.window(query);
    const names = [...query.indicators].sort();
    const group = marketCacheGroup(series.exchange, series.symbol);
    const key = `indicators:${series.timeframe}:${fromMs}:${toMs}:${limit}:${query.warmupCandles}:${names.join(',')}`;
    return this.cache.getOrCompute(group, key, HISTORY_TTL_MS, async () =>
      JSON.stringify(await this.readIndicators(series, fromMs, toMs, limit, query)),
    );
  }

  private async readIndicators(
    series: SeriesKey,
    fromMs: number,
    toMs: number,
    limit: number,
    query: CandleIndicatorsQuery,
  ) {
    const stepMs = timeframeMs(series.timeframe);
    const warmupStartMs = Math.max(0, fromMs - query.warmupCandles * stepMs);
    let candles: Candle[] = await this.store.candles.listCandles(
      series,
      { startMs: warmupStartMs, endMs: toMs },
      limit + query.warmupCandles + 1,
    );
    let derived = false;
    let nextFromMs: number | null = null;
    const firstInWindow = (list: readonly Candle[]) => {
      const index = list.findIndex((candle) => candle.openTimeMs >= fromMs);
      return index < 0 ? list.length : index;
    };
    // As for the history: a timeframe with no stored candles in the window is derived from 1m.
    if (firstInWindow(candles) === candles.length && series.timeframe !== '1m') {
      derived = true;
      const firstBucketMs = Math.ceil(fromMs / stepMs) * stepMs;
      const endMs = Math.min(toMs, firstBucketMs + limit * stepMs);
      if (endMs > warmupStartMs) {
        candles = await this.store.candles.deriveCandles(series, { startMs: warmupStartMs, endMs });
      }
      nextFromMs = endMs < toMs ? endMs : null;
    } else {
      const start = firstInWindow(candles);
      if (candles.length - start > limit) {
        nextFromMs = candles[start + limit]!.openTimeMs;
        candles = candles.slice(0, start + limit);
      }
    }
    // Candles still open at the end are not known yet (as for the models); a derived bucket with
    // minutes missing earlier on is the best known value of its time and is kept.
    let end = candles.length;
    while (end > 0 && !candles[end - 1]!.closed) end -= 1;
    const known = candles.slice(0, end).map((candle) => ({ ...candle, closed: true }));
    const settings = DEFAULT_FEATURE_SETTINGS;
    const times: number[] = [];
    const columns: Record<string, (number | null)[]> = {};
    const wanted = new Set(query.indicators);
    if (known.length > 0) {
      const grid = alignCandlesToGrid(known, `${formatSeriesKey(series)} candles`);
      const computed = computePriceIndicators(grid, settings);
      const picks: Record<string, Float64Array> = {};
      if (wanted.has('rsi')) picks.rsi = computed.rsi;
      if (wanted.has('macd')) {
        picks.macdLine = computed.macdLine;
        picks.macdSignal = computed.macdSignal;
        picks.macdHistogram = computed.macdHistogram;
      }
      if (wanted.has('bollinger')) {
        picks.bollingerUpper = computed.bollingerUpper;
        picks.bollingerMiddle = computed.bollingerMiddle;
        picks.bollingerLower = computed.bollingerLower;
      }
      if (wanted.has('volume')) picks.volume = grid.volume;
      for (const name of Object.keys(picks)) columns[name] = [];
      for (let index = 0; index < grid.openTimesMs.length; index += 1) {
        const openTimeMs = grid.openTimesMs[index]!;
        // Filled gaps are for the indicators' arithmetic only: the chart has no candle there.
        if (openTimeMs < fromMs || grid.observed[index] !== 1) continue;
        times.push(openTimeMs);
        for (const [name, column] of Object.entries(picks)) {
          const value = column[index]!;
          columns[name]!.push(Number.isFinite(value) ? value : null);
        }
      }
    }
    const column = (name: string) => columns[name] ?? [];
    return {
      series: formatSeriesKey(series),
      timeframe: series.timeframe,
      fromMs,
      toMs,
      derived,
      settings: {
        rsiPeriod: settings.rsiPeriod,
        macdFastPeriod: settings.macdFastPeriod,
        macdSlowPeriod: settings.macdSlowPeriod,
        macdSignalPeriod: settings.macdSignalPeriod,
        bollingerPeriod: settings.bollingerPeriod,
        bollingerDeviations: settings.bollingerDeviations,
      },
      times,
      ...(wanted.has('rsi') ? { rsi: column('rsi') } : {}),
      ...(wanted.has('macd')
        ? {
            macd: {
              line: column('macdLine'),
              signal: column('macdSignal'),
              histogram: column('macdHistogram'),
            },
          }
        : {}),
      ...(wanted.has('bollinger')
        ? {
            bollinger: {
              upper: column('bollingerUpper'),
              middle: column('bollingerMiddle'),
              lower: column('bollingerLower'),
            },
          }
        : {}),
      ...(wanted.has('volume') ? { volume: column('volume') } : {}),
      nextFromMs,
    };
  }

  /** The newest candle as UTF-8 JSON (see `latestCandleResponseSchema`). */
  async latest(series: SeriesKey): Promise<Buffer> {
    const group = marketCacheGroup(series.exchange, series.symbol);
    return this.cache.getOrCompute(group, `latest:${series.timeframe}`, LATEST_TTL_MS, async () => {
      let candle: Candle | null = await this.store.candles.latestCandle(series);
      let derived = false;
      if (candle === null && series.timeframe !== '1m') {
        // The newest base candle (1m, or a snapshot source's 5m poll candle) says which bucket is newest.
        let minute: Candle | null = null;
        for (const base of derivationBases(series.timeframe)) {
          minute = await this.store.candles.latestCandle({ ...series, timeframe: base });
          if (minute !== null) break;
        }
        if (minute !== null) {
          const bucketMs = floorToGrid(minute.openTimeMs, series.timeframe);
          const buckets = await this.store.candles.deriveCandles(series, {
            startMs: bucketMs,
            endMs: bucketMs + timeframeMs(series.timeframe),
          });
          candle = buckets.at(-1) ?? null;
          derived = true;
        }
      }
      return JSON.stringify({
        series: formatSeriesKey(series),
        derived,
        candle:
          candle === null
            ? null
            : {
                openTimeMs: candle.openTimeMs,
                open: candle.open,
                high: candle.high,
                low: candle.low,
                close: candle.close,
                volume: candle.volume,
                quoteVolume: candle.quoteVolume,
                tradeCount: candle.tradeCount,
                closed: candle.closed,
              },
      });
    });
  }

  async coverage(series: SeriesKey, window: { fromMs?: number; toMs?: number }): Promise<CoverageRange[]> {
    if (window.fromMs === undefined && window.toMs === undefined)
      return this.store.coverage.listCoverage(series);
    const startMs = window.fromMs ?? 0;
    const endMs = window.toMs ?? this.now();
    if (startMs > endMs) {
      throw new ValidationError(`query.from (${startMs}) is after query.to (${endMs})`, {
        field: 'query.from',
      });
    }
    return this.store.coverage.listCoverage(series, { startMs, endMs });
  }

  async coveredSeries(): Promise<string[]> {
    return (await this.store.coverage.listSeries()).map(formatSeriesKey);
  }

  /** New data for a market: every cached answer about it is dropped. */
  invalidateMarket(exchange: string, symbol: string): Promise<void> {
    return this.cache.invalidate(marketCacheGroup(exchange, symbol));
  }
}
