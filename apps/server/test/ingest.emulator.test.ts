import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readKlineFile } from '@runecast/market-files';
import { startEmulator, type RunningEmulator } from '@runecast/exchange-emulator';
import type { BackfillProgressMessage } from '@runecast/contracts';
import { createBus } from '../src/bus/create-bus.ts';
import { topicPattern } from '../src/bus/topics.ts';
import { sameOhlcv, type SeriesKey } from '@runecast/market';
import { BackfillService, type BackfillProgress } from '../src/ingest/backfill.service.ts';
import { LiveIngestionService } from '../src/ingest/live.service.ts';
import { aggregateTrades } from '../src/ingest/trade-aggregator.ts';
import { CcxtSource } from '../src/sources/ccxt/ccxt.source.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { assertMatchesExchange, waitFor } from './ingest.helpers.ts';
import { REPLAY_DIR, replayDataSkip, replayPath } from './support/replay-data.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const btc: SeriesKey = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };

describe('backfill of real data from the emulator', { skip: replayDataSkip }, () => {
  let emulator: RunningEmulator;
  let store: Store;
  // The week around Binance's real spot trading halt of 2023-03-24 12:40 → 14:00.
  const sinceMs = Date.parse('2023-03-20T00:00:00Z');
  const untilMs = Date.parse('2023-03-27T00:00:00Z');

  before(async () => {
    emulator = await startEmulator({
      replayDir: REPLAY_DIR!,
      startTime: '2023-03-28T00:00:00Z',
      paused: true,
    });
    store = await openStore({ url: 'memory://' });
  });

  after(async () => {
    await store?.close();
    await emulator?.close();
  });

  test('one week of 1m BTC/USDT: every stored candle equals the source row, the halt is empty', async () => {
    const source = new CcxtSource({ exchange: 'binance', emulatorUrl: emulator.url });
    const bus = await createBus();
    const busProgress: BackfillProgressMessage[] = [];
    await bus.subscribe<BackfillProgressMessage>(topicPattern('backfillProgress'), (message) => {
      busProgress.push(message.data);
    });
    const progress: BackfillProgress[] = [];
    try {
      const result = await new BackfillService({ source, store, bus }).backfill({
        series: btc,
        sinceMs,
        untilMs,
        onProgress: (update) => progress.push(update),
      });
      await bus.flush();
      const file = await readKlineFile(replayPath('binance_spot_1m/andresciancio/BTC_USDT-1m.json.gz'));
      const expected = file.rows.filter((row) => row.openTimeMs >= sinceMs && row.openTimeMs < untilMs);
      assert.equal(expected.length, 7 * 1440 - 80, 'the file holds the week less the 80 halted minutes');

      const stored = await store.candles.listCandles(btc, { startMs: sinceMs, endMs: untilMs }, 20_000);
      assert.equal(stored.length, expected.length);
      for (let index = 0; index < expected.length; index += 1) {
        const candle = stored[index]!;
        const row = expected[index]!;
        assert.ok(
          sameOhlcv(candle, row),
          `candle ${new Date(row.openTimeMs).toISOString()} differs from the file`,
        );
        assert.equal(candle.closed, true);
      }

      assert.deepEqual(result.missingRanges, []);
      assert.equal(result.state, 'done');
      assert.equal(result.candlesWritten, expected.length);
      // Three stretches fetched side by side: each may end on one short page.
      assert.ok(
        result.pages >= Math.ceil(expected.length / 1000) &&
          result.pages <= Math.ceil(expected.length / 1000) + 2,
        `${result.pages} pages`,
      );
      const coverage = await store.coverage.listCoverage(btc, { startMs: sinceMs, endMs: untilMs });
      assert.deepEqual(
        coverage.map((range) => [new Date(range.startMs).toISOString(), range.state]),
        [
          ['2023-03-20T00:00:00.000Z', 'complete'],
          ['2023-03-24T12:40:00.000Z', 'empty'],
          ['2023-03-24T14:00:00.000Z', 'complete'],
        ],
      );

      assert.equal(progress.at(-1)?.state, 'done');
      assert.equal(progress.at(-1)?.percent, 100);
      assert.ok(progress.some((update) => update.state === 'running' && update.percent < 100));
      assert.equal(busProgress.at(-1)?.state, 'done');
      assert.equal(busProgress.at(-1)?.series, 'binance:BTC/USDT:1m');

      // Resuming a finished backfill fetches nothing.
      const again = await new BackfillService({ source, store }).backfill({ series: btc, sinceMs, untilMs });
      assert.equal(again.pages, 0);
      assert.equal(await store.candles.countCandles(btc), expected.length);
    } finally {
      await source.close();
      await bus.close();
    }
  });

  test('one stretch at a time and several side by side store the same candles and ledger', async () => {
    const source = new CcxtSource({ exchange: 'binance', emulatorUrl: emulator.url });
    const serialStore = await openStore({ url: 'memory://' });
    const parallelStore = await openStore({ url: 'memory://' });
    try {
      const percents: number[] = [];
      const serial = await new BackfillService({ source, store: serialStore, concurrency: 1 }).backfill({
        series: btc,
        sinceMs,
        untilMs,
      });
      const parallel = await new BackfillService({ source, store: parallelStore, concurrency: 4 }).backfill({
        series: btc,
        sinceMs,
        untilMs,
        onProgress: (update) => percents.push(update.percent),
      });
      assert.equal(serial.pages, Math.ceil((7 * 1440 - 80) / 1000));
      assert.equal(parallel.candlesWritten, serial.candlesWritten);
      const window = { startMs: sinceMs, endMs: untilMs };
      assert.deepEqual(
        await parallelStore.candles.listCandles(btc, window, 20_000),
        await serialStore.candles.listCandles(btc, window, 20_000),
      );
      assert.deepEqual(
        await parallelStore.coverage.listCoverage(btc, window),
        await serialStore.coverage.listCoverage(btc, window),
      );
      assert.equal(percents.at(-1), 100);
      assert.ok(
        percents.slice(0, -1).every((percent) => percent < 100),
        'only the end says 100%',
      );
      assert.throws(() => new BackfillService({ source, store: serialStore, concurrency: 0 }), /concurrency/);
    } finally {
      await source.close();
      await serialStore.close();
      await parallelStore.close();
    }
  });

  test('backfill to now stops before the open candle and leaves it unmarked', async () => {
    const source = new CcxtSource({ exchange: 'binance', emulatorUrl: emulator.url });
    try {
      emulator.clock.setNow(Date.parse('2023-04-10T10:15:30Z'));
      const series: SeriesKey = { ...btc, symbol: 'ETH/USDT' };
      const result = await new BackfillService({ source, store }).backfill({
        series,
        sinceMs: Date.parse('2023-04-10T00:00:00Z'),
      });
      assert.equal(result.caughtUp, true);
      assert.equal(result.doneMs, Date.parse('2023-04-10T10:15:00Z'));
      const latest = await store.candles.latestCandle(series);
      assert.equal(
        latest?.openTimeMs,
        Date.parse('2023-04-10T10:14:00Z'),
        'the open 10:15 candle is not stored',
      );
      const coverage = await store.coverage.listCoverage(series);
      assert.deepEqual(
        coverage.map((range) => [range.startMs, range.endMs, range.state]),
        [[Date.parse('2023-04-10T00:00:00Z'), Date.parse('2023-04-10T10:15:00Z'), 'complete']],
      );
    } finally {
      await source.close();
    }
  });

  test('kraken pages of 720 fill the same stretch', async () => {
    const source = new CcxtSource({ exchange: 'kraken', emulatorUrl: emulator.url });
    try {
      emulator.clock.setNow(Date.parse('2023-04-12T00:00:00Z'));
      const series: SeriesKey = { exchange: 'kraken', symbol: 'BTC/USDT', timeframe: '1m' };
      const windowStartMs = Date.parse('2023-04-11T12:00:00Z');
      const result = await new BackfillService({ source, store }).backfill({
        series,
        sinceMs: windowStartMs,
        untilMs: windowStartMs + 11 * HOUR_MS,
      });
      assert.deepEqual(result.missingRanges, []);
      assert.equal(result.pages, 1);
      assert.equal(await store.candles.countCandles(series), 11 * 60);
      const file = await readKlineFile(replayPath('binance_spot_1m/andresciancio/BTC_USDT-1m.json.gz'));
      const rows = new Map(file.rows.map((row) => [row.openTimeMs, row]));
      for (const candle of await store.candles.listCandles(series, {
        startMs: windowStartMs,
        endMs: windowStartMs + 11 * HOUR_MS,
      })) {
        assert.ok(sameOhlcv(candle, rows.get(candle.openTimeMs)!), new Date(candle.openTimeMs).toISOString());
      }
    } finally {
      await source.close();
    }
  });
});

