import type {
  Candle,
  CoverageRange,
  DerivedCandle,
  Market,
  SeriesKey,
  TimeRange,
  TopOfBook,
  Trade,
} from '@runecast/market';

/** Candle rows; writes are idempotent and newer versions of an open candle replace older ones. */
export interface CandleRepository {
  /** Validates, then bulk-writes. Returns rows written. Throws InvalidCandleError before writing anything. */
  upsertCandles(candles: readonly Candle[]): Promise<number>;
  listCandles(series: SeriesKey, range: TimeRange, limit?: number): Promise<Candle[]>;
  latestCandle(series: SeriesKey): Promise<Candle | null>;
  countCandles(series: SeriesKey, range?: TimeRange): Promise<number>;
  /** Derive a larger timeframe from stored 1m candles. */
  deriveCandles(series: SeriesKey, range: TimeRange): Promise<DerivedCandle[]>;
}

export interface MarketRepository {
  upsertMarkets(markets: readonly Market[]): Promise<void>;
  listMarkets(filter?: { exchange?: string }): Promise<Market[]>;
  getMarket(exchange: string, symbol: string): Promise<Market | null>;
  removeMarket(exchange: string, symbol: string): Promise<boolean>;
}

export interface TradeRepository {
  insertTrades(trades: readonly Trade[]): Promise<number>;
  listTrades(exchange: string, symbol: string, range: TimeRange, limit?: number): Promise<Trade[]>;
}

export interface TopOfBookRepository {
  insertSamples(samples: readonly TopOfBook[]): Promise<number>;
  latest(exchange: string, symbol: string): Promise<TopOfBook | null>;
}

/**
 * The coverage ledger: per series, which time ranges are known complete (candles stored),
 * known empty (the exchange had no trades) or missing (expected but not fetched).
 */
export interface CoverageRepository {
  /** Record that [startMs, endMs) was fetched; each minute with a candle is complete, the rest empty. */
  markFetched(series: SeriesKey, range: TimeRange, candleOpenTimesMs: readonly number[]): Promise<void>;
  /** Ranges of this series in order, with `missing` filled in between known ranges and up to `untilMs`. */
  listCoverage(series: SeriesKey, window?: TimeRange): Promise<CoverageRange[]>;
  /** Missing ranges inside the window. */
  missingRanges(series: SeriesKey, window: TimeRange): Promise<TimeRange[]>;
  /** End of the contiguous known (complete or empty) prefix starting at `fromMs`, or `fromMs` itself. */
  knownUntil(series: SeriesKey, fromMs: number): Promise<number>;
  listSeries(): Promise<SeriesKey[]>;
}
