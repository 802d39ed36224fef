import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../emulator-context.ts';
import type { EmulatorTrade } from '../market/market-types.ts';
import type { SymbolMarket } from '../market/symbol-market.ts';
import {
  KRAKEN_INTERVAL_MINUTES,
  assetPairPayload,
  assetPayload,
  depthSide,
  krakenAsset,
  krakenPairNames,
  ohlcRow,
  tickerPayload,
  tradeCursor,
  tradeRow,
} from './kraken-payloads.ts';

const DAY_MS = 86_400_000;
const OHLC_ROWS = 720;

/** A Kraken error: always HTTP 200 with `{ error: [text] }`, as Kraken answers. */
class KrakenApiError extends Error {}

type Query = Record<string, string | undefined>;

function rfc1123(timeMs: number): string {
  return new Date(timeMs).toUTCString().replace('GMT', '+0000');
}

export function registerKrakenRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const byName = new Map<string, SymbolMarket>();
  for (const market of context.universe.markets) {
    const names = krakenPairNames(market);
    for (const name of [names.id, names.altname, names.wsname, market.symbol])
      byName.set(name.toUpperCase(), market);
  }
  const prefix = '/kraken/0/public';

  function marketsOf(pairs: string | undefined, required: boolean): SymbolMarket[] {
    if (pairs === undefined || pairs === '') {
      if (required) throw new KrakenApiError('EGeneral:Invalid arguments');
      return [...context.universe.markets];
    }
    return pairs.split(',').map((name) => {
      const market = byName.get(name.trim().toUpperCase());
      if (!market) throw new KrakenApiError('EQuery:Unknown asset pair');
      return market;
    });
  }

  function integerOf(
    query: Query,
    name: string,
    options: { min: number; max: number; fallback: number },
  ): number {
    const raw = query[name];
    if (raw === undefined || raw === '') return options.fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < options.min || value > options.max) {
      throw new KrakenApiError(`EGeneral:Invalid arguments:${name}`);
    }
    return value;
  }

  async function readyAll(markets: readonly SymbolMarket[]): Promise<number> {
    await Promise.all(markets.map((market) => context.ready(market)));
    return context.clock.nowMs();
  }

  function route(path: string, handler: (query: Query) => Promise<unknown>): void {
    app.get(`${prefix}/${path}`, async (request: FastifyRequest) => {
      try {
        return { error: [], result: await handler((request.query ?? {}) as Query) };
      } catch (error) {
        if (error instanceof KrakenApiError) return { error: [error.message] };
        throw error;
      }
    });
  }

  route('Time', async () => {
    const nowMs = context.clock.nowMs();
    return { unixtime: Math.floor(nowMs / 1000), rfc1123: rfc1123(nowMs) };
  });

  route('SystemStatus', async () => ({
    status: 'online',
    timestamp: new Date(Math.floor(context.clock.nowMs() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    simulated: context.universe.simulated,
  }));

  route('Assets', async (query) => {
    const codes = new Set<string>();
    for (const market of context.universe.markets) {
      codes.add(market.base);
      codes.add(market.quote);
    }
    const wanted = query.asset?.split(',').map((name) => name.trim().toUpperCase());
    const result: Record<string, unknown> = {};
    for (const code of [...codes].sort()) {
      const asset = krakenAsset(code);
      if (wanted && !wanted.includes(asset.id) && !wanted.includes(asset.altname) && !wanted.includes(code))
        continue;
      result[asset.id] = assetPayload(code);
    }
    if (wanted && Object.keys(result).length === 0) throw new KrakenApiError('EQuery:Unknown asset');
    return result;
  });

  route('AssetPairs', async (query) => {
    const result: Record<string, unknown> = {};
    for (const market of marketsOf(query.pair, false))
      result[krakenPairNames(market).id] = assetPairPayload(market);
    return result;
  });

  route('Ticker', async (query) => {
    const markets = marketsOf(query.pair, false);
    const nowMs = await readyAll(markets);
    const result: Record<string, unknown> = {};
    for (const market of markets) {
      const day = market.rollingStats(nowMs, DAY_MS);
      const today = market.rollingStats(nowMs, Math.max(1, nowMs % DAY_MS));
      if (!day || !today) continue;
      const book = market.bookAt(nowMs);
      result[krakenPairNames(market).id] = tickerPayload(today, day, book.bids[0], book.asks[0]);
    }
    return result;
  });

  route('OHLC', async (query) => {
    const [market] = marketsOf(query.pair, true) as [SymbolMarket];
    const interval = integerOf(query, 'interval', { min: 1, max: 21600, fallback: 1 });
    if (!(KRAKEN_INTERVAL_MINUTES as readonly number[]).includes(interval)) {
      throw new KrakenApiError('EGeneral:Invalid arguments:interval');
    }
    const intervalMs = interval * 60_000;
    const sinceSeconds = query.since === undefined || query.since === '' ? undefined : Number(query.since);
    if (sinceSeconds !== undefined && !Number.isFinite(sinceSeconds))
      throw new KrakenApiError('EGeneral:Invalid arguments:since');
    const nowMs = await readyAll([market]);
    // Unlike Kraken (only the latest 720), `since` pages forward through the whole replayed history.
    const candles = market.candles({
      timeframeMs: intervalMs,
      startMs: sinceSeconds === undefined ? undefined : Math.floor(sinceSeconds) * 1000 + 1,
      limit: OHLC_ROWS,
      nowMs,
    });
    const lastClosed = [...candles].reverse().find((candle) => candle.closed);
    return {
      [krakenPairNames(market).id]: candles.map(ohlcRow),
      last: Math.floor((lastClosed?.openTimeMs ?? candles[0]?.openTimeMs ?? nowMs) / 1000),
    };
  });

  route('Depth', async (query) => {
    const [market] = marketsOf(query.pair, true) as [SymbolMarket];
    const count = integerOf(query, 'count', { min: 1, max: 500, fallback: 100 });
    const nowMs = await readyAll([market]);
    const book = market.bookAt(nowMs);
    const seconds = Math.floor(nowMs / 1000);
    return {
      [krakenPairNames(market).id]: {
        asks: depthSide(book.asks.slice(0, count), seconds),
        bids: depthSide(book.bids.slice(0, count), seconds),
      },
    };
  });

  route('Trades', async (query) => {
    const [market] = marketsOf(query.pair, true) as [SymbolMarket];
    const count = integerOf(query, 'count', { min: 1, max: 1000, fallback: 1000 });
    const since = query.since === undefined || query.since === '' ? undefined : Number(query.since);
    if (since !== undefined && (!Number.isFinite(since) || since < 0))
      throw new KrakenApiError('EGeneral:Invalid arguments:since');
    const nowMs = await readyAll([market]);
    let trades: EmulatorTrade[];
    if (since === undefined) trades = market.recentTrades(nowMs, count);
    else if (since >= 1e15) {
      // A cursor from `last`: nanoseconds, exclusive.
      const afterMs = Math.floor(since / 1e6);
      trades = market.tradesBetween(afterMs + 1, nowMs, count, nowMs);
    } else trades = market.tradesBetween(Math.floor(since * 1000), nowMs, count, nowMs);
    const last = trades[trades.length - 1];
    return {
      [krakenPairNames(market).id]: trades.map(tradeRow),
      last: last ? tradeCursor(last) : (query.since ?? (BigInt(nowMs) * 1_000_000n).toString()),
    };
  });
}