describe('live ingestion from the emulator', () => {
  let emulator: RunningEmulator;

  before(async () => {
    // Replayed when the real data is there, simulated otherwise; 600× makes a minute last 100 ms.
    emulator = await startEmulator({
      ...(REPLAY_DIR && !replayDataSkip ? { replayDir: REPLAY_DIR, startTime: '2023-04-20T00:00:00Z' } : {}),
      speed: 600,
      tickMs: 50,
      simulatedHistoryDays: 2,
    });
    // The emulator builds a market on first use; pay that before the clock matters.
    await fetch(`${emulator.url}/binance/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1`);
  });

  after(async () => {
    await emulator?.close();
  });

  test('a bus that refuses every message: candles are still stored, each refusal is counted and told', async () => {
    const store = await openStore({ url: 'memory://' });
    const source = new CcxtSource({
      exchange: 'binance',
      emulatorUrl: emulator.url,
      simulated: emulator.simulated,
    });
    const bus = await createBus();
    await bus.close();
    const series: SeriesKey = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
    const told: string[] = [];
    const live = new LiveIngestionService({
      source,
      store,
      bus,
      markets: [{ symbol: 'BTC/USDT', timeframe: '1m', sinceMs: emulator.clock.nowMs() - HOUR_MS }],
      onPublishError: (error, family) => told.push(`${family}: ${(error as Error).message}`),
      clock: { now: () => 1_700_000_000_000 },
    });
    const controller = new AbortController();
    const running = live.run(controller.signal);
    try {
      await waitFor(async () => (await store.candles.countCandles(series)) > 60 + 5, 20_000);
    } finally {
      controller.abort();
      await running;
    }
    try {
      const stats = live.stats();
      assert.ok(stats.publishFailures > 0, 'refusals counted');
      assert.equal(stats.publishFailures, told.length, 'every refusal told');
      assert.ok(
        told.some((line) => line.startsWith('data.candles: ')),
        told.slice(0, 3).join('; '),
      );
      assert.equal(stats.lastPublishFailureAtMs, 1_700_000_000_000, 'time comes from the injected clock');
    } finally {
      await source.close();
      await store.close();
    }
  });

  for (const exchange of ['binance', 'kraken'] as const) {
    test(`${exchange}: streams candles, trades and top of book; every candle is the exchange's`, async () => {
      const store = await openStore({ url: 'memory://' });
      const source = new CcxtSource({ exchange, emulatorUrl: emulator.url, simulated: emulator.simulated });
      const bus = await createBus();
      const series: SeriesKey = { exchange, symbol: 'BTC/USDT', timeframe: '1m' };
      const published = { candles: 0, trades: 0, book: 0 };
      await bus.subscribe(topicPattern('candles'), () => void (published.candles += 1));
      await bus.subscribe(topicPattern('trades'), () => void (published.trades += 1));
      await bus.subscribe(topicPattern('book'), () => void (published.book += 1));
      const sinceMs = emulator.clock.nowMs() - HOUR_MS;
      let trustedAtMs: number | null = null;
      const live = new LiveIngestionService({
        source,
        store,
        bus,
        markets: [{ symbol: 'BTC/USDT', timeframe: '1m', sinceMs }],
        bookSampleIntervalMs: 500,
        onEvent: (event) => {
          if (event.type === 'trusted') trustedAtMs = event.fromMs;
        },
      });
      const controller = new AbortController();
      const running = live.run(controller.signal);
      try {
        await waitFor(async () => (await store.candles.countCandles(series)) > 60 + 20, 20_000);
      } finally {
        controller.abort();
        await running;
      }
      await bus.flush();
      try {
        assert.ok(trustedAtMs !== null, 'the REST repair finished before streamed candles were written');
        const latest = await store.candles.latestCandle(series);
        assert.ok(latest);
        const endMs = latest.openTimeMs + MINUTE_MS;
        assert.deepEqual(await store.coverage.missingRanges(series, { startMs: sinceMs, endMs }), []);
        await assertMatchesExchange(emulator, exchange, series, sinceMs, endMs, store);
        const stats = live.stats();
        assert.ok(stats.tradesWritten > 0, 'trades stored');
        assert.ok(stats.bookSamplesWritten > 0, 'top of book sampled');
        assert.equal(stats.reconnects, 0);
        assert.ok(
          published.candles > 0 && published.trades > 0 && published.book > 0,
          JSON.stringify(published),
        );
      } finally {
        await source.close();
        await bus.close();
        await store.close();
      }
    });
  }
});

