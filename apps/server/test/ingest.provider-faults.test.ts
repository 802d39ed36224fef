import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { startEmulator, type RunningEmulator } from '@runecast/exchange-emulator';
import { type Clock, systemClock } from '@runecast/market';
import { FaultReporter } from '../src/ingest/fault-reporter.ts';
import { SnapshotCollector } from '../src/ingest/snapshot-collector.ts';
import { TextCollector } from '../src/ingest/text-collector.ts';
import { createMetrics, type RunecastMetrics } from '../src/observability/metrics.ts';
import { NewsFeedSource } from '../src/sources/news/news-feed.source.ts';
import { newsFeedsFor } from '../src/sources/news/news-sources.ts';
import { OrdiscanSource } from '../src/sources/ordiscan/ordiscan.source.ts';
import { EMULATED_RUNES_PATHS } from '../src/sources/runes/runes-sources.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { REPLAY_DIR, replayDataSkip } from './support/replay-data.ts';

const DOG = 'DOG•GO•TO•THE•MOON/SATS';

interface Line {
  level: number;
  msg: string;
  exchange?: string;
  source?: string;
  faults?: number;
}

/** A fault reporter on a fresh registry whose log lines are kept for the test to read. */
function reporter(): { metrics: RunecastMetrics; lines: Line[]; faults: FaultReporter } {
  const metrics = createMetrics({ processMetrics: false });
  const lines: Line[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Line) },
  );
  const faults = new FaultReporter({
    logger,
    metrics: { faults: metrics.ingest.faults, retries: metrics.ingest.retries },
  });
  return { metrics, lines, faults };
}

/** `kind` → value of one metric family, for the series of one exchange label and source label. */
async function byKind(
  metrics: RunecastMetrics,
  name: string,
  exchange: string,
  source: string,
): Promise<Record<string, number>> {
  const metric = metrics.registry.getSingleMetric(name);
  assert.ok(metric, `${name} is registered`);
  return Object.fromEntries(
    (await metric.get()).values
      .filter((value) => value.labels.exchange === exchange && value.labels.source === source)
      .map((value) => [String(value.labels.kind), value.value]),
  );
}

const warnings = (lines: Line[]) => lines.filter((line) => line.level === 40);
const recoveries = (lines: Line[]) => lines.filter((line) => line.msg.startsWith('exchange recovered'));

describe('runes provider faults from the emulator', () => {
  let emulator: RunningEmulator;
  let store: Store;

  before(async () => {
    emulator = await startEmulator({ paused: true, seed: 5, simulatedRuneCount: 20 });
    store = await openStore();
  });
  after(async () => {
    await store?.close();
    await emulator?.close();
  });

  test('each failed cycle is counted by kind; each outage and its recovery are logged once', async () => {
    const { metrics, lines, faults } = reporter();
    const clock: Clock = systemClock;
    const collector = new SnapshotCollector({
      source: new OrdiscanSource({
        baseUrl: `${emulator.url}${EMULATED_RUNES_PATHS.ordiscan}`,
        apiKey: async () => 'test-key',
        simulated: true,
      }),
      store,
      bus: null,
      clock,
      logger: pino({ level: 'silent' }),
      symbols: () => [DOG],
      cycleTimeoutMs: 1_500,
      faults,
    });

    assert.equal(await collector.pollOnce(), 1);
    assert.equal(recoveries(lines).length, 0, 'no recovery without an outage');

    // Outage 1: three cycles answered 502, then a good one.
    emulator.faults.add({ kind: 'http-5xx', exchange: 'ordiscan', statusCode: 502, count: 3 });
    for (let cycle = 0; cycle < 3; cycle += 1) await assert.rejects(collector.pollOnce(), /502/);
    assert.equal(warnings(lines).length, 1, 'the outage is one warning, not one per failed request');
    assert.equal(await collector.pollOnce(), 1);
    assert.equal(recoveries(lines).length, 1);
    assert.equal(recoveries(lines)[0]?.faults, 3);
    assert.equal(recoveries(lines)[0]?.exchange, 'ordiscan');
    assert.equal(recoveries(lines)[0]?.source, 'snapshots');

    // Outage 2: a 429, then a request slower than the cycle's deadline, then a good cycle.
    emulator.faults.add({ kind: 'http-429', exchange: 'ordiscan', retryAfterSeconds: 1, count: 1 });
    await assert.rejects(collector.pollOnce(), /429/);
    emulator.faults.add({ kind: 'http-slow', exchange: 'ordiscan', delayMs: 5_000, count: 1 });
    await assert.rejects(collector.pollOnce());
    assert.equal(await collector.pollOnce(), 1);
    assert.equal(await collector.pollOnce(), 1);

    assert.deepEqual(await byKind(metrics, 'runecast_ingest_faults_total', 'ordiscan', 'snapshots'), {
      server_error: 3,
      rate_limited: 1,
      timeout: 1,
    });
    assert.deepEqual(await byKind(metrics, 'runecast_ingest_retries_total', 'ordiscan', 'snapshots'), {
      server_error: 3,
      rate_limited: 1,
      timeout: 1,
    });
    // One warning per outage and per new kind within it; one recovery line per outage.
    assert.equal(warnings(lines).length, 3);
    assert.equal(recoveries(lines).length, 2);
    assert.equal(recoveries(lines)[1]?.faults, 2);
  });
});

describe('news feed faults from the emulator', { skip: replayDataSkip }, () => {
  let emulator: RunningEmulator;
  let store: Store;

  before(async () => {
    emulator = await startEmulator({ paused: true, replayDir: REPLAY_DIR ?? '' });
    store = await openStore();
  });
  after(async () => {
    await store?.close();
    await emulator?.close();
  });

  test("a feed's 5xx and malformed answers are counted; its outage and recovery are logged once each", async () => {
    const { metrics, lines, faults } = reporter();
    const [feed] = newsFeedsFor({ configured: null, emulatorUrl: emulator.url, replay: true });
    if (!feed) throw new Error('no emulated news feed');
    const source = new NewsFeedSource({ feeds: [feed], pageLimit: 10 });
    const collector = new TextCollector({
      source,
      store,
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      faults,
    });
    const channel = `text:${feed.id}`;

    await collector.pollOnce();
    emulator.faults.add({ kind: 'http-5xx', exchange: 'news', statusCode: 502, count: 2 });
    await assert.rejects(collector.pollOnce(), /502/);
    await assert.rejects(collector.pollOnce(), /502/);
    emulator.faults.add({ kind: 'feed-malformed', exchange: 'news', count: 1 });
    await assert.rejects(collector.pollOnce(), /not a readable feed/);
    await collector.pollOnce();
    await collector.pollOnce();

    assert.deepEqual(await byKind(metrics, 'runecast_ingest_faults_total', 'news', channel), {
      server_error: 2,
      malformed_response: 1,
    });
    assert.deepEqual(await byKind(metrics, 'runecast_ingest_retries_total', 'news', channel), {
      server_error: 2,
      malformed_response: 1,
    });
    // The outage starts with one warning and the malformed answer, a new kind, adds one.
    assert.equal(warnings(lines).length, 2);
    assert.equal(recoveries(lines).length, 1);
    assert.equal(recoveries(lines)[0]?.faults, 3);
    assert.equal(recoveries(lines)[0]?.source, channel);
  });
});
