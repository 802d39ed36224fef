import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  DISCORD_REPLAY_CHANNELS,
  loadDiscordReplay,
  startEmulator,
  type DiscordRequestRecord,
  type RunningEmulator,
} from '@runecast/exchange-emulator';
import { SourceAuthError, type Clock, type TextItem } from '@runecast/market';
import { TextCollector } from '../src/ingest/text-collector.ts';
import { createLogger } from '../src/observability/logger.ts';
import { DiscordSource, type DiscordSourceOptions } from '../src/sources/discord/discord.source.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { REPLAY_DIR, replayDataSkip } from './support/replay-data.ts';

const TOKEN = 'bot-token-for-tests';
const clock: Clock = { now: () => Date.UTC(2026, 11, 7, 12) };
const channelOf = (subreddit: string) => {
  const channel = DISCORD_REPLAY_CHANNELS.find((entry) => entry.subreddit === subreddit);
  if (!channel) throw new Error(`no replayed channel ${subreddit}`);
  return { id: channel.id, name: channel.name, about: [...channel.about] };
};
const DOGECOIN = channelOf('dogecoin');
const MARKETS = channelOf('cryptomarkets');

describe('discord collection from the emulator (replayed Reddit threads)', { skip: replayDataSkip }, () => {
  let emulator: RunningEmulator;
  /** The message ids the emulator holds per channel, oldest first. */
  const expected = new Map<string, string[]>();
  const sources: DiscordSource[] = [];

  const makeSource = (options: Partial<DiscordSourceOptions> = {}): DiscordSource => {
    const source = new DiscordSource({
      channels: [DOGECOIN, MARKETS],
      apiUrl: `${emulator.url}/discord/api`,
      botToken: async () => TOKEN,
      ...options,
    });
    sources.push(source);
    return source;
  };

  /** Reads a channel the way the collector does: forward from the start until the cursor ends. */
  const readChannel = async (source: DiscordSource, channel: string): Promise<TextItem[]> => {
    const items: TextItem[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 200; page += 1) {
      const result = await source.fetchItems({ channel, ...(cursor ? { after: cursor } : {}) });
      items.push(...result.items);
      if (result.cursor === null) break;
      cursor = result.cursor;
    }
    return items;
  };

  const requestsOf = (channel: string): DiscordRequestRecord[] =>
    emulator.discord.requests().filter((request) => request.resource === channel);

  before(async () => {
    emulator = await startEmulator({ paused: true, replayDir: REPLAY_DIR ?? '', discordBotTokens: [TOKEN] });
    const replay = await loadDiscordReplay(REPLAY_DIR ?? '');
    for (const channel of [DOGECOIN, MARKETS]) {
      expected.set(
        channel.id,
        (replay?.messages.get(channel.id) ?? []).map((message) => message.id),
      );
    }
  });

  after(async () => {
    for (const source of sources) await source.close();
    await emulator?.close();
  });

  beforeEach(() => {
    emulator.faults.clear();
    emulator.discord.configure({
      routeLimit: 1000,
      routeWindowMs: 1000,
      globalLimit: 1000,
      globalWindowMs: 1000,
    });
    emulator.discord.clearRequests();
  });

  test('keeps to the bucket of each channel: pages wait for the reset, no 429', async () => {
    emulator.discord.configure({ routeLimit: 3, routeWindowMs: 400 });
    const waits: number[] = [];
    const source = makeSource({ pageLimit: 20, onRateLimited: (info) => waits.push(info.timeToReset) });
    const items = await readChannel(source, DOGECOIN.id);
    assert.deepEqual(
      items.map((item) => item.id),
      expected.get(DOGECOIN.id),
    );
    const requests = requestsOf(DOGECOIN.id);
    assert.ok(requests.length >= 6, `${requests.length} requests`);
    assert.deepEqual(
      requests.filter((request) => request.status !== 200),
      [],
    );
    assert.ok(waits.length > 0, 'the client waited for the bucket to reset');
  });

  test('waits out a 429 for as long as it says, then reads on without a gap or a repeat', async () => {
    emulator.faults.add({
      kind: 'http-429',
      exchange: 'discord',
      endpoint: 'messages',
      skip: 1,
      retryAfterSeconds: 1,
    });
    const source = makeSource({ pageLimit: 50 });
    const items = await readChannel(source, DOGECOIN.id);
    assert.deepEqual(
      items.map((item) => item.id),
      expected.get(DOGECOIN.id),
    );
    const requests = requestsOf(DOGECOIN.id);
    const limited = requests.findIndex((request) => request.status === 429);
    assert.ok(limited > 0, 'the fault fired');
    const next = requests[limited + 1];
    assert.ok(next);
    assert.ok(next.atMs - requests[limited]!.atMs >= 1000 - 20, `${next.atMs - requests[limited]!.atMs} ms`);
    assert.equal(next.query, requests[limited]!.query, 'the same page is asked again');
  });

  test('honours the global limit across channels: after a global 429 nothing is sent before retry_after', async () => {
    emulator.discord.configure({ globalLimit: 4, globalWindowMs: 500 });
    const source = makeSource({ pageLimit: 40 });
    const [dogecoin, markets] = await Promise.all([
      readChannel(source, DOGECOIN.id),
      readChannel(source, MARKETS.id),
    ]);
    assert.equal(dogecoin.length, expected.get(DOGECOIN.id)?.length);
    assert.equal(markets.length, expected.get(MARKETS.id)?.length);
    const requests = emulator.discord.requests();
    assert.ok(
      requests.some((request) => request.scope === 'global'),
      'the global limit was reached',
    );
    for (const [index, request] of requests.entries()) {
      if (request.scope !== 'global') continue;
      const retryMs = (request.retryAfterSeconds ?? 0) * 1000;
      const again = requests.slice(index + 1).find((later) => later.resource === request.resource);
      assert.ok(again, 'the page was asked again');
      assert.ok(again.atMs - request.atMs >= retryMs - 20, `${again.atMs - request.atMs} ms < ${retryMs}`);
    }
  });

  test('the collector stores each message once and resumes after a restart from the newest stored id', async () => {
    const store: Store = await openStore();
    try {
      const collect = (source: DiscordSource, maxPagesPerCycle?: number) =>
        new TextCollector({
          source,
          store,
          clock,
          logger: createLogger('silent'),
          ...(maxPagesPerCycle === undefined ? {} : { maxPagesPerCycle }),
        });
      // The first run stops after two pages of 25 per channel, as if the process had been stopped.
      const first = collect(makeSource({ pageLimit: 25 }), 2);
      assert.equal(await first.pollOnce(), 100);
      const stopped = await store.textItems.latestItem('discord', DOGECOIN.id);
      assert.equal(stopped?.id, expected.get(DOGECOIN.id)?.[49]);

      emulator.discord.clearRequests();
      const restarted = collect(makeSource());
      const total = (expected.get(DOGECOIN.id)?.length ?? 0) + (expected.get(MARKETS.id)?.length ?? 0);
      assert.equal(await restarted.pollOnce(), total - 100);
      const [resumed] = requestsOf(DOGECOIN.id);
      assert.equal(new URLSearchParams(resumed?.query).get('after'), stopped?.id);

      // Nothing new: one request per channel, nothing written; again after another restart.
      emulator.discord.clearRequests();
      assert.equal(await restarted.pollOnce(), 0);
      assert.equal(await collect(makeSource()).pollOnce(), 0);
      for (const channel of [DOGECOIN, MARKETS]) {
        const stored = await store.textItems.listItems('discord', channel.id, {
          startMs: 0,
          endMs: Date.UTC(2030, 0, 1),
        });
        assert.deepEqual(
          stored.map((item) => item.id),
          expected.get(channel.id),
        );
        assert.ok(stored.every((item) => /^sha256:[0-9a-f]{16}$/.test(item.author ?? '')));
      }
    } finally {
      await store.close();
    }
  });

  test('a malformed message is rejected with its reason and counted; the rest are stored', async () => {
    emulator.faults.add({ kind: 'message-malformed', exchange: 'discord', count: 1 });
    const store: Store = await openStore();
    try {
      const collector = new TextCollector({
        source: makeSource({ channels: [DOGECOIN] }),
        store,
        clock,
        logger: createLogger('silent'),
      });
      const written = await collector.pollOnce();
      assert.equal(written, (expected.get(DOGECOIN.id)?.length ?? 0) - 1);
      assert.equal(collector.stats().itemsRejected, 1);
    } finally {
      await store.close();
    }
  });

  test('text is removed once it is older than the retention period; the messages stay', async () => {
    const store: Store = await openStore();
    try {
      let nowMs = Date.UTC(2026, 11, 7, 12);
      const collector = new TextCollector({
        source: makeSource({ channels: [DOGECOIN] }),
        store,
        clock: { now: () => nowMs },
        logger: createLogger('silent'),
        retentionMs: 90 * 86_400_000,
      });
      const count = expected.get(DOGECOIN.id)?.length ?? 0;
      // The replayed messages are from 2025 but first seen now: their text is kept from now on.
      assert.equal(await collector.pollOnce(), count);
      const range = { startMs: 0, endMs: Date.UTC(2030, 0, 1) };
      const kept = await store.textItems.listItems('discord', DOGECOIN.id, range);
      assert.ok(kept.every((item) => item.body !== ''));
      assert.equal(collector.stats().textsRemoved, 0);
      nowMs += 91 * 86_400_000;
      await collector.pollOnce();
      assert.equal(collector.stats().textsRemoved, count);
      const removed = await store.textItems.listItems('discord', DOGECOIN.id, range);
      assert.deepEqual(
        removed.map((item) => item.id),
        expected.get(DOGECOIN.id),
      );
      assert.ok(removed.every((item) => item.body === ''));
    } finally {
      await store.close();
    }
  });

  test('a token Discord refuses fails as an auth error; none stored says how to store one', async () => {
    await assert.rejects(
      makeSource({ botToken: async () => 'wrong' }).fetchItems({ channel: DOGECOIN.id }),
      SourceAuthError,
    );
    await assert.rejects(
      makeSource({ botToken: async () => null }).fetchItems({ channel: DOGECOIN.id }),
      /discord\.bot-token/,
    );
  });
});
