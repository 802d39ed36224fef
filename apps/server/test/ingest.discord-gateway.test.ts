import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  DISCORD_REPLAY_CHANNELS,
  startEmulator,
  type DiscordLiveChannels,
  type RunningEmulator,
} from '@runecast/exchange-emulator';
import type { Clock } from '@runecast/market';
import { TextCollector } from '../src/ingest/text-collector.ts';
import { liveFeedSeries } from '../src/ingest/text-live-collector.ts';
import { TextMetricsWriter, textMetricMarketOf } from '../src/ingest/text-metrics-writer.ts';
import { createLogger } from '../src/observability/logger.ts';
import { LexiconSentimentScorer } from '../src/signals/lexicon.scorer.ts';
import { TextAnalyser } from '../src/signals/text-analysis.ts';
import { DiscordSource } from '../src/sources/discord/discord.source.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { REPLAY_DIR, replayDataSkip } from './support/replay-data.ts';

const TOKEN = 'gateway-bot-token-for-tests';
const DOGECOIN = (() => {
  const channel = DISCORD_REPLAY_CHANNELS.find((entry) => entry.subreddit === 'dogecoin')!;
  return { id: channel.id, name: channel.name, about: [...channel.about] };
})();
const MINUTE_MS = 60_000;

/** Polls `check` until it holds (or throws with `what` after the timeout). */
async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wait) => setTimeout(wait, 50));
  }
}

