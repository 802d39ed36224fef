import { KLINE_TIMEFRAME_MS } from '@runecast/market-files';
import { formatDecimal } from '../market/decimal.ts';
import type {
  BookLevel,
  BookVersion,
  EmulatorCandle,
  EmulatorTrade,
  RollingStats,
} from '../market/market-types.ts';
import type { SymbolMarket } from '../market/symbol-market.ts';

const MINUTE_MS = 60_000;

/** Binance kline intervals the emulator serves (months are calendar-based and left out). */
export const BINANCE_INTERVAL_MS: Readonly<Record<string, number>> = KLINE_TIMEFRAME_MS;

export function binanceSymbolId(market: SymbolMarket): string {
  return `${market.base}${market.quote}`;
}

const text = formatDecimal;

function halfOf(value: number): string {
  return text(Math.round(value * 0.5 * 1e8) / 1e8);
}

export function exchangeInfoPayload(
  markets: readonly SymbolMarket[],
  nowMs: number,
  simulated: boolean,
): unknown {
  return {
    timezone: 'UTC',
    serverTime: nowMs,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ],
    exchangeFilters: [],
    simulated,
    symbols: markets.map((market) => ({
      symbol: binanceSymbolId(market),
      status: 'TRADING',
      baseAsset: market.base,
      baseAssetPrecision: 8,
      quoteAsset: market.quote,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      baseCommissionPrecision: 8,
      quoteCommissionPrecision: 8,
      orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
      icebergAllowed: true,
      ocoAllowed: true,
      otoAllowed: true,
      quoteOrderQtyMarketAllowed: true,
      allowTrailingStop: true,
      cancelReplaceAllowed: true,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: [
        {
          filterType: 'PRICE_FILTER',
          minPrice: '0.00000001',
          maxPrice: '1000000.00000000',
          tickSize: '0.00000001',
        },
        { filterType: 'LOT_SIZE', minQty: '0.00000001', maxQty: '9000000.00000000', stepSize: '0.00000001' },
        { filterType: 'ICEBERG_PARTS', limit: 10 },
        {
          filterType: 'MARKET_LOT_SIZE',
          minQty: '0.00000000',
          maxQty: '1000000.00000000',
          stepSize: '0.00000000',
        },
        {
          filterType: 'TRAILING_DELTA',
          minTrailingAboveDelta: 10,
          maxTrailingAboveDelta: 2000,
          minTrailingBelowDelta: 10,
          maxTrailingBelowDelta: 2000,
        },
        {
          filterType: 'PERCENT_PRICE_BY_SIDE',
          bidMultiplierUp: '5',
          bidMultiplierDown: '0.2',
          askMultiplierUp: '5',
          askMultiplierDown: '0.2',
          avgPriceMins: 5,
        },
        {
          filterType: 'NOTIONAL',
          minNotional: '5.00000000',
          applyMinToMarket: true,
          maxNotional: '9000000.00000000',
          applyMaxToMarket: false,
          avgPriceMins: 5,
        },
        { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
        { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
      ],
      permissions: [],
      permissionSets: [['SPOT']],
      defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
      allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
    })),
  };
}

/** First and last exchange trade id of a candle (ids are minute index × 1,000,000 + n). */
export function candleTradeIds(candle: EmulatorCandle): { first: number; last: number } {
  if (candle.tradeCount === 0) return { first: -1, last: -1 };
  const first = Math.floor(candle.openTimeMs / MINUTE_MS) * 1_000_000;
  return { first, last: first + candle.tradeCount - 1 };
}

export function klineArray(candle: EmulatorCandle, intervalMs: number): unknown[] {
  return [
    candle.openTimeMs,
    text(candle.open),
    text(candle.high),
    text(candle.low),
    text(candle.close),
    text(candle.volume),
    candle.openTimeMs + intervalMs - 1,
    text(candle.quoteVolume),
    candle.tradeCount,
    halfOf(candle.volume),
    halfOf(candle.quoteVolume),
    '0',
  ];
}

export function aggregateTradeItem(trade: EmulatorTrade): unknown {
  return {
    a: trade.id,
    p: text(trade.price),
    q: text(trade.quantity),
    f: trade.firstTradeId,
    l: trade.lastTradeId,
    T: trade.timeMs,
    m: trade.buyerIsMaker,
    M: true,
  };
}

export function tradeItem(trade: EmulatorTrade): unknown {
  return {
    id: trade.firstTradeId,
    price: text(trade.price),
    qty: text(trade.quantity),
    quoteQty: text(Math.round(trade.price * trade.quantity * 1e8) / 1e8),
    time: trade.timeMs,
    isBuyerMaker: trade.buyerIsMaker,
    isBestMatch: true,
  };
}

const levelPair = (level: BookLevel): [string, string] => [text(level.price), text(level.quantity)];

export function depthPayload(version: BookVersion, limit: number): unknown {
  return {
    lastUpdateId: version.updateId,
    bids: version.bids.slice(0, limit).map(levelPair),
    asks: version.asks.slice(0, limit).map(levelPair),
  };
}

export function bookTickerPayload(symbolId: string, version: BookVersion): Record<string, unknown> {
  const bid = version.bids[0];
  const ask = version.asks[0];
  return {
    symbol: symbolId,
    bidPrice: bid ? text(bid.price) : '0',
    bidQty: bid ? text(bid.quantity) : '0',
    askPrice: ask ? text(ask.price) : '0',
    askQty: ask ? text(ask.quantity) : '0',
  };
}

export function ticker24hrPayload(symbolId: string, stats: RollingStats, version: BookVersion): unknown {
  const change = stats.last - stats.open;
  return {
    symbol: symbolId,
    priceChange: text(Math.round(change * 1e8) / 1e8),
    priceChangePercent: text(Math.round((change / stats.open) * 100 * 1000) / 1000),
    weightedAvgPrice: text(
      stats.volume > 0 ? Math.round((stats.quoteVolume / stats.volume) * 1e8) / 1e8 : stats.last,
    ),
    prevClosePrice: text(stats.open),
    lastPrice: text(stats.last),
    lastQty: text(stats.lastQuantity),
    ...Object.fromEntries(
      Object.entries(bookTickerPayload(symbolId, version)).filter(([key]) => key !== 'symbol'),
    ),
    openPrice: text(stats.open),
    highPrice: text(stats.high),
    lowPrice: text(stats.low),
    volume: text(stats.volume),
    quoteVolume: text(stats.quoteVolume),
    openTime: stats.openTimeMs,
    closeTime: stats.closeTimeMs,
    firstId: stats.firstTradeId,
    lastId: stats.lastTradeId,
    count: stats.tradeCount,
  };
}

export function klineEvent(
  symbolId: string,
  interval: string,
  intervalMs: number,
  candle: EmulatorCandle,
  eventTimeMs: number,
): unknown {
  const ids = candleTradeIds(candle);
  return {
    e: 'kline',
    E: eventTimeMs,
    s: symbolId,
    k: {
      t: candle.openTimeMs,
      T: candle.openTimeMs + intervalMs - 1,
      s: symbolId,
      i: interval,
      f: ids.first,
      L: ids.last,
      o: text(candle.open),
      c: text(candle.close),
      h: text(candle.high),
      l: text(candle.low),
      v: text(candle.volume),
      n: candle.tradeCount,
      x: candle.closed,
      q: text(candle.quoteVolume),
      V: halfOf(candle.volume),
      Q: halfOf(candle.quoteVolume),
      B: '0',
    },
  };
}

export function tradeEvent(symbolId: string, trade: EmulatorTrade, eventTimeMs: number): unknown {
  return {
    e: 'trade',
    E: eventTimeMs,
    s: symbolId,
    t: trade.firstTradeId,
    p: text(trade.price),
    q: text(trade.quantity),
    T: trade.timeMs,
    m: trade.buyerIsMaker,
    M: true,
  };
}

export function aggregateTradeEvent(symbolId: string, trade: EmulatorTrade, eventTimeMs: number): unknown {
  return { e: 'aggTrade', E: eventTimeMs, s: symbolId, ...(aggregateTradeItem(trade) as object) };
}

export function bookTickerEvent(symbolId: string, version: BookVersion): unknown {
  const ticker = bookTickerPayload(symbolId, version);
  return {
    u: version.updateId,
    s: symbolId,
    b: ticker.bidPrice,
    B: ticker.bidQty,
    a: ticker.askPrice,
    A: ticker.askQty,
  };
}

export function depthUpdateEvent(
  symbolId: string,
  firstUpdateId: number,
  version: BookVersion,
  bids: BookLevel[],
  asks: BookLevel[],
): unknown {
  return {
    e: 'depthUpdate',
    E: version.timeMs,
    s: symbolId,
    U: firstUpdateId,
    u: version.updateId,
    b: bids.map(levelPair),
    a: asks.map(levelPair),
  };
}

export function tickerEvent(
  symbolId: string,
  stats: RollingStats,
  version: BookVersion,
  eventTimeMs: number,
): unknown {
  const ticker = ticker24hrPayload(symbolId, stats, version) as Record<string, unknown>;
  return {
    e: '24hrTicker',
    E: eventTimeMs,
    s: symbolId,
    p: ticker.priceChange,
    P: ticker.priceChangePercent,
    w: ticker.weightedAvgPrice,
    x: ticker.prevClosePrice,
    c: ticker.lastPrice,
    Q: ticker.lastQty,
    b: ticker.bidPrice,
    B: ticker.bidQty,
    a: ticker.askPrice,
    A: ticker.askQty,
    o: ticker.openPrice,
    h: ticker.highPrice,
    l: ticker.lowPrice,
    v: ticker.volume,
    q: ticker.quoteVolume,
    O: stats.openTimeMs,
    C: stats.closeTimeMs,
    F: stats.firstTradeId,
    L: stats.lastTradeId,
    n: stats.tradeCount,
  };
}

export function miniTickerEvent(symbolId: string, stats: RollingStats, eventTimeMs: number): unknown {
  return {
    e: '24hrMiniTicker',
    E: eventTimeMs,
    s: symbolId,
    c: text(stats.last),
    o: text(stats.open),
    h: text(stats.high),
    l: text(stats.low),
    v: text(stats.volume),
    q: text(stats.quoteVolume),
  };
}
