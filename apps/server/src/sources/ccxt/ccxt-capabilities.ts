import { TIMEFRAMES, type Timeframe } from '@runecast/market';
import type { SourceCapabilities } from '../market-data-source.port.ts';
import { decodeDecimalRows } from './decimal-rows.ts';

/**
 * How an exchange pages its candle history:
 * - `count`: the first `limit` candles opening at or after `since` (Binance, Kraken). A stretch
 *   between two returned candles had no trades.
 * - `window`: only the candles with trades inside [since, since + limit × timeframe) (Coinbase),
 *   so a short or empty page is normal and proves the whole past part of the window.
 */
export type CandlePagination = 'count' | 'window';

/** Extra columns some exchanges put in their kline rows beyond ccxt's six. */
export interface CandleRowExtras {
  quoteVolume: number | null;
  tradeCount: number | null;
}

/** What Runecast must know about one exchange beyond what ccxt declares. */
export interface ExchangeProfile {
  /** Most candles one request returns; also the page size backfills ask for. */
  candlePageLimit: number;
  candlePagination: CandlePagination;
  /** The exchange serves only this many of its most recent candles (Kraken: 720); null when all. */
  candleHistoryLimit: number | null;
  /** Stream used for the best bid/ask: `watchBidsAsks` is the exchange's own top-of-book feed. */
  topOfBookStream: 'watchBidsAsks' | 'watchOrderBook';
  /** Depth asked of order book calls; some exchanges accept only a few values. */
  orderBookLimit: number | undefined;
  /** Reads the extra columns of a raw kline row, when the exchange has them. */
  readRowExtras: ((raw: unknown) => CandleRowExtras) | null;
  /**
   * Reads the body of a spot candle answer straight into rows of numbers whose first six columns
   * are what ccxt's parseOHLCV would return (`[time, open, high, low, close, volume]`), the other
   * columns kept for `readRowExtras`; null when the body is not of that shape, and ccxt parses
   * it as usual. Null when the exchange has no such reader.
   */
  decodeCandleRows: ((body: string) => number[][] | null) | null;
}

function decimalAt(row: unknown, index: number): number | null {
  if (!Array.isArray(row)) return null;
  const value: unknown = row[index];
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return null;
}

/** Binance kline: [openTime, o, h, l, c, volume, closeTime, quoteVolume, tradeCount, …]. */
function readBinanceRowExtras(raw: unknown): CandleRowExtras {
  return { quoteVolume: decimalAt(raw, 7), tradeCount: decimalAt(raw, 8) };
}

/** Kraken OHLC: [time, o, h, l, c, vwap, volume, count]; no exact quote volume. */
function readKrakenRowExtras(raw: unknown): CandleRowExtras {
  return { quoteVolume: null, tradeCount: decimalAt(raw, 7) };
}

const DEFAULT_PROFILE: ExchangeProfile = {
  candlePageLimit: 100,
  candlePagination: 'count',
  candleHistoryLimit: null,
  topOfBookStream: 'watchOrderBook',
  orderBookLimit: undefined,
  readRowExtras: null,
  decodeCandleRows: null,
};

/**
 * Per-exchange facts ccxt does not state (or states too loosely), in the spirit of freqtrade's
 * per-exchange `_ft_has` tables. Exchanges not listed get ccxt's declared features and defaults.
 */
export const EXCHANGE_PROFILE_OVERRIDES: Readonly<Record<string, Partial<ExchangeProfile>>> = {
  binance: {
    candlePageLimit: 1000,
    topOfBookStream: 'watchBidsAsks',
    orderBookLimit: 5,
    readRowExtras: readBinanceRowExtras,
    decodeCandleRows: decodeDecimalRows,
  },
  kraken: {
    candlePageLimit: 720,
    candleHistoryLimit: 720,
    orderBookLimit: 10,
    readRowExtras: readKrakenRowExtras,
  },
  coinbase: {
    candlePageLimit: 300,
    candlePagination: 'window',
  },
};

/** The subset of a ccxt exchange instance the capability logic reads. */
export interface CcxtExchangeFacts {
  id: string;
  has: Record<string, boolean | 'emulated' | undefined>;
  timeframes: Record<string, unknown> | undefined;
  rateLimit: number | undefined;
  features?: unknown;
}

function declaredPageLimit(facts: CcxtExchangeFacts): number | undefined {
  const features = facts.features as { spot?: { fetchOHLCV?: { limit?: unknown } } } | undefined;
  const limit = features?.spot?.fetchOHLCV?.limit;
  return typeof limit === 'number' && Number.isSafeInteger(limit) && limit > 1 ? limit : undefined;
}

/** The profile of one exchange: override table first, then ccxt's declared features, then defaults. */
export function exchangeProfile(facts: CcxtExchangeFacts): ExchangeProfile {
  const override = EXCHANGE_PROFILE_OVERRIDES[facts.id] ?? {};
  const declaredLimit = declaredPageLimit(facts);
  return {
    ...DEFAULT_PROFILE,
    ...(declaredLimit === undefined ? {} : { candlePageLimit: declaredLimit }),
    ...override,
  };
}

/** Runecast timeframes the exchange serves natively. */
export function supportedTimeframes(facts: Pick<CcxtExchangeFacts, 'timeframes'>): Timeframe[] {
  const declared = facts.timeframes ?? {};
  return TIMEFRAMES.filter((timeframe) => Object.hasOwn(declared, timeframe));
}

/**
 * Capabilities from ccxt's `has` flags (REST instance for fetches, websocket instance for
 * watches), its timeframes and rate limit, and the profile's page limit.
 */
export function buildCapabilities(
  rest: CcxtExchangeFacts,
  websocket: Pick<CcxtExchangeFacts, 'has'> | null,
  profile: ExchangeProfile,
): SourceCapabilities {
  const streams = websocket?.has ?? {};
  return {
    fetchCandles: rest.has.fetchOHLCV === true,
    fetchTrades: rest.has.fetchTrades === true,
    fetchTopOfBook: rest.has.fetchOrderBook === true,
    watchCandles: streams.watchOHLCV === true,
    watchTrades: streams.watchTrades === true,
    watchTopOfBook: streams[profile.topOfBookStream] === true,
    timeframes: supportedTimeframes(rest),
    candlePageLimit: profile.candlePageLimit,
    rateLimitMs: typeof rest.rateLimit === 'number' && rest.rateLimit > 0 ? rest.rateLimit : 1000,
  };
}