describe('discord gateway collection from the emulator', { skip: replayDataSkip }, () => {
  let emulator: RunningEmulator;
  let channels: DiscordLiveChannels;
  let store: Store;
  /** The collector's clock: minutes of the coverage ledger move only when a test moves it. */
  let nowMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS + 30_000;
  const clock: Clock = { now: () => nowMs };
  const running: { controller: AbortController; run: Promise<void>; source: DiscordSource }[] = [];

  const startCollector = (): TextCollector => {
    const analyser = new TextAnalyser(new LexiconSentimentScorer(), () => ['DOGE', 'BTC']);
    const source = new DiscordSource({
      channels: [DOGECOIN],
      apiUrl: `${emulator.url}/discord/api`,
      botToken: async () => TOKEN,
      gateway: true,
      pollIntervalMs: 3_600_000,
    });
    const collector = new TextCollector({
      source,
      store,
      clock,
      logger: createLogger('silent'),
      analyse: (item, channel) => analyser.analyse(item, channel.about),
      live: { tickMs: 100, restartDelayMs: 200 },
    });
    const controller = new AbortController();
    running.push({ controller, run: collector.run(controller.signal), source });
    return collector;
  };
  const stopCollectors = async (): Promise<void> => {
    for (const { controller } of running) controller.abort();
    await Promise.all(running.map(({ run }) => run));
    for (const { source } of running) await source.close();
    running.length = 0;
  };
  const caughtUp = (collector: TextCollector, catchUps = 1) =>
    until(
      () => collector.liveStats()?.state === 'live' && (collector.liveStats()?.catchUps ?? 0) >= catchUps,
      `live and caught up ${catchUps} times`,
    );
  const stored = (id: string) => store.textItems.getItem('discord', DOGECOIN.id, id);

  before(async () => {
    emulator = await startEmulator({
      paused: true,
      replayDir: REPLAY_DIR ?? '',
      discordBotTokens: [TOKEN],
      discordRateLimit: { routeLimit: 1000, globalLimit: 1000 },
      discordGateway: { messageIntervalMs: 0, heartbeatIntervalMs: 2_000 },
    });
    channels = (await emulator.discordChannels())!;
  });
  after(async () => {
    await stopCollectors();
    await emulator?.close();
  });
  beforeEach(async () => {
    emulator.faults.clear();
    await stopCollectors();
    await store?.close();
    store = await openStore();
  });

  test('new messages are stored, edits replace the text and its score, deletions leave a tombstone', async () => {
    const collector = startCollector();
    await caughtUp(collector);
    const posted = channels.post(DOGECOIN.id, 'DOGE looking strong, great breakout with bullish volume');
    await until(async () => (await stored(posted.id)) !== null, 'the new message');
    const created = (await stored(posted.id))!;
    assert.equal(created.body, posted.content);
    assert.ok((created.sentiment ?? 0) > 0, `positive (${created.sentiment})`);
    assert.ok(created.mentions.includes('DOGE'));
    assert.equal(created.editedAtMs, null);

    channels.edit(posted.id, 'DOGE dumping hard, ugly crash and terrible losses');
    await until(async () => (await stored(posted.id))?.editedAtMs !== null, 'the edit');
    const edited = (await stored(posted.id))!;
    assert.equal(edited.body, 'DOGE dumping hard, ugly crash and terrible losses');
    assert.ok((edited.sentiment ?? 0) < 0, `negative after the edit (${edited.sentiment})`);
    assert.equal(edited.publishedAtMs, created.publishedAtMs);

    channels.delete(posted.id);
    await until(async () => (await stored(posted.id))?.deletedAtMs !== null, 'the deletion');
    const deleted = (await stored(posted.id))!;
    assert.equal(deleted.body, '');
    assert.equal(deleted.publishedAtMs, created.publishedAtMs);
    assert.equal(deleted.seenAtMs, created.seenAtMs);
    assert.equal(deleted.deletedAtMs, nowMs);
    const listed = await store.textItems.queryItems({ source: 'discord', limit: 5 });
    assert.ok(!listed.some((item) => item.id === posted.id), 'a deleted message is not listed');
    const known = await store.textItems.listKnown('discord', { startMs: 0, endMs: nowMs + MINUTE_MS });
    assert.ok(known.every((item) => item.deletedAtMs === null || item.deletedAtMs === nowMs));

    // A history page read before the deletion does not bring the text back.
    await store.textItems.upsertItems([{ ...created, body: 'stale copy' }]);
    assert.equal((await stored(posted.id))?.body, '');

    // Text-free messages (no MESSAGE_CONTENT, attachments only) are rejected with the reason, counted.
    channels.post(DOGECOIN.id, '   ');
    await until(() => (collector.liveStats()?.rejected ?? 0) === 1, 'the rejection');
    assert.match(collector.liveStats()?.lastRejection ?? '', /no text/);
    const health = await collector.healthCheck().check();
    assert.equal((health.details as { itemsRejected: number }).itemsRejected, 1);
    assert.deepEqual(
      [collector.liveStats()?.created, collector.liveStats()?.edited, collector.liveStats()?.deleted],
      [1, 1, 1],
    );
  });

  test('a dropped connection resumes: the missed messages arrive once, no catch-up needed', async () => {
    const collector = startCollector();
    await caughtUp(collector);
    emulator.faults.add({ kind: 'ws-drop', exchange: 'discord', stream: 'gateway' });
    const posted = [
      channels.post(DOGECOIN.id, 'first while dropping'),
      channels.post(DOGECOIN.id, 'second while away'),
      channels.post(DOGECOIN.id, 'third while away'),
    ];
    await until(
      async () => (await Promise.all(posted.map((message) => stored(message.id)))).every(Boolean),
      'the missed messages',
    );
    const stats = collector.liveStats()!;
    assert.equal(emulator.faults.injected('ws-drop'), 1);
    assert.equal(stats.resumes, 1);
    assert.equal(stats.newSessions, 1, 'no new session');
    assert.equal(stats.catchUps, 1, 'no catch-up');
    assert.equal(stats.created, 3, 'each message once');
    assert.ok(
      emulator.discordGateway.history().some((entry) => entry.kind === 'resumed' && entry.detail === 3),
    );
  });

  test('an unanswered heartbeat is taken for a zombie connection: closed and resumed', async () => {
    const collector = startCollector();
    await caughtUp(collector);
    emulator.faults.add({ kind: 'gateway-no-ack', exchange: 'discord', stream: 'gateway' });
    await until(() => (collector.liveStats()?.resumes ?? 0) === 1, 'the resume', 30_000);
    const posted = channels.post(DOGECOIN.id, 'after the zombie connection');
    await until(async () => (await stored(posted.id)) !== null, 'a message on the resumed session');
    assert.equal(collector.liveStats()?.newSessions, 1);
    assert.equal(emulator.faults.injected('gateway-no-ack'), 1);
  });

  test('a bot without the Message Content intent: the gateway refuses it (4014), health says why', async () => {
    emulator.discordGateway.configure({ allowMessageContent: false });
    try {
      const collector = startCollector();
      await until(() => collector.liveStats()?.state === 'failed', 'the refusal');
      const health = await collector.healthCheck().check();
      assert.equal(health.state, 'degraded');
      assert.match(health.reason ?? '', /4014.*Message Content intent/);
      emulator.discordGateway.configure({ allowMessageContent: true });
      // Tried again after the restart delay (on the collector's clock), live once the intent is allowed.
      nowMs += MINUTE_MS;
      await caughtUp(collector);
      assert.equal((await collector.healthCheck().check()).state, 'ok');
    } finally {
      emulator.discordGateway.configure({ allowMessageContent: true });
    }
  });

  test('an invalidated session identifies anew and reads what it missed from history', async () => {
    const collector = startCollector();
    await caughtUp(collector);
    emulator.faults.add({ kind: 'gateway-invalid-session', exchange: 'discord' });
    const lost = channels.post(DOGECOIN.id, 'dispatched into an invalidated session');
    await caughtUp(collector, 2);
    assert.ok(await stored(lost.id), 'read from history');
    assert.equal(collector.liveStats()?.newSessions, 2);
    assert.equal(collector.liveStats()?.created, 0, 'not from the gateway');
  });

  test('a restart reads the downtime from history; the ledger shows the gap, then repaired', async () => {
    const series = liveFeedSeries('discord', DOGECOIN.id);
    const firstMinuteMs = Math.ceil(nowMs / MINUTE_MS) * MINUTE_MS;
    const first = startCollector();
    await caughtUp(first);
    nowMs += 3 * MINUTE_MS;
    await until(
      async () => (await store.coverage.knownUntil(series, firstMinuteMs)) === firstMinuteMs + 2 * MINUTE_MS,
      'two live minutes in the ledger',
    );
    await stopCollectors();

    const missed = [channels.post(DOGECOIN.id, 'posted while down'), channels.post(DOGECOIN.id, 'also down')];
    nowMs += 5 * MINUTE_MS;
    const window = { startMs: firstMinuteMs, endMs: Math.floor(nowMs / MINUTE_MS) * MINUTE_MS };
    assert.deepEqual(await store.coverage.missingRanges(series, window), [
      { startMs: firstMinuteMs + 2 * MINUTE_MS, endMs: window.endMs },
    ]);

    const second = startCollector();
    await caughtUp(second);
    for (const message of missed) assert.ok(await stored(message.id), 'read from history after the restart');
    await until(
      async () => (await store.coverage.missingRanges(series, window)).length === 0,
      'the gap repaired',
    );
    const coverage = await store.coverage.listCoverage(series, window);
    assert.deepEqual(
      coverage.map((range) => range.state),
      ['complete'],
    );
  });
});

