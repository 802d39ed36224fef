import type { KlineRow } from '@runecast/market-files';
import { decimalsOf, sumExact } from './decimal.ts';
import type { BookLevel, BookVersion, EmulatorCandle, EmulatorTrade, RollingStats } from './market-types.ts';
import type { NativeSeries } from './native-series.ts';
import { createRandom, hashText, mixSeed } from './seeded-random.ts';
import {
  aggregateIdMinuteStart,
  aggregateTrades,
  planTrades,
  synthesizeTrades,
  type TradeSynthesisSettings,
} from './trade-synthesizer.ts';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const WEEK_GRID_OFFSET_MS = 4 * DAY_MS;
const TRADE_CACHE_SIZE = 4096;
const BOOK_HISTORY_SIZE = 512;
const MAXIMUM_CANDLE_WALK = 200_000;

/** Open time of the candle of `timeframeMs` that contains `timeMs` (weeks open on Monday). */
export function gridFloor(timeMs: number, timeframeMs: number): number {
  if (timeframeMs === WEEK_MS) {
    return Math.floor((timeMs - WEEK_GRID_OFFSET_MS) / WEEK_MS) * WEEK_MS + WEEK_GRID_OFFSET_MS;
  }
  return Math.floor(timeMs / timeframeMs) * timeframeMs;
}

export interface MarketSettings {
  seed: number;
  maximumTradesPerCandle: number;
  bookDepth: number;
}

/** Where a market's series come from: files of a replay folder, or a generator. */
export interface MarketDataProvider {
  /** Reads (or builds) the series, finest first. */
  load(): Promise<NativeSeries[]>;
  /** Makes sure data exists up to `timeMs` (simulated markets grow as time passes). */
  extendTo?(timeMs: number): void;
}

export interface CandleQuery {
  timeframeMs: number;
  startMs?: number;
  endMs?: number;
  limit: number;
  nowMs: number;
}

/** Candles of one timeframe by index; native series are read row by row, not copied. */
interface CandleTable {
  key: string;
  openTimes: Float64Array;
  length: number;
  at(index: number): EmulatorCandle;
}

interface BaseCandle {
  series: NativeSeries;
  index: number;
}

function lowerBound(values: Float64Array, count: number, target: number): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] ?? 0) < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

function estimateQuoteVolume(row: KlineRow): number {
  const typical = (row.open + row.high + row.low + row.close) / 4;
  return Math.round(row.volume * typical * 1e8) / 1e8;
}

/**
 * One symbol of the emulated exchange: candles of any timeframe (from its own files where they
 * exist, otherwise rolled up from finer ones), synthetic trades that add up to the candles, an
 * order book around the last trade, and rolling statistics; all as of a given emulated time.
 */
export class SymbolMarket {
  readonly symbolSeed: number;
  private series: NativeSeries[] = [];
  private loading: Promise<void> | null = null;
  private loaded = false;
  private readonly tables = new Map<number, CandleTable>();
  private readonly tradeCache = new Map<string, EmulatorTrade[]>();
  private readonly bookVersions: BookVersion[] = [];

