export interface Trade {
  exchange: string;
  symbol: string;
  tradeId: string;
  timestampMs: number;
  price: number;
  amount: number;
  side: 'buy' | 'sell' | null;
}

export interface TopOfBook {
  exchange: string;
  symbol: string;
  timestampMs: number;
  bidPrice: number;
  bidSize: number;
  askPrice: number;
  askSize: number;
}
