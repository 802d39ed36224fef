import { crc32 } from 'node:zlib';
import { formatDecimal, formatFixed } from '../market/decimal.ts';
import type { BookLevel, EmulatorCandle, EmulatorTrade, RollingStats } from '../market/market-types.ts';
import type { SymbolMarket } from '../market/symbol-market.ts';

/** Kraken's own asset ids: old assets carry X (crypto) or Z (fiat) prefixes and some have other names. */
const LEGACY_ASSETS: Readonly<Record<string, { id: string; altname: string }>> = {
  BTC: { id: 'XXBT', altname: 'XBT' },
  DOGE: { id: 'XXDG', altname: 'XDG' },
  ETH: { id: 'XETH', altname: 'ETH' },
  ETC: { id: 'XETC', altname: 'ETC' },
  LTC: { id: 'XLTC', altname: 'LTC' },
  XRP: { id: 'XXRP', altname: 'XRP' },
  XLM: { id: 'XXLM', altname: 'XLM' },
  XMR: { id: 'XXMR', altname: 'XMR' },
  ZEC: { id: 'XZEC', altname: 'ZEC' },
  MLN: { id: 'XMLN', altname: 'MLN' },
  USD: { id: 'ZUSD', altname: 'USD' },
  EUR: { id: 'ZEUR', altname: 'EUR' },
  GBP: { id: 'ZGBP', altname: 'GBP' },
  JPY: { id: 'ZJPY', altname: 'JPY' },
  CAD: { id: 'ZCAD', altname: 'CAD' },
  AUD: { id: 'ZAUD', altname: 'AUD' },
};

export const KRAKEN_PRICE_DECIMALS = 8;
export const KRAKEN_LOT_DECIMALS = 8;

/** Kraken OHLC intervals in minutes. */
export const KRAKEN_INTERVAL_MINUTES = [1, 5, 15, 30, 60, 240, 1440, 10080, 21600] as const;

export function krakenAsset(code: string): { id: string; altname: string } {
  return LEGACY_ASSETS[code] ?? { id: code, altname: code };
}

export interface KrakenPairNames {
  /** REST key (`XXBTZUSD` for old pairs, `XBTUSDT` for newer ones). */
  id: string;
  altname: string;
  /** The v1 websocket name (`XBT/USDT`); v2 uses the plain symbol (`BTC/USDT`). */
  wsname: string;
  baseId: string;
  quoteId: string;
}

export function krakenPairNames(market: SymbolMarket): KrakenPairNames {
  const base = krakenAsset(market.base);
  const quote = krakenAsset(market.quote);
  const bothLegacy =
    base.id !== base.altname && quote.id !== quote.altname && base.id.length === 4 && quote.id.length === 4;
  const altname = base.altname + quote.altname;
  return {
    id: bothLegacy ? base.id + quote.id : altname,
    altname,
    wsname: `${base.altname}/${quote.altname}`,
    baseId: base.id,
    quoteId: quote.id,
  };
}

const FEES: Array<[number, number]> = [
  [0, 0.26],
  [50000, 0.24],
  [100000, 0.22],
  [250000, 0.2],
  [500000, 0.18],
  [1000000, 0.16],
  [2500000, 0.14],
  [5000000, 0.12],
  [10000000, 0.1],
];
const MAKER_FEES: Array<[number, number]> = FEES.map(([volume, fee]) => [
  volume,
  Math.max(0, Math.round((fee - 0.1) * 100) / 100),
]);

export function assetPairPayload(market: SymbolMarket): unknown {
  const names = krakenPairNames(market);
  return {
    altname: names.altname,
    wsname: names.wsname,
    aclass_base: 'currency',
    base: names.baseId,
    aclass_quote: 'currency',
    quote: names.quoteId,
    lot: 'unit',
    cost_decimals: 8,
    pair_decimals: KRAKEN_PRICE_DECIMALS,
    lot_decimals: KRAKEN_LOT_DECIMALS,
    lot_multiplier: 1,
    leverage_buy: [],
    leverage_sell: [],
    fees: FEES,
    fees_maker: MAKER_FEES,
    fee_volume_currency: 'ZUSD',
    margin_call: 80,
    margin_stop: 40,
    ordermin: '0.00001',
    costmin: '0.5',
    tick_size: '0.00000001',
    status: 'online',
  };
}

export function assetPayload(code: string): unknown {
  return {
    aclass: 'currency',
    altname: krakenAsset(code).altname,
    decimals: 10,
    display_decimals: 8,
    status: 'enabled',
  };
}

const text = formatDecimal;

