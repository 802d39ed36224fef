import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  startEmulator,
  type FaultKind,
  type FaultRuleInput,
  type RunningEmulator,
} from '@runecast/exchange-emulator';
import type { SeriesKey } from '@runecast/market';
import pino from 'pino';
import { BackfillService, type BackfillResult } from '../src/ingest/backfill.service.ts';
import { FaultReporter } from '../src/ingest/fault-reporter.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { LiveIngestionService, type LiveStats } from '../src/ingest/live.service.ts';
import { CcxtSource, type CcxtSourceStats } from '../src/sources/ccxt/ccxt.source.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { assertMatchesExchange, waitFor } from './ingest.helpers.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
// Each test ingests its own market, so one store serves a whole suite.
const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'XRP/USDT', 'ADA/USDT'];
const seriesOf = (symbol: string): SeriesKey => ({ exchange: 'binance', symbol, timeframe: '1m' });
const quickRetries = { initialDelayMs: 20, maxDelayMs: 200, multiplier: 2, jitterRatio: 0.5 };

describe('backfill survives every HTTP fault of the emulator', () => {
  let emulator: RunningEmulator;
  let store: Store;

  before(async () => {
    emulator = await startEmulator({
      paused: true,
      simulatedHistoryDays: 3,
      seed: 7,
      simulatedSymbols: SYMBOLS,
    });
    store = await openStore({ url: 'memory://' });
  });

  after(async () => {
    await store?.close();
    await emulator?.close();
  });

  interface HttpCase {
    kind: FaultKind;
    rule: FaultRuleInput;
    /** Request timeout of the source, when the case needs a short one. */
    timeoutMs?: number;
    check: (result: BackfillResult, elapsedMs: number, stats: CcxtSourceStats) => void;
  }
  const cases: HttpCase[] = [
    {
      kind: 'http-429',
      rule: { kind: 'http-429', endpoint: 'klines', count: 2, skip: 1, retryAfterSeconds: 1 },
      check: (result, elapsedMs, stats) => {
        assert.equal(result.faults.rate_limited, 2);
        assert.equal(result.rateLimited, 2);
        assert.equal(stats.rateLimited, 2);
        // Stretches fetched side by side can meet both refusals at once and wait out one
        // Retry-After together; never less than one.
        assert.ok(elapsedMs >= 1_000, `waited ${elapsedMs} ms, Retry-After asked for 1 s`);
      },
    },
    {
      kind: 'http-418',
      rule: { kind: 'http-418', endpoint: 'klines', count: 1, skip: 2, retryAfterSeconds: 2 },
      check: (result, elapsedMs) => {
        assert.equal(result.faults.rate_limited, 1);
        assert.ok(elapsedMs >= 2_000, `waited ${elapsedMs} ms, Retry-After asked for 2 s`);
      },
    },
    {
      kind: 'http-5xx',
      rule: { kind: 'http-5xx', endpoint: 'klines', count: 3, statusCode: 502 },
      check: (result) => {
        assert.equal(result.faults.transient, 3);
        assert.equal(result.retries, 3);
      },
    },
    {
      kind: 'http-slow',
      rule: { kind: 'http-slow', endpoint: 'klines', count: 2, skip: 1, delayMs: 4_000 },
      timeoutMs: 1_500,
      check: (result) => {
        assert.ok((result.faults.transient ?? 0) >= 2, 'a request slower than the timeout is retried');
      },
    },
  ];

  cases.forEach(({ kind, rule, timeoutMs, check }, index) => {
    test(`${kind}: recovers, nothing missing, the fault counted`, async () => {
      const series = seriesOf(SYMBOLS[index]!);
      emulator.faults.clear({ resetCounters: true });
      emulator.faults.add({ exchange: 'binance', ...rule });
      const source = new CcxtSource({
        exchange: 'binance',
        emulatorUrl: emulator.url,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
      const untilMs = Math.floor(emulator.clock.nowMs() / MINUTE_MS) * MINUTE_MS - HOUR_MS;
      const sinceMs = untilMs - 36 * HOUR_MS;
      const metrics = createMetrics();
      const lines: { level: number; msg: string }[] = [];
      const logger = pino(
        { level: 'debug' },
        { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) },
      );
      const faults = new FaultReporter({
        logger,
        metrics: { faults: metrics.ingest.faults, retries: metrics.ingest.retries },
      });
      try {
        const startedMs = Date.now();
        const result = await new BackfillService({
          source,
          store,
          pageLimit: 500,
          backoff: quickRetries,
          faults,
        }).backfill({
          series,
          sinceMs,
          untilMs,
        });
        const elapsedMs = Date.now() - startedMs;
        assert.equal(emulator.faults.injected(kind), rule.count, `the emulator injected ${kind}`);
        assert.deepEqual(result.missingRanges, []);
        assert.deepEqual(
          await store.coverage.missingRanges(series, { startMs: sinceMs, endMs: untilMs }),
          [],
        );
        assert.equal(await store.candles.countCandles(series), 36 * 60);
        check(result, elapsedMs, source.stats());
        // Every fault and every retry is a labelled metric; each run of faults is a warning and
        // its end one recovery line.
        const counted = async (name: string) =>
          (await metrics.registry.getSingleMetric(name)!.get()).values
            .filter((value) => value.labels.exchange === 'binance' && value.labels.source === 'backfill')
            .reduce((sum, value) => sum + value.value, 0);
        const faultCount = Object.values(result.faults).reduce((sum, count) => sum + count, 0);
        assert.equal(await counted('runecast_ingest_faults_total'), faultCount);
        assert.equal(await counted('runecast_ingest_retries_total'), result.retries);
        assert.ok(
          lines.some((line) => line.level === 40 && /^exchange fault: binance backfill /.test(line.msg)),
          'a warning names the fault',
        );
        assert.ok(
          lines.some((line) => line.level === 30 && /^exchange recovered: binance backfill/.test(line.msg)),
          'the recovery is logged',
        );
        emulator.faults.clear();
        await assertMatchesExchange(emulator, 'binance', series, sinceMs, untilMs, store);
      } finally {
        await source.close();
      }
    });
  });
});

describe('live ingestion survives every websocket fault of the emulator', () => {
  let emulator: RunningEmulator;
  let store: Store;

  before(async () => {
    emulator = await startEmulator({
      speed: 600,
      tickMs: 50,
      simulatedHistoryDays: 1,
      seed: 11,
      simulatedSymbols: SYMBOLS,
    });
    store = await openStore({ url: 'memory://' });
    // The emulator builds a market on first use; pay that before its clock matters.
    for (const symbol of SYMBOLS) {
      await fetch(
        `${emulator.url}/binance/api/v3/klines?symbol=${symbol.replace('/', '')}&interval=1m&limit=1`,
      );
    }
  });

  after(async () => {
    await store?.close();
    await emulator?.close();
  });

  interface StreamCase {
    name: string;
    kind: FaultKind;
    rules: FaultRuleInput[];
    /** How many times the fault must have fired before the run stops. */
    atLeast: number;
    /** Holds once the client has read and counted the faults; the run waits for it. */
    counted?: (stats: LiveStats, source: CcxtSourceStats) => boolean;
    check: (stats: LiveStats, source: CcxtSourceStats) => void;
  }
  const cases: StreamCase[] = [
    {
      name: 'ws-drop mid-stream',
      kind: 'ws-drop',
      rules: [{ kind: 'ws-drop', stream: 'kline', count: 2, skip: 15 }],
      atLeast: 2,
      // A drop while no watch call is waiting (between two calls) surfaces as no error: ccxt
      // opens a new connection on the next call. So of the two drops, at least one is seen.
      check: (stats) => {
        assert.ok(stats.reconnects >= 1, `reconnects ${stats.reconnects}`);
        assert.ok((stats.faults.disconnected ?? 0) >= 1, JSON.stringify(stats.faults));
        assert.ok(stats.gapRepairs >= 1, 'the gap is fetched over REST after reconnecting');
      },
    },
    {
      name: 'ws-malformed (cut JSON)',
      kind: 'ws-malformed',
      rules: [{ kind: 'ws-malformed', stream: 'kline', variant: 'truncated-json', count: 2, skip: 10 }],
      atLeast: 2,
      counted: (stats) => stats.badMessages >= 1,
      check: (stats, source) => {
        assert.ok(source.malformedStreamMessages >= 2, `malformed frames ${source.malformedStreamMessages}`);
        // Two bad frames on one connection end it once.
        assert.ok(stats.badMessages >= 1, `bad messages ${stats.badMessages}`);
        assert.ok((stats.faults.malformed_response ?? 0) >= 1, JSON.stringify(stats.faults));
        assert.ok(stats.reconnects >= 1);
      },
    },
    {
      name: 'ws-malformed (NaN and negative values)',
      kind: 'ws-malformed',
      rules: [
        // Two candle faults far apart: a bad update that a good one for the same candle follows
        // before the client reads it is replaced in the client's cache and never seen.
        { kind: 'ws-malformed', stream: 'kline', variant: 'bad-values', count: 1, skip: 10 },
        { kind: 'ws-malformed', stream: 'kline', variant: 'bad-values', count: 1, skip: 40 },
        { kind: 'ws-malformed', stream: 'trade', variant: 'bad-values', count: 3, skip: 10 },
        { kind: 'ws-malformed', stream: 'bookTicker', variant: 'bad-values', count: 3, skip: 5 },
      ],
      atLeast: 8,
      counted: (stats, source) =>
        stats.badMessages >= 1 && source.rejectedTrades >= 3 && source.rejectedBookUpdates >= 3,
      check: (stats, source) => {
        // Two bad updates can arrive in one read and end the connection once.
        assert.ok(stats.badMessages >= 1, `bad messages ${stats.badMessages}`);
        assert.ok((stats.faults.malformed_response ?? 0) >= 1, JSON.stringify(stats.faults));
        assert.ok(source.rejectedCandleRows >= 1);
        assert.ok(source.rejectedTrades >= 3, 'bad trades are dropped and counted');
        assert.ok(source.rejectedBookUpdates >= 3, 'bad books are dropped and counted');
      },
    },
    {
      name: 'ws-out-of-order',
      kind: 'ws-out-of-order',
      rules: [{ kind: 'ws-out-of-order', stream: 'kline', probability: 0.3 }],
      atLeast: 10,
      check: (stats, source) => {
        assert.ok(
          source.outOfOrderStreamMessages >= 5,
          `out-of-order updates seen: ${source.outOfOrderStreamMessages} (stream) ${stats.outOfOrderMessages} (final)`,
        );
      },
    },
    {
      name: 'ws-duplicate',
      kind: 'ws-duplicate',
      rules: [
        { kind: 'ws-duplicate', stream: 'kline', probability: 0.3 },
        { kind: 'ws-duplicate', stream: 'trade', probability: 0.3 },
      ],
      atLeast: 10,
      check: (stats) => {
        assert.ok(stats.duplicateMessages >= 1, `duplicates ${stats.duplicateMessages}`);
      },
    },
  ];

  cases.forEach(({ name, kind, rules, atLeast, counted, check }, index) => {
    test(`${name}: recovers, nothing missing, the fault counted`, async () => {
      const series = seriesOf(SYMBOLS[index]!);
      emulator.faults.clear({ resetCounters: true });
      for (const rule of rules) emulator.faults.add({ exchange: 'binance', ...rule });
      const source = new CcxtSource({ exchange: 'binance', emulatorUrl: emulator.url });
      const sinceMs = emulator.clock.nowMs() - HOUR_MS;
      let trusted = false;
      const live = new LiveIngestionService({
        source,
        store,
        markets: [{ symbol: series.symbol, timeframe: '1m', sinceMs }],
        reconnectBackoff: quickRetries,
        bookSampleIntervalMs: 1_000,
        onEvent: (event) => {
          if (event.type === 'trusted') trusted = true;
        },
      });
      const controller = new AbortController();
      const running = live.run(controller.signal);
      try {
        // The client counts a fault when it reads the message, which can be later than the send.
        await waitFor(
          async () =>
            trusted &&
            emulator.faults.injected(kind) >= atLeast &&
            (counted?.(live.stats(), source.stats()) ?? true),
          45_000,
        );
        // Some healthy minutes after the last fault, so the stream is trusted again.
        const countAfterFaults = await store.candles.countCandles(series);
        await waitFor(
          async () => (await store.candles.countCandles(series)) >= countAfterFaults + 10,
          45_000,
        );
      } finally {
        controller.abort();
        await running;
      }
      emulator.faults.clear();
      try {
        const latest = await store.candles.latestCandle(series);
        assert.ok(latest);
        const endMs = latest.openTimeMs + MINUTE_MS;
        assert.deepEqual(await store.coverage.missingRanges(series, { startMs: sinceMs, endMs }), []);
        await assertMatchesExchange(emulator, 'binance', series, sinceMs, endMs, store);
        check(live.stats(), source.stats());
      } finally {
        await source.close();
      }
    });
  });
});