describe("candles built from the emulator's trades", () => {
  test("equal the emulator's own candles for the same minutes", async () => {
    const emulator = await startEmulator({
      paused: true,
      // A fixed start just after the hour: the half hour before it is closed and settled.
      startTime: Date.UTC(2025, 0, 6, 12, 0, 30),
      simulatedHistoryDays: 1,
      seed: 5,
      tradesPerCandle: 20,
    });
    const source = new CcxtSource({ exchange: 'binance', emulatorUrl: emulator.url, enableRateLimit: false });
    try {
      const endMs = Math.floor(emulator.clock.nowMs() / HOUR_MS) * HOUR_MS;
      const startMs = endMs - 30 * MINUTE_MS;
      const trades = await source.fetchTrades({ symbol: 'BTC/USDT', sinceMs: startMs, limit: 1000 });
      assert.ok(trades.length > 30, `${trades.length} trades`);
      assert.ok(trades.length < 1000, 'the page holds every trade of the half hour');
      const ours = aggregateTrades({
        exchange: 'binance',
        symbol: 'BTC/USDT',
        timeframe: '1m',
        trades,
        range: { startMs, endMs },
      });
      const theirs = await source.fetchCandles({
        symbol: 'BTC/USDT',
        timeframe: '1m',
        sinceMs: startMs,
        limit: 30,
      });
      const tradedMinutes = theirs.filter((candle) => candle.volume > 0);
      assert.equal(ours.length, tradedMinutes.length);
      for (const [index, candle] of ours.entries()) {
        const exchangeCandle = tradedMinutes[index]!;
        assert.deepEqual(
          [candle.openTimeMs, candle.open, candle.high, candle.low, candle.close, candle.volume],
          [
            exchangeCandle.openTimeMs,
            exchangeCandle.open,
            exchangeCandle.high,
            exchangeCandle.low,
            exchangeCandle.close,
            exchangeCandle.volume,
          ],
          new Date(candle.openTimeMs).toISOString(),
        );
      }
    } finally {
      await source.close();
      await emulator.close();
    }
  });
});
