import { type Market, UnsupportedError } from '@runecast/market';
import type { MarketDataSource, SourceCapabilities } from '../../../src/sources/market-data-source.port.ts';

const CAPABILITIES: SourceCapabilities = {
  fetchCandles: false,
  fetchTrades: false,
  fetchTopOfBook: false,
  watchCandles: false,
  watchTrades: false,
  watchTopOfBook: false,
  timeframes: ['1m'],
  candlePageLimit: 1000,
  rateLimitMs: 0,
};

/**
 * A source that knows only a fixed market list: the API's tests and benchmark check markets
 * against it where no exchange can be reached. Everything else it refuses as unsupported.
 */
export class StaticMarketSource implements MarketDataSource {
  readonly capabilities = CAPABILITIES;
  readonly simulated = true;
  loadMarketsCalls = 0;

  constructor(
    readonly exchange: string,
    private readonly markets: readonly Market[],
  ) {}

  async loadMarkets(): Promise<Market[]> {
    this.loadMarketsCalls += 1;
    return this.markets.map((market) => ({ ...market }));
  }

  private unsupported(): never {
    throw new UnsupportedError(`${this.exchange} test source serves its market list only`);
  }

  async fetchCandles(): Promise<never> {
    this.unsupported();
  }

  async fetchTrades(): Promise<never> {
    this.unsupported();
  }

  async fetchTopOfBook(): Promise<never> {
    this.unsupported();
  }

  // eslint-disable-next-line require-yield
  async *watchCandles(): AsyncIterable<never> {
    this.unsupported();
  }

  // eslint-disable-next-line require-yield
  async *watchTrades(): AsyncIterable<never> {
    this.unsupported();
  }

  // eslint-disable-next-line require-yield
  async *watchTopOfBook(): AsyncIterable<never> {
    this.unsupported();
  }

  async close(): Promise<void> {}
}

/** Spot markets `BASE/QUOTE` of one exchange. */
export function spotMarkets(exchange: string, symbols: readonly string[]): Market[] {
  return symbols.map((symbol) => {
    const [base = '', quote = ''] = symbol.split('/');
    return {
      exchange,
      symbol,
      base,
      quote,
      type: 'spot',
      active: true,
      pricePrecision: 2,
      amountPrecision: 6,
      addedAtMs: 0,
    };
  });
}

/** Sources for exchanges with fixed market lists; any other exchange id is unsupported. */
export function staticSources(marketsByExchange: Readonly<Record<string, readonly string[]>>) {
  const sources = new Map(
    Object.entries(marketsByExchange).map(([exchange, symbols]) => [
      exchange,
      new StaticMarketSource(exchange, spotMarkets(exchange, symbols)),
    ]),
  );
  return (exchange: string): StaticMarketSource => {
    const source = sources.get(exchange);
    if (source === undefined) throw new UnsupportedError(`no exchange "${exchange}"`);
    return source;
  };
}