  constructor(
    readonly symbol: string,
    readonly base: string,
    readonly quote: string,
    private readonly provider: MarketDataProvider,
    private readonly settings: MarketSettings,
  ) {
    this.symbolSeed = mixSeed(settings.seed, hashText(symbol));
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  ensureLoaded(): Promise<void> {
    this.loading ??= this.provider.load().then((series) => {
      this.series = [...series].sort((left, right) => left.timeframeMs - right.timeframeMs);
      this.loaded = true;
    });
    return this.loading;
  }

  /** Series as loaded, finest first (empty before `ensureLoaded`). */
  get nativeSeries(): readonly NativeSeries[] {
    return this.series;
  }

  /** Grows simulated data to cover `nowMs`; nothing for replayed data. */
  prepare(nowMs: number): void {
    this.provider.extendTo?.(nowMs);
  }

  private synthesisSettings(series: NativeSeries): TradeSynthesisSettings {
    return {
      symbolSeed: this.symbolSeed,
      maximumTradesPerCandle: this.settings.maximumTradesPerCandle,
      priceDecimals: series.priceDecimals,
      volumeDecimals: series.volumeDecimals,
    };
  }

  private candleFromRow(row: KlineRow, series: NativeSeries, closed: boolean): EmulatorCandle {
    return {
      openTimeMs: row.openTimeMs,
      open: row.open,
      high: row.high,
      low: row.low,
      close: row.close,
      volume: row.volume,
      quoteVolume: row.quoteVolume ?? estimateQuoteVolume(row),
      tradeCount: planTrades(row, series.timeframeMs, this.synthesisSettings(series)).tradeCount,
      closed,
    };
  }

  private aggregateRows(openTimeMs: number, rows: readonly KlineRow[], series: NativeSeries): EmulatorCandle {
    let high = Number.NEGATIVE_INFINITY;
    let low = Number.POSITIVE_INFINITY;
    let quoteVolume = 0;
    let tradeCount = 0;
    const settings = this.synthesisSettings(series);
    for (const row of rows) {
      high = Math.max(high, row.high);
      low = Math.min(low, row.low);
      quoteVolume += row.quoteVolume ?? estimateQuoteVolume(row);
      tradeCount += planTrades(row, series.timeframeMs, settings).tradeCount;
    }
    return {
      openTimeMs,
      open: rows[0]!.open,
      high,
      low,
      close: rows[rows.length - 1]!.close,
      volume: sumExact(
        rows.map((row) => row.volume),
        series.volumeDecimals,
      ),
      quoteVolume: Math.round(quoteVolume * 1e8) / 1e8,
      tradeCount,
      closed: true,
    };
  }

  /** Every candle of a timeframe the data can give, closed or not yet (filtered by time later). */
  private table(timeframeMs: number): CandleTable {
    const key = this.series.map((series) => `${series.timeframeMs}:${series.version}`).join(',');
    const cached = this.tables.get(timeframeMs);
    if (cached && cached.key === key) return cached;
    const byOpenTime = new Map<number, EmulatorCandle>();
    const native = this.series.find((series) => series.timeframeMs === timeframeMs);
    const finer = this.series
      .filter((series) => series.timeframeMs < timeframeMs && timeframeMs % series.timeframeMs === 0)
      .reverse();
    let table: CandleTable;
    if (native && finer.length === 0) {
      table = {
        key,
        openTimes: native.openTimes,
        length: native.length,
        at: (index) => this.candleFromRow(native.rows[index]!, native, true),
      };
    } else {
      if (native)
        for (const row of native.rows) byOpenTime.set(row.openTimeMs, this.candleFromRow(row, native, true));
      for (const source of finer) {
        for (const block of source.blocks) {
          let index = block.firstIndex;
          while (index <= block.lastIndex) {
            const bucket = gridFloor(source.rows[index]!.openTimeMs, timeframeMs);
            let end = index;
            while (end <= block.lastIndex && gridFloor(source.rows[end]!.openTimeMs, timeframeMs) === bucket)
              end += 1;
            if (bucket >= block.startMs && bucket + timeframeMs <= block.endMs && !byOpenTime.has(bucket)) {
              byOpenTime.set(bucket, this.aggregateRows(bucket, source.rows.slice(index, end), source));
            }
            index = end;
          }
        }
      }
      const candles = [...byOpenTime.values()].sort((left, right) => left.openTimeMs - right.openTimeMs);
      table = {
        key,
        openTimes: Float64Array.from(candles, (candle) => candle.openTimeMs),
        length: candles.length,
        at: (index) => candles[index]!,
      };
    }
    this.tables.set(timeframeMs, table);
    return table;
  }

  /** The finest series with data around `timeMs`; it drives trades, the book and open candles. */
  baseSeriesAt(timeMs: number): NativeSeries | null {
    for (const series of this.series) if (series.blockContaining(timeMs)) return series;
    return null;
  }

  /** Trades of one base candle (all of them, also those after the emulated now). */
  private tradesOf(series: NativeSeries, index: number): EmulatorTrade[] {
    const row = series.rows[index]!;
    const cacheKey = `${series.timeframeMs}:${row.openTimeMs}`;
    const cached = this.tradeCache.get(cacheKey);
    if (cached) return cached;
    const trades = synthesizeTrades(row, series.timeframeMs, this.synthesisSettings(series));
    this.tradeCache.set(cacheKey, trades);
    if (this.tradeCache.size > TRADE_CACHE_SIZE) {
      const oldest = this.tradeCache.keys().next().value;
      if (oldest !== undefined) this.tradeCache.delete(oldest);
    }
    return trades;
  }

  private partialFromBase(series: NativeSeries, index: number, nowMs: number): KlineRow {
    const row = series.rows[index]!;
    if (row.openTimeMs + series.timeframeMs <= nowMs || row.volume === 0) return row;
    const visible = this.tradesOf(series, index).filter((trade) => trade.timeMs <= nowMs);
    const aggregate = aggregateTrades(visible);
    if (!aggregate)
      return {
        ...row,
        high: row.open,
        low: row.open,
        close: row.open,
        volume: 0,
        quoteVolume: 0,
        tradeCount: 0,
      };
    return {
      openTimeMs: row.openTimeMs,
      open: aggregate.open,
      high: aggregate.high,
      low: aggregate.low,
      close: aggregate.close,
      volume: aggregate.volume,
      quoteVolume: Math.round(aggregate.quoteVolume * 1e8) / 1e8,
      tradeCount: aggregate.tradeCount,
    };
  }

  /** The candle that contains `nowMs`, built from the trades so far; null where no data covers now. */
  currentCandle(timeframeMs: number, nowMs: number): EmulatorCandle | null {
    const base = this.baseSeriesAt(nowMs);
    if (!base || base.timeframeMs > timeframeMs || timeframeMs % base.timeframeMs !== 0) return null;
    const bucket = gridFloor(nowMs, timeframeMs);
    const first = base.lowerBound(bucket);
    const last = base.indexAtOrBefore(nowMs);
    if (last < first) return null;
    const rows: KlineRow[] = [];
    for (let index = first; index <= last; index += 1) rows.push(this.partialFromBase(base, index, nowMs));
    const settings = this.synthesisSettings(base);
    let tradeCount = 0;
    let quoteVolume = 0;
    for (let index = first; index <= last; index += 1) {
      const row = rows[index - first]!;
      const original = base.rows[index]!;
      tradeCount +=
        row === original ? planTrades(row, base.timeframeMs, settings).tradeCount : (row.tradeCount ?? 0);
      quoteVolume += row.quoteVolume ?? estimateQuoteVolume(row);
    }
    let high = Number.NEGATIVE_INFINITY;
    let low = Number.POSITIVE_INFINITY;
    for (const row of rows) {
      high = Math.max(high, row.high);
      low = Math.min(low, row.low);
    }
    return {
      openTimeMs: bucket,
      open: rows[0]!.open,
      high,
      low,
      close: rows[rows.length - 1]!.close,
      volume: sumExact(
        rows.map((row) => row.volume),
        rows.reduce((most, row) => Math.max(most, decimalsOf(row.volume)), base.volumeDecimals),
      ),
      quoteVolume: Math.round(quoteVolume * 1e8) / 1e8,
      tradeCount,
      closed: false,
    };
  }

  /**
   * Candles as an exchange serves them at `nowMs`: closed ones plus the open one, never a candle
   * that opens after now. With `startMs` the first `limit` from there, otherwise the last `limit`
   * up to `endMs` (or now).
   */
  candles(query: CandleQuery): EmulatorCandle[] {
    const { timeframeMs, limit, nowMs } = query;
    if (limit <= 0) return [];
    const table = this.table(timeframeMs);
    const upperOpenMs = Math.min(query.endMs ?? Number.POSITIVE_INFINITY, nowMs);
    const lastClosedOpenMs = Math.min(upperOpenMs, nowMs - timeframeMs);
    const current = this.currentCandle(timeframeMs, nowMs);
    const includeCurrent =
      current !== null &&
      current.openTimeMs <= upperOpenMs &&
      (query.startMs === undefined || current.openTimeMs >= query.startMs);
    const count = table.length;
    if (query.startMs !== undefined) {
      const result: EmulatorCandle[] = [];
      for (
        let index = lowerBound(table.openTimes, count, query.startMs);
        index < count && result.length < limit && table.openTimes[index]! <= lastClosedOpenMs;
        index += 1
      ) {
        result.push(table.at(index));
      }
      if (includeCurrent && result.length < limit && current.openTimeMs > (result.at(-1)?.openTimeMs ?? -1)) {
        result.push(current);
      }
      return result;
    }
    const end = lowerBound(table.openTimes, count, lastClosedOpenMs + 1);
    const closedWanted = includeCurrent ? limit - 1 : limit;
    const result: EmulatorCandle[] = [];
    for (let index = Math.max(0, end - closedWanted); index < end; index += 1) result.push(table.at(index));
    if (includeCurrent && current.openTimeMs > (result.at(-1)?.openTimeMs ?? -1)) result.push(current);
    return result;
  }

  /** Closed candles whose open time is in (afterOpenMs, nowMs - timeframe], oldest first. */
  closedCandlesAfter(
    timeframeMs: number,
    afterOpenMs: number,
    nowMs: number,
    limit: number,
  ): EmulatorCandle[] {
    const table = this.table(timeframeMs);
    const count = table.length;
    const result: EmulatorCandle[] = [];
    for (
      let index = lowerBound(table.openTimes, count, afterOpenMs + 1);
      index < count && result.length < limit && table.openTimes[index]! + timeframeMs <= nowMs;
      index += 1
    ) {
      result.push(table.at(index));
    }
    return result;
  }

  private *baseCandlesForward(fromMs: number): Generator<BaseCandle> {
    let timeMs = fromMs;
    for (let step = 0; step < MAXIMUM_CANDLE_WALK; step += 1) {
      const series = this.baseSeriesAt(timeMs);
      if (!series) {
        let next: number | null = null;
        for (const candidate of this.series) {
          const start = candidate.nextBlockStartAfter(timeMs);
          if (start !== null && (next === null || start < next)) next = start;
        }
        if (next === null) return;
        timeMs = next;
        continue;
      }
      const block = series.blockContaining(timeMs)!;
      let index = series.indexAtOrBefore(timeMs);
      if (index < block.firstIndex || series.rows[index]!.openTimeMs + series.timeframeMs <= timeMs)
        index += 1;
      if (index > block.lastIndex) {
        timeMs = block.endMs;
        continue;
      }
      yield { series, index };
      timeMs = series.rows[index]!.openTimeMs + series.timeframeMs;
    }
  }

  private *baseCandlesBackward(fromMs: number): Generator<BaseCandle> {
    let timeMs = fromMs;
    for (let step = 0; step < MAXIMUM_CANDLE_WALK; step += 1) {
      const series = this.baseSeriesAt(timeMs);
      if (!series) {
        let previous: number | null = null;
        for (const candidate of this.series) {
          const end = candidate.previousBlockEndBefore(timeMs);
          if (end !== null && (previous === null || end > previous)) previous = end;
        }
        if (previous === null) return;
        timeMs = previous - 1;
        continue;
      }
      const block = series.blockContaining(timeMs)!;
      const index = series.indexAtOrBefore(timeMs);
      if (index < block.firstIndex) {
        timeMs = block.startMs - 1;
        continue;
      }
      yield { series, index };
      timeMs = series.rows[index]!.openTimeMs - 1;
    }
  }

  /** Trades with `fromMs <= time <= toMs` (and not after now), oldest first, at most `limit`. */
  tradesBetween(fromMs: number, toMs: number, limit: number, nowMs: number): EmulatorTrade[] {
    const upper = Math.min(toMs, nowMs);
    const result: EmulatorTrade[] = [];
    for (const { series, index } of this.baseCandlesForward(fromMs)) {
      if (series.rows[index]!.openTimeMs > upper || result.length >= limit) break;
      for (const trade of this.tradesOf(series, index)) {
        if (trade.timeMs < fromMs) continue;
        if (trade.timeMs > upper || result.length >= limit) break;
        result.push(trade);
      }
    }
    return result;
  }

  /** Trades from aggregate id `fromId` on (not after now), oldest first. */
  tradesFromId(fromId: number, limit: number, nowMs: number): EmulatorTrade[] {
    const result: EmulatorTrade[] = [];
    for (const { series, index } of this.baseCandlesForward(aggregateIdMinuteStart(fromId))) {
      if (series.rows[index]!.openTimeMs > nowMs || result.length >= limit) break;
      for (const trade of this.tradesOf(series, index)) {
        if (trade.id < fromId) continue;
        if (trade.timeMs > nowMs || result.length >= limit) break;
        result.push(trade);
      }
    }
    return result;
  }

  /** The last `limit` trades at or before now, oldest first. */
  recentTrades(nowMs: number, limit: number): EmulatorTrade[] {
    const collected: EmulatorTrade[][] = [];
    let total = 0;
    for (const { series, index } of this.baseCandlesBackward(nowMs)) {
      if (total >= limit) break;
      const visible = this.tradesOf(series, index).filter((trade) => trade.timeMs <= nowMs);
      const wanted = visible.slice(Math.max(0, visible.length - (limit - total)));
      collected.push(wanted);
      total += wanted.length;
    }
    return collected.reverse().flat();
  }

  lastTrade(nowMs: number): EmulatorTrade | null {
    return this.recentTrades(nowMs, 1)[0] ?? null;
  }

  private bookSnapshot(nowMs: number): { bids: BookLevel[]; asks: BookLevel[] } {
    const last = this.lastTrade(nowMs);
    if (!last) return { bids: [], asks: [] };
    const series = this.baseSeriesAt(last.timeMs) ?? this.series[0]!;
    const priceScale = 10 ** series.priceDecimals;
    const quantityScale = 10 ** series.volumeDecimals;
    const lastUnits = Math.round(last.price * priceScale);
    let bidUnits = last.buyerIsMaker ? lastUnits : lastUnits - 1;
    let askUnits = last.buyerIsMaker ? lastUnits + 1 : lastUnits;
    if (bidUnits < 1) {
      bidUnits = 1;
      askUnits = Math.max(askUnits, 2);
    }
    // Deeper levels sit on a coarser fixed grid, so small price moves change few levels.
    const spacing = Math.max(1, Math.round(last.price * 0.00002 * priceScale));
    const typical = Math.max(
      1 / quantityScale,
      (series.averageVolume / this.settings.maximumTradesPerCandle) * 3,
    );
    const second = Math.floor(nowMs / 1000);
    const quantityAt = (units: number, isBest: boolean): number => {
      const random = createRandom(mixSeed(this.symbolSeed, units, isBest ? second : 0));
      const quantity = typical * (0.2 + 1.8 * random());
      return Math.max(1, Math.round(quantity * quantityScale)) / quantityScale;
    };
    const priceOf = (units: number): number => Math.round(units) / priceScale;
    const bids: BookLevel[] = [{ price: priceOf(bidUnits), quantity: quantityAt(bidUnits, true) }];
    let level = Math.floor((bidUnits - 1) / spacing) * spacing;
    while (bids.length < this.settings.bookDepth && level > 0) {
      bids.push({ price: priceOf(level), quantity: quantityAt(level, false) });
      level -= spacing;
    }
    const asks: BookLevel[] = [{ price: priceOf(askUnits), quantity: quantityAt(askUnits, true) }];
    level = Math.ceil((askUnits + 1) / spacing) * spacing;
    while (asks.length < this.settings.bookDepth) {
      asks.push({ price: priceOf(level), quantity: quantityAt(level, false) });
      level += spacing;
    }
    return { bids, asks };
  }

  /**
   * The book as of `nowMs`. Every call at a new time makes a new version with the next update id
   * and the changes against the version before, so diff streams and REST snapshots always line
   * up the way Binance's "manage a local order book" recipe expects.
   */
  bookAt(nowMs: number): BookVersion {
    const previous = this.bookVersions[this.bookVersions.length - 1];
    if (previous && previous.timeMs === nowMs) return previous;
    const snapshot = this.bookSnapshot(nowMs);
    const changes = (before: BookLevel[], after: BookLevel[]): BookLevel[] => {
      const old = new Map(before.map((level) => [level.price, level.quantity]));
      const fresh = new Set(after.map((level) => level.price));
      const changed = after.filter((level) => old.get(level.price) !== level.quantity);
      for (const level of before)
        if (!fresh.has(level.price)) changed.push({ price: level.price, quantity: 0 });
      return changed;
    };
    const version: BookVersion = {
      updateId: Math.max((previous?.updateId ?? 0) + 1, Math.floor(nowMs / 10)),
      timeMs: nowMs,
      bids: snapshot.bids,
      asks: snapshot.asks,
      changedBids: changes(previous?.bids ?? [], snapshot.bids),
      changedAsks: changes(previous?.asks ?? [], snapshot.asks),
    };
    this.bookVersions.push(version);
    if (this.bookVersions.length > BOOK_HISTORY_SIZE) this.bookVersions.shift();
    return version;
  }

  /** Book versions made after `updateId`, oldest first. */
  bookVersionsAfter(updateId: number): BookVersion[] {
    const result: BookVersion[] = [];
    for (let index = this.bookVersions.length - 1; index >= 0; index -= 1) {
      const version = this.bookVersions[index]!;
      if (version.updateId <= updateId) break;
      result.push(version);
    }
    return result.reverse();
  }

  /** Statistics of the window (24 h for tickers) ending at now, from the finest candles. */
  rollingStats(nowMs: number, windowMs: number): RollingStats | null {
    const base = this.baseSeriesAt(nowMs) ?? this.series[0];
    if (!base) return null;
    const candles = this.candles({
      timeframeMs: base.timeframeMs,
      startMs: gridFloor(nowMs - windowMs, base.timeframeMs) + base.timeframeMs,
      limit: Math.ceil(windowMs / base.timeframeMs) + 1,
      nowMs,
    });
    const first = candles[0];
    const last = candles[candles.length - 1];
    const lastTrade = this.lastTrade(nowMs);
    if (!first || !last) {
      if (!lastTrade) return null;
      return {
        openTimeMs: nowMs - windowMs,
        closeTimeMs: nowMs,
        open: lastTrade.price,
        high: lastTrade.price,
        low: lastTrade.price,
        last: lastTrade.price,
        volume: 0,
        quoteVolume: 0,
        tradeCount: 0,
        firstTradeId: -1,
        lastTradeId: -1,
        lastQuantity: 0,
      };
    }
    let high = first.high;
    let low = first.low;
    let quoteVolume = 0;
    let tradeCount = 0;
    for (const candle of candles) {
      high = Math.max(high, candle.high);
      low = Math.min(low, candle.low);
      quoteVolume += candle.quoteVolume;
      tradeCount += candle.tradeCount;
    }
    const lastTradeId = lastTrade?.lastTradeId ?? -1;
    return {
      openTimeMs: nowMs - windowMs,
      closeTimeMs: nowMs,
      open: first.open,
      high,
      low,
      last: last.close,
      volume: sumExact(
        candles.map((candle) => candle.volume),
        candles.reduce((most, candle) => Math.max(most, decimalsOf(candle.volume)), base.volumeDecimals),
      ),
      quoteVolume: Math.round(quoteVolume * 1e8) / 1e8,
      tradeCount,
      firstTradeId: lastTradeId >= 0 ? lastTradeId - tradeCount + 1 : -1,
      lastTradeId,
      lastQuantity: lastTrade?.quantity ?? 0,
    };
  }
}
