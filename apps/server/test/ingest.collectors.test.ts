import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Clock, type SeriesKey, systemClock, UnsupportedError } from '@runecast/market';
import { createBus } from '../src/bus/create-bus.ts';
import { Collectors } from '../src/ingest/collectors.ts';
import { SnapshotCollector } from '../src/ingest/snapshot-collector.ts';
import { TextCollector } from '../src/ingest/text-collector.ts';
import { createLogger } from '../src/observability/logger.ts';
import { SourceRegistry } from '../src/sources/source-registry.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { StaticSnapshotSource } from './support/sources/static-snapshot.source.ts';
import { StaticTextSource } from './support/sources/static-text.source.ts';

const MINUTE_MS = 60_000;
/** 2025-10-01T00:00Z */
const START_MS = Date.UTC(2025, 9, 1);
const DOG = 'DOG•GO•TO•THE•MOON/SATS';

class ManualClock implements Clock {
  constructor(public nowMs: number) {}
  now(): number {
    return this.nowMs;
  }
}

const logger = createLogger('silent');
let store: Store;

before(async () => {
  store = await openStore();
});

after(async () => {
  await store?.close();
});

describe('snapshot collector', () => {
  test('polls become candles of the poll timeframe, stats become metric points, a missed poll stays a gap', async () => {
    const clock = new ManualClock(START_MS + MINUTE_MS);
    // Price and total volume follow the clock, so each poll is known in advance.
    const source = new StaticSnapshotSource(
      'runesa',
      [
        {
          symbol: DOG,
          name: 'DOG•GO•TO•THE•MOON',
          price: (timeMs) => 1 + (timeMs - START_MS) / MINUTE_MS / 100,
          metrics: (timeMs) => ({
            holders: 100 + (timeMs - START_MS) / MINUTE_MS,
            volume_total_btc: (timeMs - START_MS) / MINUTE_MS,
          }),
        },
      ],
      clock,
      { pollTimeframe: '5m', cumulativeVolumeMetric: 'volume_total_btc' },
    );
    const collector = new SnapshotCollector({
      source,
      store,
      bus: null,
      clock,
      logger,
      symbols: () => [DOG],
    });
    const series: SeriesKey = { exchange: 'runesa', symbol: DOG, timeframe: '5m' };

    assert.equal(await collector.pollOnce(), 1); // 00:01, price 1.01
    clock.nowMs = START_MS + 3 * MINUTE_MS;
    await collector.pollOnce(); // 00:03, price 1.03
    clock.nowMs = START_MS + 6 * MINUTE_MS;
    await collector.pollOnce(); // 00:06, price 1.06: a new slot, the first one closes
    clock.nowMs = START_MS + 11 * MINUTE_MS;
    source.failNext(1);
    await assert.rejects(collector.pollOnce(), /503/); // 00:10 slot missed
    clock.nowMs = START_MS + 16 * MINUTE_MS;
    await collector.pollOnce(); // 00:16

    const candles = await store.candles.listCandles(series, {
      startMs: START_MS,
      endMs: START_MS + 20 * MINUTE_MS,
    });
    assert.deepEqual(
      candles.map((candle) => [
        (candle.openTimeMs - START_MS) / MINUTE_MS,
        candle.open,
        candle.high,
        candle.low,
        candle.close,
        candle.volume,
        candle.closed,
      ]),
      [
        [0, 1.01, 1.03, 1.01, 1.03, 2, true],
        [5, 1.06, 1.06, 1.06, 1.06, 3, true],
        // The growth over the missed slot is not put into the next candle.
        [15, 1.16, 1.16, 1.16, 1.16, 0, false],
      ],
    );
    const holders = await store.metricPoints.listPoints('runesa', DOG, 'holders', {
      startMs: START_MS,
      endMs: START_MS + 20 * MINUTE_MS,
    });
    assert.deepEqual(
      holders.map((point) => point.value),
      [101, 103, 106, 116],
    );
    const missing = await store.coverage.missingRanges(series, {
      startMs: START_MS,
      endMs: START_MS + 20 * MINUTE_MS,
    });
    assert.deepEqual(missing, [{ startMs: START_MS + 10 * MINUTE_MS, endMs: START_MS + 15 * MINUTE_MS }]);

    const health = await collector.healthCheck().check();
    assert.equal(health.state, 'ok');
    assert.equal(collector.stats().failures, 1);
    const state = await store.instruments.get('runesa', DOG);
    assert.deepEqual(
      [state?.price, state?.metrics.holders, state?.observedAtMs],
      [1.16, 116, START_MS + 16 * MINUTE_MS],
    );
    assert.equal(state?.firstSeenAtMs, START_MS + MINUTE_MS);
  });

  test('after a restart, a slot already begun continues from its stored candle', async () => {
    const clock = new ManualClock(START_MS + MINUTE_MS);
    const instrument = {
      symbol: DOG,
      name: 'DOG•GO•TO•THE•MOON',
      price: (timeMs: number) => (timeMs === START_MS + MINUTE_MS ? 2 : 1),
      metrics: () => ({}),
    };
    const first = new SnapshotCollector({
      source: new StaticSnapshotSource('runesb', [instrument], clock),
      store,
      bus: null,
      clock,
      logger,
      symbols: () => [DOG],
    });
    await first.pollOnce();
    clock.nowMs = START_MS + 2 * MINUTE_MS;
    const second = new SnapshotCollector({
      source: new StaticSnapshotSource('runesb', [instrument], clock),
      store,
      bus: null,
      clock,
      logger,
      symbols: () => [DOG],
    });
    await second.pollOnce();
    const [candle] = await store.candles.listCandles(
      { exchange: 'runesb', symbol: DOG, timeframe: '5m' },
      { startMs: START_MS, endMs: START_MS + 5 * MINUTE_MS },
    );
    assert.deepEqual([candle?.open, candle?.high, candle?.low, candle?.close], [2, 2, 1, 1]);
  });

  test('health turns degraded after three periods without a successful poll', async () => {
    const clock = new ManualClock(START_MS);
    const source = new StaticSnapshotSource('runesc', [], clock);
    const collector = new SnapshotCollector({
      source,
      store,
      bus: null,
      clock,
      logger,
      symbols: () => [DOG],
    });
    await collector.pollOnce();
    clock.nowMs += 16 * MINUTE_MS;
    source.failNext(1);
    await assert.rejects(collector.pollOnce());
    const health = await collector.healthCheck().check();
    assert.equal(health.state, 'degraded');
    assert.match(health.reason ?? '', /503/);
  });

  test('a first poll still under way is healthy until it has taken three periods', async () => {
    const clock = new ManualClock(START_MS);
    const source = new StaticSnapshotSource('runesd', [], clock);
    let release: (symbols: string[]) => void = () => undefined;
    const symbols = new Promise<string[]>((resolve) => (release = resolve));
    const collector = new SnapshotCollector({
      source,
      store,
      bus: null,
      clock,
      logger,
      symbols: () => symbols,
    });
    const cycle = collector.pollOnce();
    clock.nowMs += 2 * MINUTE_MS;
    assert.equal((await collector.healthCheck().check()).state, 'ok');
    clock.nowMs += 14 * MINUTE_MS;
    const stalled = await collector.healthCheck().check();
    assert.equal(stalled.state, 'degraded');
    assert.equal(stalled.reason, 'no successful poll in three periods');
    release([DOG]);
    await cycle;
    assert.equal((await collector.healthCheck().check()).state, 'ok');
  });
});

