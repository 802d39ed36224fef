import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { DISCORD_API_PATH, DISCORD_REPLAY_CHANNELS, snowflakeTimeMs } from './discord/discord-channels.ts';
import { REDDIT_REPLAY_FOLDER } from './discord/discord-replay.ts';
import { compareSnowflakes } from './discord/discord.routes.ts';
import { startEmulator, type RunningEmulator } from './index.ts';

const replayDirectory = process.env.RUNECAST_REPLAY_DIR ? resolve(process.env.RUNECAST_REPLAY_DIR) : null;
const skip: string | false =
  replayDirectory && existsSync(join(replayDirectory, REDDIT_REPLAY_FOLDER))
    ? false
    : 'real data folder RUNECAST_REPLAY_DIR (with social/reddit_crypto_2025-10/) is not set or absent';

const DOGECOIN = DISCORD_REPLAY_CHANNELS.find((channel) => channel.subreddit === 'dogecoin')!;
const auth = { authorization: 'Bot test-token' };

interface MessageShape {
  id: string;
  channel_id: string;
  type: number;
  content: string;
  timestamp: string;
  author: { id: string; username: string };
  message_reference?: { message_id: string };
  referenced_message?: { id: string } | null;
}

describe('emulator Discord REST (replayed Reddit threads)', { skip }, () => {
  let emulator: RunningEmulator;
  const messagesUrl = (channel: string, query = '') =>
    `${emulator.url}${DISCORD_API_PATH}/v10/channels/${channel}/messages${query}`;

  before(async () => {
    emulator = await startEmulator({
      paused: true,
      replayDir: replayDirectory ?? '',
      discordRateLimit: { routeLimit: 1000, globalLimit: 1000 },
    });
  });
  after(async () => emulator?.close());
  beforeEach(() => {
    emulator.faults.clear();
    emulator.discord.configure({ routeLimit: 1000, routeWindowMs: 1000, globalLimit: 1000 });
  });

  test('pages a channel with after and before: real-shaped messages, newest first, snowflakes of their times', async () => {
    const channel = await fetch(`${emulator.url}${DISCORD_API_PATH}/v10/channels/${DOGECOIN.id}`, {
      headers: auth,
    });
    assert.equal(channel.status, 200);
    const channelBody = (await channel.json()) as { name: string; topic: string };
    assert.equal(channelBody.name, 'reddit-dogecoin');
    assert.match(channelBody.topic, /Replayed from Reddit/);

    const all: MessageShape[] = [];
    let cursor = '0';
    for (let page = 0; page < 20; page += 1) {
      const response = await fetch(messagesUrl(DOGECOIN.id, `?limit=100&after=${cursor}`), { headers: auth });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-runecast-replayed'), 'reddit');
      const body = (await response.json()) as MessageShape[];
      if (body.length === 0) break;
      assert.ok(body.length <= 100);
      for (let index = 1; index < body.length; index += 1) {
        assert.ok(compareSnowflakes(body[index - 1]!.id, body[index]!.id) > 0, 'newest first');
      }
      all.push(...[...body].reverse());
      cursor = body[0]!.id;
    }
    assert.ok(all.length > 100, `dogecoin spans pages (${all.length})`);
    assert.equal(new Set(all.map((message) => message.id)).size, all.length);
    for (const message of all) {
      assert.equal(message.channel_id, DOGECOIN.id);
      assert.equal(typeof message.content, 'string');
      assert.ok(message.content.length > 0 && message.content.length <= 2000);
      assert.equal(Date.parse(message.timestamp), snowflakeTimeMs(message.id));
      assert.match(message.author.id, /^\d+$/);
      if (message.type === 19) {
        assert.ok(message.message_reference?.message_id);
        assert.equal(message.referenced_message?.id, message.message_reference.message_id);
      }
    }
    assert.ok(
      all.some((message) => message.type === 19),
      'comments are replies',
    );
    // Reddit's October 2025 (the scraper's UTC+1 times made UTC).
    assert.ok(Date.parse(all[0]!.timestamp) >= Date.UTC(2025, 8, 1));
    assert.ok(Date.parse(all.at(-1)!.timestamp) <= Date.UTC(2025, 10, 2));

    const newest = (await (
      await fetch(messagesUrl(DOGECOIN.id), { headers: auth })
    ).json()) as MessageShape[];
    assert.equal(newest.length, 50, 'default limit');
    assert.equal(newest[0]!.id, all.at(-1)!.id);
    const before = (await (
      await fetch(messagesUrl(DOGECOIN.id, `?limit=10&before=${all[20]!.id}`), { headers: auth })
    ).json()) as MessageShape[];
    assert.deepEqual(
      before.map((message) => message.id),
      all
        .slice(10, 20)
        .map((message) => message.id)
        .reverse(),
    );
  });

  test('wrong input answers 400 with Discord form errors; no token 401; unknown channel 404', async () => {
    for (const query of ['?limit=101', '?limit=0', '?limit=abc', '?before=xyz', '?before=1&after=2']) {
      const response = await fetch(messagesUrl(DOGECOIN.id, query), { headers: auth });
      assert.equal(response.status, 400, query);
      const body = (await response.json()) as { code: number };
      assert.equal(body.code, 50035);
    }
    assert.equal((await fetch(messagesUrl(DOGECOIN.id))).status, 401);
    assert.equal(
      (await fetch(messagesUrl(DOGECOIN.id), { headers: { authorization: 'Bearer x' } })).status,
      401,
    );
    const unknown = await fetch(messagesUrl('123'), { headers: auth });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: number }).code, 10003);
  });

  test('rate limits: bucket headers count down, then 429 with retry_after per channel; global limit too', async () => {
    emulator.discord.configure({ routeLimit: 3, routeWindowMs: 60_000, globalLimit: 1000 });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let index = 0; index < 4; index += 1) {
      last = await fetch(messagesUrl(DOGECOIN.id, '?limit=1'), { headers: auth });
      statuses.push(last.status);
      if (index < 3) {
        assert.equal(last.headers.get('x-ratelimit-limit'), '3');
        assert.equal(last.headers.get('x-ratelimit-remaining'), String(2 - index));
        assert.ok(Number(last.headers.get('x-ratelimit-reset-after')) > 0);
        assert.ok(Number(last.headers.get('x-ratelimit-reset')) > Date.now() / 1000);
        assert.match(last.headers.get('x-ratelimit-bucket') ?? '', /^[0-9a-f]{16}$/);
      }
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const limited = (await last!.json()) as { retry_after: number; global: boolean };
    assert.equal(limited.global, false);
    assert.ok(limited.retry_after > 0 && limited.retry_after <= 60);
    assert.equal(last!.headers.get('x-ratelimit-scope'), 'user');
    assert.ok(Number(last!.headers.get('retry-after')) >= 1);
    // Another channel has a bucket of its own (same bucket id, counted per channel).
    const other = DISCORD_REPLAY_CHANNELS[0]!.id;
    assert.equal((await fetch(messagesUrl(other, '?limit=1'), { headers: auth })).status, 200);

    emulator.discord.configure({ routeLimit: 1000, globalLimit: 2, globalWindowMs: 60_000 });
    await fetch(messagesUrl(other, '?limit=1'), { headers: auth });
    await fetch(messagesUrl(DOGECOIN.id, '?limit=1'), { headers: auth });
    const global = await fetch(messagesUrl(other, '?limit=1'), { headers: auth });
    assert.equal(global.status, 429);
    assert.equal(global.headers.get('x-ratelimit-global'), 'true');
    assert.equal(((await global.json()) as { global: boolean }).global, true);
  });

  test('faults: a shared 429, a 5xx and a malformed message, by fault rule', async () => {
    emulator.faults.add({
      kind: 'http-429',
      exchange: 'discord',
      endpoint: 'messages',
      retryAfterSeconds: 2,
    });
    const shared = await fetch(messagesUrl(DOGECOIN.id, '?limit=5'), { headers: auth });
    assert.equal(shared.status, 429);
    assert.equal(shared.headers.get('x-ratelimit-scope'), 'shared');
    assert.deepEqual(await shared.json(), {
      message: 'The resource is being rate limited.',
      retry_after: 2,
      global: false,
    });
    emulator.faults.add({ kind: 'http-5xx', exchange: 'discord', statusCode: 502 });
    assert.equal((await fetch(messagesUrl(DOGECOIN.id, '?limit=5'), { headers: auth })).status, 502);
    emulator.faults.add({ kind: 'message-malformed', exchange: 'discord', count: 1 });
    const broken = (await (
      await fetch(messagesUrl(DOGECOIN.id, '?limit=5'), { headers: auth })
    ).json()) as Record<string, unknown>[];
    assert.equal(broken.filter((message) => message.timestamp === 'yesterday').length, 1);
    const fine = (await (
      await fetch(messagesUrl(DOGECOIN.id, '?limit=5'), { headers: auth })
    ).json()) as Record<string, unknown>[];
    assert.ok(fine.every((message) => typeof message.content === 'string'));
    assert.throws(() => emulator.faults.add({ kind: 'message-malformed', exchange: 'news' }), /Discord/);
  });
});
