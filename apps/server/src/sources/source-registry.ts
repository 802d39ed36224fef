import { isValidExchangeId, UnsupportedError } from '@runecast/market';
import { ccxtExchangeIds } from './ccxt/ccxt-library.ts';
import { CcxtSource, type CcxtSourceOptions } from './ccxt/ccxt.source.ts';
import type { MarketDataSource } from './market-data-source.port.ts';

/** Settings every source the registry makes shares, unless a per-exchange entry says otherwise. */
export type SourceDefaults = Omit<CcxtSourceOptions, 'exchange' | 'apiKey' | 'secret'>;

export interface SourceRegistryOptions {
  defaults?: SourceDefaults;
  /** API keys per exchange id, for exchanges that need them even for market data. */
  credentials?: Readonly<Record<string, { apiKey: string; secret: string }>>;
}

/** Builds a source for one exchange id. */
export type SourceFactory = (exchange: string) => MarketDataSource;

/**
 * Market-data sources by exchange id: one source per exchange, made on first use. Every ccxt
 * exchange is available; `register` puts another kind of source (a replay, a test double of the
 * port) in front of ccxt for one exchange id.
 */
export class SourceRegistry {
  private readonly sources = new Map<string, MarketDataSource>();
  private readonly factories = new Map<string, SourceFactory>();

  constructor(private readonly options: SourceRegistryOptions = {}) {}

  /** Exchange ids a source can be made for. */
  exchanges(): string[] {
    return [...new Set([...ccxtExchangeIds(), ...this.factories.keys()])].sort();
  }

  register(exchange: string, factory: SourceFactory): void {
    if (!isValidExchangeId(exchange)) throw new UnsupportedError(`bad exchange id "${exchange}"`);
    if (this.sources.has(exchange)) {
      throw new UnsupportedError(`a source for ${exchange} is already in use; register before first use`);
    }
    this.factories.set(exchange, factory);
  }

  /** The source for `exchange`, made on first use. Throws UnsupportedError for unknown ids. */
  get(exchange: string): MarketDataSource {
    const existing = this.sources.get(exchange);
    if (existing) return existing;
    const factory = this.factories.get(exchange);
    const source = factory ? factory(exchange) : this.createCcxtSource(exchange);
    this.sources.set(exchange, source);
    return source;
  }

  private createCcxtSource(exchange: string): CcxtSource {
    const credentials = this.options.credentials?.[exchange];
    return new CcxtSource({ ...this.options.defaults, ...credentials, exchange });
  }

  /** Closes every source made so far. */
  async close(): Promise<void> {
    const sources = [...this.sources.values()];
    this.sources.clear();
    await Promise.all(sources.map((source) => source.close()));
  }
}

/** One ccxt source, without a registry. */
export function createMarketDataSource(options: CcxtSourceOptions): MarketDataSource {
  return new CcxtSource(options);
}
