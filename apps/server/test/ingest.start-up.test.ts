import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startEmulator, type RunningEmulator } from '@runecast/exchange-emulator';
import type { SeriesKey } from '@runecast/market';
import { createBus } from '../src/bus/create-bus.ts';
import type { Bus } from '../src/bus/bus.port.ts';
import { IngestionSupervisor } from '../src/ingest/ingestion-supervisor.ts';
import { LiveIngestionService } from '../src/ingest/live.service.ts';
import { createLogger } from '../src/observability/logger.ts';
import { CcxtSource } from '../src/sources/ccxt/ccxt.source.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { waitFor } from './ingest.helpers.ts';

// Start-up of live ingestion with many markets: history does not wait for the streams, the
// streams of all markets share few connections, and a change of markets restarts none of the rest.

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const SYMBOLS = Array.from({ length: 12 }, (_, index) =>
  index === 0 ? 'BTC/USDT' : `T${String(index).padStart(3, '0')}/USDT`,
);
const seriesOf = (symbol: string): SeriesKey => ({ exchange: 'binance', symbol, timeframe: '1m' });

describe('live ingestion of many markets from the emulator', () => {
  let emulator: RunningEmulator;
  let store: Store;
  let bus: Bus;

  before(async () => {
    // Simulated at 120×: a minute lasts half a second. (Faster, the REST confirmation of every
    // market's candle each simulated minute would outrun the emulator on a small machine.)
    emulator = await startEmulator({
      speed: 120,
      tickMs: 50,
      simulatedHistoryDays: 2,
      simulatedSymbols: SYMBOLS,
    });
    bus = await createBus();
  });

  after(async () => {
    await bus?.close();
    await emulator?.close();
  });

  test('history is backfilled while the candle stream has not sent a single candle', async () => {
    store = await openStore({ url: 'memory://' });
    // Every kline message ends its connection: no streamed candle ever arrives.
    emulator.faults.clear({ resetCounters: true });
    emulator.faults.add({ exchange: 'binance', kind: 'ws-drop', stream: 'kline', probability: 1 });
    const source = new CcxtSource({ exchange: 'binance', emulatorUrl: emulator.url, simulated: true });
    const series = seriesOf('BTC/USDT');
    let trusted = false;
    const live = new LiveIngestionService({
      source,
      store,
      markets: [{ symbol: 'BTC/USDT', timeframe: '1m', sinceMs: emulator.clock.nowMs() - HOUR_MS }],
      streams: { candles: true, trades: false, book: false },
      onEvent: (event) => {
        if (event.type === 'trusted') trusted = true;
      },
    });
    const controller = new AbortController();
    const running = live.run(controller.signal);
    try {
      await waitFor(async () => (await store.candles.countCandles(series)) >= 55, 20_000);
      assert.equal(trusted, false, 'no streamed candle arrived, so the stream was never trusted');
      assert.ok(live.stats().reconnects > 0, 'the stream kept trying');
      const latest = await store.candles.latestCandle(series);
      const missing = await store.coverage.missingRanges(series, {
        startMs: emulator.clock.nowMs() - HOUR_MS + MINUTE_MS,
        endMs: latest!.openTimeMs,
      });
      assert.deepEqual(missing, [], 'the backfilled hour has no hole');
    } finally {
      controller.abort();
      await running;
      emulator.faults.clear({ resetCounters: true });
      await source.close();
      await store.close();
    }
  });

  test('first backfills wait their turn in a limiter shared by the markets', async () => {
    store = await openStore({ url: 'memory://' });
    const source = new CcxtSource({
      exchange: 'binance',
      emulatorUrl: emulator.url,
      simulated: true,
      enableRateLimit: false,
    });
    let running = 0;
    let most = 0;
    const queue: (() => void)[] = [];
    // At most one at a time, as p-limit(1) would: counts how many ran side by side.
    const catchUpLimit = async <T>(task: () => Promise<T>): Promise<T> => {
      if (running > 0) await new Promise<void>((resolve) => queue.push(resolve));
      running += 1;
      most = Math.max(most, running);
      try {
        return await task();
      } finally {
        running -= 1;
        queue.shift()?.();
      }
    };
    const markets = SYMBOLS.slice(0, 4);
    const sinceMs = emulator.clock.nowMs() - HOUR_MS;
    const controller = new AbortController();
    const services = markets.map(
      (symbol) =>
        new LiveIngestionService({
          source,
          store,
          markets: [{ symbol, timeframe: '1m', sinceMs }],
          streams: { candles: true, trades: false, book: false },
          catchUpLimit,
        }),
    );
    const runs = services.map((service) => service.run(controller.signal));
    try {
      await waitFor(async () => {
        const counts = await Promise.all(
          markets.map((symbol) => store.candles.countCandles(seriesOf(symbol))),
        );
        return counts.every((count) => count >= 55);
      }, 30_000);
      assert.equal(most, 1, 'never two first backfills at once');
    } finally {
      controller.abort();
      await Promise.all(runs);
      await source.close();
      await store.close();
    }
  });

  for (const marketsPerConnection of [200, 5]) {
    test(`${SYMBOLS.length} markets share ${marketsPerConnection === 200 ? 'one connection' : 'connections of 5 markets'} per stream, and survive its drop`, async () => {
      store = await openStore({ url: 'memory://' });
      const source = new CcxtSource({
        exchange: 'binance',
        emulatorUrl: emulator.url,
        simulated: true,
        marketsPerConnection,
        // The emulator has no rate limit; at 120× the markets ask for more than Binance's pace.
        enableRateLimit: false,
      });
      const trusted = new Set<string>();
      const sinceMs = emulator.clock.nowMs() - HOUR_MS;
      const live = new LiveIngestionService({
        source,
        store,
        bus,
        markets: SYMBOLS.map((symbol) => ({ symbol, timeframe: '1m' as const, sinceMs })),
        onEvent: (event) => {
          if (event.type === 'trusted') trusted.add(event.series.symbol);
        },
      });
      const controller = new AbortController();
      const running = live.run(controller.signal);
      try {
        await waitFor(async () => trusted.size === SYMBOLS.length, 30_000);
        const perStream = Math.ceil(SYMBOLS.length / marketsPerConnection);
        assert.equal(source.stats().websocketConnections, 3 * perStream, 'candles, trades and book');
        // One shared candle connection drops: every market on it reconnects and fills its gap.
        const before = await Promise.all(
          SYMBOLS.map(async (symbol) => (await store.candles.latestCandle(seriesOf(symbol)))!.openTimeMs),
        );
        emulator.faults.add({ exchange: 'binance', kind: 'ws-drop', stream: 'kline', count: 1 });
        await waitFor(async () => live.stats().reconnects > 0, 20_000);
        await waitFor(async () => {
          const latest = await Promise.all(
            SYMBOLS.map(async (symbol) => (await store.candles.latestCandle(seriesOf(symbol)))!.openTimeMs),
          );
          return latest.every((openTimeMs, index) => openTimeMs > before[index]! + 10 * MINUTE_MS);
        }, 30_000);
        for (const symbol of SYMBOLS) {
          const series = seriesOf(symbol);
          const latest = await store.candles.latestCandle(series);
          const missing = await store.coverage.missingRanges(series, {
            startMs: sinceMs + MINUTE_MS,
            endMs: latest!.openTimeMs - 5 * MINUTE_MS,
          });
          assert.deepEqual(missing, [], `${symbol}: no hole in the ledger`);
        }
        assert.equal(live.stats().faults.stream_failed ?? 0, 0);
      } finally {
        controller.abort();
        await running;
        emulator.faults.clear({ resetCounters: true });
        await source.close();
        await store.close();
      }
    });
  }

  test('a change of the markets ingested here starts and stops only the markets that changed', async () => {
    store = await openStore({ url: 'memory://' });
    const source = new CcxtSource({
      exchange: 'binance',
      emulatorUrl: emulator.url,
      simulated: true,
      enableRateLimit: false,
    });
    const supervisor = new IngestionSupervisor({
      store,
      bus,
      source: () => source,
      timeframe: '1m',
      backfillDays: 1 / 24,
      dataLabel: () => 'emulator:simulated',
      wallClock: false,
      clock: { now: () => Date.now() },
      logger: createLogger('silent'),
    });
    const market = (symbol: string) => ({ exchange: 'binance', symbol, added: false });
    const [first, second, third] = SYMBOLS as [string, string, string];
    try {
      await supervisor.prepareConfigured([first, second, third].map(market));
      await supervisor.sync([first, second, third].map(market));
      await waitFor(async () => {
        const written = supervisor.stats().filter((entry) => entry.stats.candlesWritten > 50);
        return written.length === 3;
      }, 30_000);
      const writtenBefore = new Map(
        supervisor.stats().map((entry) => [entry.symbols[0], entry.stats.candlesWritten]),
      );
      // This process's share shrinks to two markets: only the third stops.
      await supervisor.sync([first, second].map(market));
      const after = supervisor.stats();
      assert.deepEqual(
        after.flatMap((entry) => entry.symbols).sort(),
        [first, second].sort(),
        'the third market no longer runs',
      );
      for (const entry of after.filter((item) => item.symbols.length > 0)) {
        // A restarted market would count from zero again.
        assert.ok(
          entry.stats.candlesWritten >= writtenBefore.get(entry.symbols[0])!,
          `${entry.symbols[0]} kept running`,
        );
      }
      assert.ok(
        after.some((entry) => entry.symbols.length === 0 && entry.stats.candlesWritten > 50),
        'the stopped market’s counts are kept',
      );
      assert.deepEqual(
        supervisor
          .series()
          .map((series) => series.symbol)
          .sort(),
        [first, second].sort(),
      );
    } finally {
      await supervisor.stop();
      await source.close();
      await store.close();
    }
  });
});