describe('text metrics and deleted messages', () => {
  test('a deleted message counts in points before its deletion, not in those after', async () => {
    const store = await openStore();
    try {
      const startMs = Date.UTC(2026, 0, 1);
      const message = (id: string, publishedAtMs: number) => ({
        source: 'discord',
        channel: DOGECOIN.id,
        id,
        publishedAtMs,
        seenAtMs: publishedAtMs,
        title: null,
        body: 'DOGE up',
        url: null,
        author: null,
        sentiment: 0.5,
        scorer: 'lexicon-v1',
        mentions: ['DOGE'],
      });
      await store.textItems.upsertItems([
        message('1', startMs + 10 * MINUTE_MS),
        message('2', startMs + 20 * MINUTE_MS),
      ]);
      const deletedAtMs = startMs + 90 * MINUTE_MS;
      await store.textItems.markDeleted(
        { source: 'discord', channel: DOGECOIN.id, id: '2', publishedAtMs: startMs + 20 * MINUTE_MS },
        deletedAtMs,
        deletedAtMs,
      );
      const writer = new TextMetricsWriter({
        sourceId: 'discord',
        store,
        markets: () => [textMetricMarketOf('DOGE/USDT')],
        maxGapMs: 24 * 60 * MINUTE_MS,
      });
      await writer.afterCycle(startMs);
      await writer.afterCycle(startMs + 3 * 60 * MINUTE_MS);
      const counts = await store.metricPoints.listPoints('discord', 'DOGE/USDT', 'count_24h', {
        startMs,
        endMs: startMs + 4 * 60 * MINUTE_MS,
      });
      assert.deepEqual(
        counts.map((point) => [(point.timeMs - startMs) / MINUTE_MS, point.value]),
        [
          [60, 2],
          [120, 1],
          [180, 1],
        ],
      );
    } finally {
      await store.close();
    }
  });
});
