import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../emulator-context.ts';
import type { SymbolMarket } from '../market/symbol-market.ts';
import {
  BINANCE_INTERVAL_MS,
  aggregateTradeItem,
  binanceSymbolId,
  bookTickerPayload,
  depthPayload,
  exchangeInfoPayload,
  klineArray,
  ticker24hrPayload,
  tradeItem,
} from './binance-payloads.ts';
import { formatDecimal } from '../market/decimal.ts';

const HOUR_MS = 3_600_000;

/** A Binance API error: HTTP status plus Binance's `{ code, msg }` body. */
export class BinanceApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly binanceCode: number,
    message: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | undefined>;

function queryOf(request: FastifyRequest): Query {
  return (request.query ?? {}) as Query;
}

function integerParameter(
  query: Query,
  name: string,
  options: { min?: number; max?: number } = {},
): number | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d{1,20}$/.test(raw)) {
    throw new BinanceApiError(
      400,
      -1100,
      `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`,
    );
  }
  const value = Number(raw);
  if (
    (options.min !== undefined && value < options.min) ||
    (options.max !== undefined && value > options.max)
  ) {
    throw new BinanceApiError(400, -1130, `Data sent for parameter '${name}' is not valid.`);
  }
  return value;
}

/** Sums request weights per wall-clock minute, for the `x-mbx-used-weight` headers. */
class WeightMeter {
  private minute = -1;
  private used = 0;
  add(weight: number): number {
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.used = 0;
    }
    this.used += weight;
    return this.used;
  }
}

