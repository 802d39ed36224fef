// One contract for every market-data source (exchanges through ccxt, test sources, the runes and
// replay sources as they come): what it declares in `capabilities` it must do correctly, and
// what it does not declare it must refuse as unsupported. Each implementation runs it with
// `runMarketDataSourceContract`, the way the store, bus and cache suites are run.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  findCandleProblem,
  isOnGrid,
  isValidExchangeId,
  isValidSymbol,
  TIMEFRAMES,
  timeframeMs,
  UnsupportedError,
} from '@runecast/market';
import type { MarketDataSource } from './market-data-source.port.ts';

export interface SourceContractSubject {
  source: MarketDataSource;
  /** A symbol the source lists and serves. */
  symbol: string;
  /** A time the source has candles after (its own clock for an emulator). */
  sinceMs: number;
  close?: () => Promise<void>;
}

const WATCH_TIMEOUT_MS = 15_000;

async function firstFrom<T>(iterable: (signal: AbortSignal) => AsyncIterable<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), WATCH_TIMEOUT_MS);
  try {
    for await (const item of iterable(controller.signal)) return item;
    throw new Error('the stream ended without an item');
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

export function runMarketDataSourceContract(name: string, open: () => Promise<SourceContractSubject>): void {
  describe(`market-data source contract: ${name}`, () => {
    let subject: SourceContractSubject;
    let source: MarketDataSource;

    before(async () => {
      subject = await open();
      source = subject.source;
    });

    after(async () => {
      await source?.close();
      await subject?.close?.();
    });

    test('declares an exchange id, known timeframes and sane limits', () => {
      assert.ok(isValidExchangeId(source.exchange), source.exchange);
      for (const timeframe of source.capabilities.timeframes) {
        assert.ok((TIMEFRAMES as readonly string[]).includes(timeframe), timeframe);
      }
      assert.ok(Number.isSafeInteger(source.capabilities.candlePageLimit));
      assert.ok(source.capabilities.candlePageLimit > 0);
      assert.ok(source.capabilities.rateLimitMs >= 0);
    });

    test('lists valid markets of its own exchange, the subject symbol among them', async () => {
      const markets = await source.loadMarkets();
      assert.ok(markets.length > 0);
      for (const market of markets) {
        assert.equal(market.exchange, source.exchange);
        assert.ok(isValidSymbol(market.symbol), market.symbol);
      }
      assert.ok(markets.some((market) => market.symbol === subject.symbol));
    });

    test('candles: valid, on the grid, ascending, from sinceMs, within the limit; or refused', async () => {
      const timeframe = source.capabilities.timeframes[0] ?? '1m';
      const params = { symbol: subject.symbol, timeframe, sinceMs: subject.sinceMs, limit: 50 };
      if (!source.capabilities.fetchCandles) {
        await assert.rejects(source.fetchCandles(params), UnsupportedError);
        return;
      }
      const candles = await source.fetchCandles(params);
      assert.ok(candles.length > 0, 'the subject has candles after sinceMs');
      assert.ok(candles.length <= 50);
      let previousMs = -1;
      for (const candle of candles) {
        assert.equal(findCandleProblem(candle), null, JSON.stringify(candle));
        assert.equal(candle.exchange, source.exchange);
        assert.equal(candle.symbol, subject.symbol);
        assert.equal(candle.timeframe, timeframe);
        assert.ok(isOnGrid(candle.openTimeMs, timeframe));
        assert.ok(candle.openTimeMs >= subject.sinceMs - timeframeMs(timeframe));
        assert.ok(candle.openTimeMs > previousMs, 'strictly ascending');
        previousMs = candle.openTimeMs;
      }
    });

    test('a timeframe it does not declare is refused as unsupported', async () => {
      const missing = TIMEFRAMES.find((timeframe) => !source.capabilities.timeframes.includes(timeframe));
      if (missing === undefined) return;
      await assert.rejects(
        source.fetchCandles({ symbol: subject.symbol, timeframe: missing, sinceMs: subject.sinceMs }),
        UnsupportedError,
      );
    });

    test('trades: positive, ascending in time; or refused', async () => {
      const params = { symbol: subject.symbol, sinceMs: subject.sinceMs, limit: 50 };
      if (!source.capabilities.fetchTrades) {
        await assert.rejects(source.fetchTrades(params), UnsupportedError);
        return;
      }
      const trades = await source.fetchTrades(params);
      let previousMs = -Infinity;
      for (const trade of trades) {
        assert.equal(trade.symbol, subject.symbol);
        assert.ok(trade.price > 0 && trade.amount > 0, JSON.stringify(trade));
        assert.ok(trade.timestampMs >= previousMs, 'ascending in time');
        previousMs = trade.timestampMs;
      }
    });

    test('top of book: bid at or below ask, sizes not negative; or refused', async () => {
      const params = { symbol: subject.symbol };
      if (!source.capabilities.fetchTopOfBook) {
        await assert.rejects(source.fetchTopOfBook(params), UnsupportedError);
        return;
      }
      const top = await source.fetchTopOfBook(params);
      assert.equal(top.symbol, subject.symbol);
      assert.ok(top.bidPrice > 0 && top.bidPrice <= top.askPrice, JSON.stringify(top));
      assert.ok(top.bidSize >= 0 && top.askSize >= 0);
    });

    test('a candle stream yields valid candles and ends when aborted; or refuses', async () => {
      const timeframe = source.capabilities.timeframes[0] ?? '1m';
      const watch = (signal: AbortSignal) =>
        source.watchCandles({ symbol: subject.symbol, timeframe, signal });
      if (!source.capabilities.watchCandles) {
        await assert.rejects(firstFrom(watch), UnsupportedError);
        return;
      }
      const batch = await firstFrom(watch);
      assert.ok(batch.length > 0);
      for (const candle of batch) assert.equal(findCandleProblem(candle), null, JSON.stringify(candle));
    });
  });
}
