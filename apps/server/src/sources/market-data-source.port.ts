import type { Candle, Market, Timeframe, TimeRange, TopOfBook, Trade } from '@runecast/market';

/** What one exchange can do through its source; decided per exchange, not guessed per call. */
export interface SourceCapabilities {
  fetchCandles: boolean;
  fetchTrades: boolean;
  fetchTopOfBook: boolean;
  watchCandles: boolean;
  watchTrades: boolean;
  watchTopOfBook: boolean;
  timeframes: readonly Timeframe[];
  /** Most candles one fetchCandles call returns. */
  candlePageLimit: number;
  /** Minimum spacing between REST calls, from the exchange's declared rate limit. */
  rateLimitMs: number;
}

export interface FetchCandlesParams {
  symbol: string;
  timeframe: Timeframe;
  sinceMs: number;
  /** Most candles `fetchCandles` returns (a page may hold more where the exchange ignores it). */
  limit?: number;
  signal?: AbortSignal;
}

export interface FetchTradesParams {
  symbol: string;
  sinceMs?: number;
  limit?: number;
  signal?: AbortSignal;
}

export interface WatchParams {
  symbol: string;
  timeframe?: Timeframe;
  signal: AbortSignal;
}

/** An exchange row that failed validation: never returned as a candle; its slot stays missing. */
export interface RejectedCandleRow {
  /** Open time when the row had a usable one; null when even that was broken. */
  openTimeMs: number | null;
  reason: string;
}

/**
 * One page of candles with what it proves, so ingestion never marks a stretch it did not see.
 * `provenRange` is where the exchange returned every candle it has (a slot in it without a
 * candle had no trades), or null when the page proves nothing beyond its candles.
 */
export interface CandlePage {
  /** Valid candles, oldest first, opening at or after `sinceMs`. */
  candles: Candle[];
  provenRange: TimeRange | null;
  rejected: RejectedCandleRow[];
}

/**
 * One exchange's market data. Implementations map their library's errors onto
 * RateLimitedError / TransientSourceError / UnsupportedError / BadSymbolError.
 */
export interface MarketDataSource {
  readonly exchange: string;
  readonly capabilities: SourceCapabilities;
  /** True when the data is simulated (emulator without replay data). */
  readonly simulated: boolean;
  loadMarkets(): Promise<Market[]>;
  fetchCandles(params: FetchCandlesParams): Promise<Candle[]>;
  /** Like fetchCandles, plus what the page proves; ingestion uses it when present. */
  fetchCandlePage?(params: FetchCandlesParams): Promise<CandlePage>;
  fetchTrades(params: FetchTradesParams): Promise<Trade[]>;
  fetchTopOfBook(params: { symbol: string; signal?: AbortSignal }): Promise<TopOfBook>;
  /** Async iterators end when `signal` aborts; they throw typed errors on disconnect. */
  watchCandles(params: WatchParams): AsyncIterable<Candle[]>;
  watchTrades(params: WatchParams): AsyncIterable<Trade[]>;
  watchTopOfBook(params: WatchParams): AsyncIterable<TopOfBook>;
  close(): Promise<void>;
}