export function registerBinanceRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const meter = new WeightMeter();
  const byId = new Map(context.universe.markets.map((market) => [binanceSymbolId(market), market]));
  const prefix = '/binance/api/v3';

  function marketById(id: string): SymbolMarket {
    const market = byId.get(id.toUpperCase());
    if (!market) throw new BinanceApiError(400, -1121, 'Invalid symbol.');
    return market;
  }

  function requiredSymbol(query: Query): SymbolMarket {
    const id = query.symbol;
    if (id === undefined || id === '') {
      throw new BinanceApiError(
        400,
        -1102,
        "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
      );
    }
    return marketById(id);
  }

  /** `symbol=X`, `symbols=["X","Y"]`, or all markets; `single` tells whether one object is answered. */
  function selectedMarkets(query: Query): { markets: SymbolMarket[]; single: boolean } {
    if (query.symbol !== undefined && query.symbols !== undefined) {
      throw new BinanceApiError(400, -1101, "Parameter 'symbol' and 'symbols' were provided.");
    }
    if (query.symbol !== undefined) return { markets: [requiredSymbol(query)], single: true };
    if (query.symbols !== undefined) {
      let ids: unknown;
      try {
        ids = JSON.parse(query.symbols);
      } catch {
        ids = null;
      }
      if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
        throw new BinanceApiError(400, -1100, "Illegal characters found in parameter 'symbols'.");
      }
      return { markets: (ids as string[]).map(marketById), single: false };
    }
    return { markets: [...context.universe.markets], single: false };
  }

  async function readyAll(markets: readonly SymbolMarket[]): Promise<number> {
    await Promise.all(markets.map((market) => context.ready(market)));
    return context.clock.nowMs();
  }

  function route(
    path: string,
    weight: (query: Query) => number,
    handler: (query: Query) => Promise<unknown>,
  ): void {
    app.get(`${prefix}/${path}`, async (request: FastifyRequest, reply: FastifyReply) => {
      const query = queryOf(request);
      try {
        const used = meter.add(weight(query));
        const body = await handler(query);
        void reply.header('x-mbx-used-weight', String(used)).header('x-mbx-used-weight-1m', String(used));
        return body;
      } catch (error) {
        if (error instanceof BinanceApiError) {
          return reply.code(error.statusCode).send({ code: error.binanceCode, msg: error.message });
        }
        throw error;
      }
    });
  }

  route(
    'ping',
    () => 1,
    async () => ({}),
  );
  route(
    'time',
    () => 1,
    async () => ({ serverTime: context.clock.nowMs() }),
  );
  route(
    'exchangeInfo',
    () => 20,
    async (query) => {
      const { markets } = selectedMarkets(query);
      return exchangeInfoPayload(markets, context.clock.nowMs(), context.universe.simulated);
    },
  );

  const klines = async (query: Query): Promise<unknown> => {
    const market = requiredSymbol(query);
    const interval = query.interval;
    if (interval === undefined || interval === '') {
      throw new BinanceApiError(
        400,
        -1102,
        "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.",
      );
    }
    const intervalMs = BINANCE_INTERVAL_MS[interval];
    if (intervalMs === undefined) throw new BinanceApiError(400, -1120, 'Invalid interval.');
    const limit = integerParameter(query, 'limit', { min: 1, max: 1000 }) ?? 500;
    const startMs = integerParameter(query, 'startTime', { min: 0 });
    const endMs = integerParameter(query, 'endTime', { min: 0 });
    if (startMs !== undefined && endMs !== undefined && startMs > endMs) {
      throw new BinanceApiError(400, -1023, 'Start time is greater than end time.');
    }
    const nowMs = await readyAll([market]);
    return market
      .candles({ timeframeMs: intervalMs, startMs, endMs, limit, nowMs })
      .map((candle) => klineArray(candle, intervalMs));
  };
  route('klines', () => 2, klines);
  route('uiKlines', () => 2, klines);

  route(
    'trades',
    () => 25,
    async (query) => {
      const market = requiredSymbol(query);
      const limit = integerParameter(query, 'limit', { min: 1, max: 1000 }) ?? 500;
      const nowMs = await readyAll([market]);
      return market.recentTrades(nowMs, limit).map(tradeItem);
    },
  );

  route(
    'aggTrades',
    () => 4,
    async (query) => {
      const market = requiredSymbol(query);
      const limit = integerParameter(query, 'limit', { min: 1, max: 1000 }) ?? 500;
      const fromId = integerParameter(query, 'fromId', { min: 0 });
      const startMs = integerParameter(query, 'startTime', { min: 0 });
      const endMs = integerParameter(query, 'endTime', { min: 0 });
      if (startMs !== undefined && endMs !== undefined && (endMs < startMs || endMs - startMs > HOUR_MS)) {
        throw new BinanceApiError(400, -1127, 'More than 1 hours between startTime and endTime.');
      }
      const nowMs = await readyAll([market]);
      let trades;
      if (fromId !== undefined) trades = market.tradesFromId(fromId, limit, nowMs);
      else if (startMs !== undefined || endMs !== undefined) {
        const from = startMs ?? (endMs ?? nowMs) - HOUR_MS;
        trades = market.tradesBetween(from, endMs ?? from + HOUR_MS, limit, nowMs);
      } else trades = market.recentTrades(nowMs, limit);
      return trades.map(aggregateTradeItem);
    },
  );

  route(
    'depth',
    (query) => {
      const limit = Number(query.limit ?? 100);
      return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    },
    async (query) => {
      const market = requiredSymbol(query);
      const limit = integerParameter(query, 'limit', { min: 1, max: 5000 }) ?? 100;
      const nowMs = await readyAll([market]);
      return depthPayload(market.bookAt(nowMs), limit);
    },
  );

  route(
    'ticker/24hr',
    (query) => (query.symbol !== undefined ? 2 : query.symbols !== undefined ? 40 : 80),
    async (query) => {
      const { markets, single } = selectedMarkets(query);
      const nowMs = await readyAll(markets);
      const tickers = markets.flatMap((market) => {
        const stats = market.rollingStats(nowMs, 24 * HOUR_MS);
        return stats ? [ticker24hrPayload(binanceSymbolId(market), stats, market.bookAt(nowMs))] : [];
      });
      return single ? (tickers[0] ?? {}) : tickers;
    },
  );

  route(
    'ticker/bookTicker',
    (query) => (query.symbol !== undefined ? 2 : 4),
    async (query) => {
      const { markets, single } = selectedMarkets(query);
      const nowMs = await readyAll(markets);
      const tickers = markets.map((market) =>
        bookTickerPayload(binanceSymbolId(market), market.bookAt(nowMs)),
      );
      return single ? tickers[0] : tickers;
    },
  );

  route(
    'ticker/price',
    (query) => (query.symbol !== undefined ? 2 : 4),
    async (query) => {
      const { markets, single } = selectedMarkets(query);
      const nowMs = await readyAll(markets);
      const prices = markets.flatMap((market) => {
        const last = market.lastTrade(nowMs);
        return last ? [{ symbol: binanceSymbolId(market), price: formatDecimal(last.price) }] : [];
      });
      return single ? (prices[0] ?? {}) : prices;
    },
  );

  route(
    'avgPrice',
    () => 2,
    async (query) => {
      const market = requiredSymbol(query);
      const nowMs = await readyAll([market]);
      const stats = market.rollingStats(nowMs, 5 * 60_000);
      const price = stats && stats.volume > 0 ? stats.quoteVolume / stats.volume : (stats?.last ?? 0);
      return { mins: 5, price: formatDecimal(Math.round(price * 1e8) / 1e8), closeTime: nowMs };
    },
  );

  // Derivatives markets are not emulated; empty answers let an unconfigured ccxt still load spot.
  for (const path of ['/binance/fapi/v1/exchangeInfo', '/binance/dapi/v1/exchangeInfo']) {
    app.get(path, async () => ({
      timezone: 'UTC',
      serverTime: context.clock.nowMs(),
      rateLimits: [],
      exchangeFilters: [],
      assets: [],
      symbols: [],
    }));
  }
  app.get('/binance/eapi/v1/exchangeInfo', async () => ({
    timezone: 'UTC',
    serverTime: context.clock.nowMs(),
    optionContracts: [],
    optionAssets: [],
    optionSymbols: [],
    rateLimits: [],
  }));
}
