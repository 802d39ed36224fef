import { ConflictError, UnprocessableError } from '../auth/auth-errors.ts';
import type { Cache } from '../cache/cache.port.ts';
import type { TrackedMarket as ConfiguredMarket } from '../config/config.ts';
import { type Market, NotFoundError, RunecastError, UnsupportedError } from '@runecast/market';
import type { MarketDataSource } from '../sources/market-data-source.port.ts';
import type { Store } from '../store/store.ts';

/** Makes (or returns) the market-data source of an exchange; throws UnsupportedError for unknown ids. */
export type SourceLookup = (exchange: string) => MarketDataSource;

export interface ApiMarketView {
  exchange: string;
  symbol: string;
  base: string;
  quote: string;
  type: Market['type'];
  active: boolean;
  pricePrecision: number | null;
  amountPrecision: number | null;
}

export interface TrackedMarketView extends ApiMarketView {
  addedAtMs: number | null;
  configured: boolean;
}

/** No source for exchanges in this process (an API-only process started without sources). */
export class SourcesUnavailableError extends RunecastError {
  constructor() {
    super(
      'transient',
      'this server has no exchange connections; exchange markets cannot be listed or checked',
    );
  }
}

const EXCHANGE_MARKETS_TTL_MS = 10 * 60_000;

function toView(market: Market): ApiMarketView {
  return {
    exchange: market.exchange,
    symbol: market.symbol,
    base: market.base,
    quote: market.quote,
    type: market.type,
    active: market.active,
    pricePrecision: market.pricePrecision,
    amountPrecision: market.amountPrecision,
  };
}

/** Tracked markets (the store's list plus the configured ones) and exchanges' market lists. */
export class MarketService {
  constructor(
    private readonly options: {
      store: Store;
      configured: readonly ConfiguredMarket[];
      sources: SourceLookup | null;
      cache: Cache;
      onCacheLookup?: (hit: boolean) => void;
      /** Told after a market was added or removed, so this process follows it at once. */
      onTrackedChanged?: () => Promise<unknown>;
      now?: () => number;
    },
  ) {}

  async listTracked(): Promise<TrackedMarketView[]> {
    const stored = await this.options.store.markets.listMarkets();
    const configuredKeys = new Set(
      this.options.configured.map((market) => `${market.exchange}\u0000${market.symbol}`),
    );
    const views: TrackedMarketView[] = stored.map((market) => ({
      ...toView(market),
      addedAtMs: market.addedAtMs,
      configured: configuredKeys.has(`${market.exchange}\u0000${market.symbol}`),
    }));
    const storedKeys = new Set(stored.map((market) => `${market.exchange}\u0000${market.symbol}`));
    for (const market of this.options.configured) {
      if (storedKeys.has(`${market.exchange}\u0000${market.symbol}`)) continue;
      const [base = market.symbol, quoteAndSettle = ''] = market.symbol.split('/');
      views.push({
        exchange: market.exchange,
        symbol: market.symbol,
        base,
        quote: quoteAndSettle.split(':')[0] ?? '',
        type: 'spot',
        active: true,
        pricePrecision: null,
        amountPrecision: null,
        addedAtMs: null,
        configured: true,
      });
    }
    return views.sort((left, right) =>
      left.exchange === right.exchange
        ? left.symbol.localeCompare(right.symbol)
        : left.exchange.localeCompare(right.exchange),
    );
  }

  /** Every market the exchange lists, cached for a few minutes. */
  async exchangeMarkets(exchange: string): Promise<Market[]> {
    const cacheKey = `exchange-markets:${exchange}`;
    try {
      const cached = await this.options.cache.get(cacheKey);
      this.options.onCacheLookup?.(cached !== null);
      if (cached !== null) return JSON.parse(cached) as Market[];
    } catch {
      // A failing cache only costs a fresh fetch.
    }
    const source = this.source(exchange);
    const markets = await source.loadMarkets();
    await this.options.cache
      .set(cacheKey, JSON.stringify(markets), { ttlMs: EXCHANGE_MARKETS_TTL_MS })
      .catch(() => undefined);
    return markets;
  }

  async listExchangeMarkets(
    exchange: string,
    filter: { search?: string; quote?: string; type?: Market['type']; limit: number; offset: number },
  ): Promise<{ markets: ApiMarketView[]; total: number }> {
    const search = filter.search?.toUpperCase();
    const quote = filter.quote?.toUpperCase();
    const matching = (await this.exchangeMarkets(exchange)).filter(
      (market) =>
        (search === undefined || market.symbol.toUpperCase().includes(search)) &&
        (quote === undefined || market.quote.toUpperCase() === quote) &&
        (filter.type === undefined || market.type === filter.type),
    );
    matching.sort((left, right) => left.symbol.localeCompare(right.symbol));
    return {
      markets: matching.slice(filter.offset, filter.offset + filter.limit).map(toView),
      total: matching.length,
    };
  }

  /** Adds a market the exchange really lists; 409 when it is tracked already. */
  async add(exchange: string, symbol: string): Promise<TrackedMarketView> {
    const markets = await this.exchangeMarkets(exchange);
    const market = markets.find((item) => item.symbol === symbol);
    if (market === undefined) {
      const [base] = symbol.split('/');
      const suggestions = markets
        .filter((item) => item.base === base)
        .slice(0, 5)
        .map((item) => item.symbol);
      throw new UnprocessableError(
        `${exchange} does not list ${symbol}${suggestions.length > 0 ? ` (it lists ${suggestions.join(', ')})` : ''}`,
        { field: 'symbol', suggestions },
      );
    }
    if ((await this.options.store.markets.getMarket(exchange, symbol)) !== null) {
      throw new ConflictError(`${exchange}:${symbol} is tracked already`, { field: 'symbol' });
    }
    const addedAtMs = (this.options.now ?? Date.now)();
    await this.options.store.markets.upsertMarkets([{ ...market, exchange, addedAtMs }]);
    await this.options.onTrackedChanged?.();
    const configured = this.options.configured.some(
      (item) => item.exchange === exchange && item.symbol === symbol,
    );
    return { ...toView({ ...market, exchange }), addedAtMs, configured };
  }

  async remove(exchange: string, symbol: string): Promise<void> {
    if (!(await this.options.store.markets.removeMarket(exchange, symbol))) {
      throw new NotFoundError(`${exchange}:${symbol} is not tracked`, { field: 'symbol' });
    }
    await this.options.onTrackedChanged?.();
  }

  private source(exchange: string): MarketDataSource {
    if (this.options.sources === null) throw new SourcesUnavailableError();
    try {
      return this.options.sources(exchange);
    } catch (error) {
      if (error instanceof UnsupportedError) {
        throw new NotFoundError(`no exchange "${exchange}" is supported`, { field: 'exchange' });
      }
      throw error;
    }
  }
}