export function ohlcRow(candle: EmulatorCandle): unknown[] {
  const vwap =
    candle.volume > 0 ? Math.round((candle.quoteVolume / candle.volume) * 1e8) / 1e8 : candle.close;
  return [
    Math.floor(candle.openTimeMs / 1000),
    text(candle.open),
    text(candle.high),
    text(candle.low),
    text(candle.close),
    text(vwap),
    text(candle.volume),
    candle.tradeCount,
  ];
}

export function tradeRow(trade: EmulatorTrade): unknown[] {
  return [
    text(trade.price),
    text(trade.quantity),
    trade.timeMs / 1000,
    trade.buyerIsMaker ? 's' : 'b',
    trade.id % 3 === 0 ? 'l' : 'm',
    '',
    trade.id,
  ];
}

/** Kraken's pagination id for trades: the trade time in nanoseconds. */
export function tradeCursor(trade: EmulatorTrade): string {
  return (BigInt(trade.timeMs) * 1_000_000n).toString();
}

export function depthSide(levels: readonly BookLevel[], timeSeconds: number): unknown[] {
  return levels.map((level) => [text(level.price), text(level.quantity), timeSeconds]);
}

export function tickerPayload(
  today: RollingStats,
  day: RollingStats,
  bestBid: BookLevel | undefined,
  bestAsk: BookLevel | undefined,
): unknown {
  const vwap = (stats: RollingStats): string =>
    text(stats.volume > 0 ? Math.round((stats.quoteVolume / stats.volume) * 1e8) / 1e8 : stats.last);
  return {
    a: [text(bestAsk?.price ?? day.last), '1', text(bestAsk?.quantity ?? 0)],
    b: [text(bestBid?.price ?? day.last), '1', text(bestBid?.quantity ?? 0)],
    c: [text(day.last), text(day.lastQuantity)],
    v: [text(today.volume), text(day.volume)],
    p: [vwap(today), vwap(day)],
    t: [today.tradeCount, day.tradeCount],
    l: [text(today.low), text(day.low)],
    h: [text(today.high), text(day.high)],
    o: text(today.open),
  };
}

/** v2 websocket OHLC entry. */
export function wsCandle(symbol: string, candle: EmulatorCandle, intervalMinutes: number): unknown {
  const vwap =
    candle.volume > 0 ? Math.round((candle.quoteVolume / candle.volume) * 1e8) / 1e8 : candle.close;
  return {
    symbol,
    open: candle.open,
    high: candle.high,
    low: candle.low,
    close: candle.close,
    trades: candle.tradeCount,
    volume: candle.volume,
    vwap,
    interval_begin: new Date(candle.openTimeMs).toISOString(),
    interval: intervalMinutes,
    timestamp: new Date(candle.openTimeMs + intervalMinutes * 60_000).toISOString(),
  };
}

export function wsTrade(symbol: string, trade: EmulatorTrade): unknown {
  return {
    symbol,
    side: trade.buyerIsMaker ? 'sell' : 'buy',
    price: trade.price,
    qty: trade.quantity,
    ord_type: trade.id % 3 === 0 ? 'limit' : 'market',
    trade_id: trade.id,
    timestamp: new Date(trade.timeMs).toISOString(),
  };
}

const checksumPart = (value: number, decimals: number): string =>
  formatFixed(value, decimals).replace('.', '').replace(/^0+/, '');

/** Kraken's book checksum: CRC32 of the top ten asks then bids, digits only, leading zeros dropped. */
export function bookChecksum(bids: readonly BookLevel[], asks: readonly BookLevel[]): number {
  let payload = '';
  for (const level of asks.slice(0, 10)) {
    payload +=
      checksumPart(level.price, KRAKEN_PRICE_DECIMALS) + checksumPart(level.quantity, KRAKEN_LOT_DECIMALS);
  }
  for (const level of bids.slice(0, 10)) {
    payload +=
      checksumPart(level.price, KRAKEN_PRICE_DECIMALS) + checksumPart(level.quantity, KRAKEN_LOT_DECIMALS);
  }
  return crc32(payload) >>> 0;
}

export function wsTicker(
  symbol: string,
  day: RollingStats,
  bestBid: BookLevel | undefined,
  bestAsk: BookLevel | undefined,
): unknown {
  const change = day.last - day.open;
  return {
    symbol,
    bid: bestBid?.price ?? day.last,
    bid_qty: bestBid?.quantity ?? 0,
    ask: bestAsk?.price ?? day.last,
    ask_qty: bestAsk?.quantity ?? 0,
    last: day.last,
    volume: day.volume,
    vwap: day.volume > 0 ? Math.round((day.quoteVolume / day.volume) * 1e8) / 1e8 : day.last,
    low: day.low,
    high: day.high,
    change: Math.round(change * 1e8) / 1e8,
    change_pct: Math.round((change / day.open) * 10000) / 100,
  };
}
