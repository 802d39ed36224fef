import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startEmulator, type RunningEmulator } from '@runecast/exchange-emulator';
import { UnsupportedError, ValidationError } from '@runecast/market';
import { SourceRegistry } from '../source-registry.ts';
import { CcxtSource } from './ccxt.source.ts';

describe('one ccxt source for any exchange', () => {
  test('binance: capabilities from ccxt and the profile table', async () => {
    const source = new CcxtSource({ exchange: 'binance' });
    try {
      assert.equal(source.exchange, 'binance');
      assert.equal(source.simulated, false);
      assert.deepEqual(source.capabilities, {
        fetchCandles: true,
        fetchTrades: true,
        fetchTopOfBook: true,
        watchCandles: true,
        watchTrades: true,
        watchTopOfBook: true,
        timeframes: ['1m', '5m', '15m', '1h', '4h', '1d'],
        candlePageLimit: 1000,
        rateLimitMs: 50,
      });
      assert.equal(source.profile.topOfBookStream, 'watchBidsAsks');
    } finally {
      await source.close();
    }
  });

  test('kraken: 720 candles a page, one request a second', async () => {
    const source = new CcxtSource({ exchange: 'kraken', simulated: true });
    try {
      assert.equal(source.capabilities.candlePageLimit, 720);
      assert.equal(source.capabilities.rateLimitMs, 1000);
      assert.equal(source.profile.candleHistoryLimit, 720);
      assert.equal(source.simulated, true);
      assert.deepEqual(source.capabilities.timeframes, ['1m', '5m', '15m', '1h', '4h', '1d']);
      assert.equal(source.capabilities.watchCandles, true);
    } finally {
      await source.close();
    }
  });

  test('coinbase: window pages of 300, no 4h candles, no candle stream', async () => {
    const source = new CcxtSource({ exchange: 'coinbase' });
    try {
      assert.equal(source.capabilities.candlePageLimit, 300);
      assert.equal(source.profile.candlePagination, 'window');
      assert.deepEqual(source.capabilities.timeframes, ['1m', '5m', '15m', '1h', '1d']);
      assert.equal(source.capabilities.watchCandles, false, 'candles are polled over REST instead');
      assert.equal(source.capabilities.watchTrades, true);
      assert.equal(source.capabilities.watchTopOfBook, true);
      // Refused before any request is made.
      await assert.rejects(
        source.fetchCandles({ symbol: 'BTC/USD', timeframe: '4h', sinceMs: 0 }),
        (error: unknown) => error instanceof UnsupportedError && /no 4h candles/.test(error.message),
      );
      await assert.rejects(
        source.fetchCandles({ symbol: 'btc-usd', timeframe: '1m', sinceMs: 0 }),
        ValidationError,
      );
      assert.throws(
        () =>
          source.watchCandles({ symbol: 'BTC/USD', timeframe: '1m', signal: new AbortController().signal }),
        UnsupportedError,
      );
    } finally {
      await source.close();
    }
  });

  test('unknown exchanges are refused by name', () => {
    assert.throws(
      () => new CcxtSource({ exchange: 'nosuchexchange' }),
      (error: unknown) =>
        error instanceof UnsupportedError && /unknown exchange "nosuchexchange"/.test(error.message),
    );
    assert.throws(() => new CcxtSource({ exchange: 'Binance; DROP' }), UnsupportedError);
  });

  test('the registry makes one source per exchange id', async () => {
    const registry = new SourceRegistry({ defaults: { simulated: true } });
    try {
      const first = registry.get('kraken');
      assert.equal(registry.get('kraken'), first);
      assert.equal(first.simulated, true);
      assert.ok(registry.exchanges().includes('coinbase'));
      assert.throws(() => registry.get('nosuchexchange'), UnsupportedError);
    } finally {
      await registry.close();
    }
  });
});

describe("binance candle answers read by the profile's own reader", () => {
  let emulator: RunningEmulator;

  before(async () => {
    emulator = await startEmulator({ paused: true, simulatedHistoryDays: 2, seed: 11 });
  });

  after(async () => {
    await emulator?.close();
  });

  test("give the same pages as ccxt's own parse, and are used for every page", async () => {
    const fast = new CcxtSource({ exchange: 'binance', emulatorUrl: emulator.url, enableRateLimit: false });
    const usual = new CcxtSource({ exchange: 'binance', emulatorUrl: emulator.url, enableRateLimit: false });
    const reader = fast.profile.decodeCandleRows;
    assert.ok(reader !== null, 'binance has a reader of its own');
    let decodedPages = 0;
    fast.profile.decodeCandleRows = (body) => {
      const rows = reader(body);
      if (rows !== null) decodedPages += 1;
      return rows;
    };
    usual.profile.decodeCandleRows = null;
    try {
      const sinceMs = Math.floor((Date.now() - 36 * 3_600_000) / 60_000) * 60_000;
      for (const [symbol, timeframe, offsetMs] of [
        ['BTC/USDT', '1m', 0],
        ['ETH/USDT', '1m', 7 * 60_000],
        ['BTC/USDT', '1h', 0],
      ] as const) {
        const params = { symbol, timeframe, sinceMs: sinceMs + offsetMs, limit: 500 };
        const [fastPage, usualPage] = [
          await fast.fetchCandlePage(params),
          await usual.fetchCandlePage(params),
        ];
        assert.ok(fastPage.candles.length > 20, `${symbol} ${timeframe}: ${fastPage.candles.length} candles`);
        assert.deepEqual(fastPage, usualPage, `${symbol} ${timeframe}`);
        assert.ok(
          fastPage.candles.every((candle) => candle.quoteVolume !== null && candle.tradeCount !== null),
        );
      }
      assert.equal(decodedPages, 3);
    } finally {
      await fast.close();
      await usual.close();
    }
  });
});