describe('text collector', () => {
  test('stores every item once, resumes after the newest stored item, keeps the first seen time', async () => {
    const clock = new ManualClock(START_MS + 10 * MINUTE_MS);
    const message = (id: number) => ({
      channel: 'c1',
      id: String(id),
      publishedAtMs: START_MS + id * MINUTE_MS,
      title: null,
      body: `message ${id}`,
      url: null,
      author: null,
    });
    const source = new StaticTextSource('chat', [1, 2, 3, 4, 5].map(message));
    const collector = new TextCollector({ source, store, clock, logger });
    assert.equal(await collector.pollOnce(), 5);
    assert.equal(await collector.pollOnce(), 0);
    clock.nowMs = START_MS + 20 * MINUTE_MS;
    source.post(message(6));
    assert.equal(await collector.pollOnce(), 1);
    const items = await store.textItems.listItems('chat', 'c1', {
      startMs: START_MS,
      endMs: START_MS + 30 * MINUTE_MS,
    });
    assert.deepEqual(
      items.map((item) => [item.id, item.seenAtMs]),
      [
        ['1', START_MS + 10 * MINUTE_MS],
        ['2', START_MS + 10 * MINUTE_MS],
        ['3', START_MS + 10 * MINUTE_MS],
        ['4', START_MS + 10 * MINUTE_MS],
        ['5', START_MS + 10 * MINUTE_MS],
        ['6', START_MS + 20 * MINUTE_MS],
      ],
    );
  });
});

describe('collectors of registered sources', () => {
  test('one collector per registered snapshot and text source; top instruments plus tracked ones are polled', async () => {
    const sources = new SourceRegistry();
    const instruments = ['AAA•RUNE/SATS', 'BBB•RUNE/SATS', 'CCC•RUNE/SATS'].map((symbol) => ({
      symbol,
      name: symbol.split('/')[0] ?? symbol,
      price: () => 1,
      metrics: () => ({ holders: 7 }),
    }));
    sources.register('runesd', {
      snapshots: () => new StaticSnapshotSource('runesd', instruments, systemClock),
    });
    sources.register('chatd', {
      text: () =>
        new StaticTextSource('chatd', [
          {
            channel: 'c',
            id: '1',
            publishedAtMs: START_MS,
            title: null,
            body: 'gm',
            url: null,
            author: null,
          },
        ]),
    });
    assert.deepEqual(
      sources.describe().map((entry) => [entry.id, entry.kinds]),
      [
        ['chatd', ['text']],
        ['runesd', ['snapshots']],
      ],
    );
    assert.throws(() => sources.get('runesd'), UnsupportedError);
    const bus = await createBus();
    const collectors = new Collectors({
      sources,
      store,
      bus,
      clock: systemClock,
      logger,
      trackedMarkets: () => [{ exchange: 'runesd', symbol: 'CCC•RUNE/SATS', added: true }],
      topInstruments: 1,
    });
    collectors.start();
    assert.deepEqual([...collectors.sourceIds()].sort(), ['chatd', 'runesd']);
    try {
      const deadline = Date.now() + 10_000;
      const polled = async () =>
        (
          await Promise.all(
            instruments.map(
              async ({ symbol }) => (await store.metricPoints.latestPoints('runesd', symbol)).length > 0,
            ),
          )
        ).map(Boolean);
      while (Date.now() < deadline && (await polled()).filter(Boolean).length < 2) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.deepEqual(await polled(), [true, false, true]);
      assert.equal((await store.textItems.latestItem('chatd', 'c'))?.body, 'gm');
      assert.deepEqual(
        (await Promise.all(collectors.healthChecks().map((check) => check.check()))).map(
          (health) => health.state,
        ),
        ['ok', 'ok'],
      );
    } finally {
      await collectors.stop();
      await sources.close();
      await bus.close();
    }
  });
});
