/** A candle as the emulated exchange reports it. */
export interface EmulatorCandle {
  openTimeMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number;
  tradeCount: number;
  /** false for the candle that contains the emulated now (its values grow as trades arrive). */
  closed: boolean;
}

/**
 * One synthetic trade. On Binance it is an aggregate trade covering the exchange trade ids
 * `firstTradeId..lastTradeId`, so the ids add up to the candle's trade count.
 */
export interface EmulatorTrade {
  id: number;
  firstTradeId: number;
  lastTradeId: number;
  timeMs: number;
  price: number;
  quantity: number;
  /** true when the seller was the taker (the trade hit the bid). */
  buyerIsMaker: boolean;
}

export interface BookLevel {
  price: number;
  quantity: number;
}

/** One state of a market's order book; `bids`/`asks` best first; `changes` against the state before. */
export interface BookVersion {
  updateId: number;
  timeMs: number;
  bids: BookLevel[];
  asks: BookLevel[];
  changedBids: BookLevel[];
  changedAsks: BookLevel[];
}

/** Statistics over a rolling window (24 h tickers). */
export interface RollingStats {
  openTimeMs: number;
  closeTimeMs: number;
  open: number;
  high: number;
  low: number;
  last: number;
  volume: number;
  quoteVolume: number;
  tradeCount: number;
  firstTradeId: number;
  lastTradeId: number;
  lastQuantity: number;
}
