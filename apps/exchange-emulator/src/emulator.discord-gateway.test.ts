import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { DISCORD_API_PATH, DISCORD_REPLAY_CHANNELS } from './discord/discord-channels.ts';
import { GatewayIntent } from './discord/discord-gateway.ts';
import type { DiscordLiveChannels } from './discord/discord-live.ts';
import { REDDIT_REPLAY_FOLDER } from './discord/discord-replay.ts';
import { startEmulator, type RunningEmulator } from './index.ts';

const replayDirectory = process.env.RUNECAST_REPLAY_DIR ? resolve(process.env.RUNECAST_REPLAY_DIR) : null;
const skip: string | false =
  replayDirectory && existsSync(join(replayDirectory, REDDIT_REPLAY_FOLDER))
    ? false
    : 'real data folder RUNECAST_REPLAY_DIR (with social/reddit_crypto_2025-10/) is not set or absent';

const TOKEN = 'gateway-test-token';
const BITCOIN = DISCORD_REPLAY_CHANNELS.find((channel) => channel.subreddit === 'bitcoin')!;
const INTENTS = GatewayIntent.GuildMessages | GatewayIntent.MessageContent;

interface Payload {
  op: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- payloads of many shapes, read field by field in assertions
  d: any;
  s: number | null;
  t: string | null;
}

/** A bare gateway client: every payload and the close code, with waits on them. */
class TestClient {
  readonly received: Payload[] = [];
  closeCode: number | null = null;
  private readonly socket: WebSocket;
  private waiters: (() => void)[] = [];
  readonly opened: Promise<void>;
  private beat: NodeJS.Timeout | null = null;

  constructor(url: string, heartbeats: boolean) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolveOpen, reject) => {
      this.socket.once('open', () => resolveOpen());
      this.socket.once('error', reject);
    });
    this.socket.on('message', (data) => {
      const payload = JSON.parse(String(data)) as Payload;
      this.received.push(payload);
      if (payload.op === 10 && heartbeats) {
        this.beat = setInterval(() => this.send({ op: 1, d: null }), payload.d.heartbeat_interval / 2);
      }
      this.wake();
    });
    this.socket.on('close', (code) => {
      if (this.beat) clearInterval(this.beat);
      this.closeCode = code;
      this.wake();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  async until<T>(find: () => T | undefined | null | false, what: string, timeoutMs = 5_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined && found !== null && found !== false) return found;
      const leftMs = deadline - Date.now();
      if (leftMs <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, Math.min(leftMs, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }

  dispatch(type: string, after = 0): Promise<Payload> {
    return this.until(
      () => this.received.find((payload) => payload.t === type && (payload.s ?? 0) > after),
      type,
    );
  }

  closed(): Promise<number> {
    return this.until(() => this.closeCode ?? undefined, 'the close');
  }

  send(payload: unknown): void {
    this.socket.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
  }

  close(code = 4200): void {
    this.socket.close(code);
  }

  terminate(): void {
    this.socket.terminate();
  }
}

describe('emulator Discord gateway', { skip }, () => {
  let emulator: RunningEmulator;
  let channels: DiscordLiveChannels;
  const clients: TestClient[] = [];
  let gatewayUrl = '';

  const connect = async (query = '?v=10&encoding=json', heartbeats = true): Promise<TestClient> => {
    const client = new TestClient(`${gatewayUrl}${query}`, heartbeats);
    clients.push(client);
    await client.opened;
    return client;
  };
  const identify = async (
    intents = INTENTS,
    heartbeats = true,
  ): Promise<{ client: TestClient; ready: Payload }> => {
    const client = await connect(undefined, heartbeats);
    await client.until(() => client.received.find((payload) => payload.op === 10), 'HELLO');
    client.send({
      op: 2,
      d: { token: TOKEN, intents, properties: { os: 'linux', browser: 't', device: 't' } },
    });
    return { client, ready: await client.dispatch('READY') };
  };

  before(async () => {
    emulator = await startEmulator({
      paused: true,
      replayDir: replayDirectory ?? '',
      discordBotTokens: [TOKEN],
      discordGateway: { heartbeatIntervalMs: 400, messageIntervalMs: 0 },
    });
    channels = (await emulator.discordChannels())!;
    const answer = await fetch(`${emulator.url}${DISCORD_API_PATH}/v10/gateway/bot`, {
      headers: { authorization: `Bot ${TOKEN}` },
    });
    assert.equal(answer.status, 200);
    const body = (await answer.json()) as {
      url: string;
      shards: number;
      session_start_limit: { total: number };
    };
    assert.equal(body.shards, 1);
    assert.ok(body.session_start_limit.total > 0);
    gatewayUrl = body.url;
  });
  after(async () => {
    for (const client of clients) client.terminate();
    await emulator?.close();
  });
  beforeEach(() => emulator.faults.clear());

  test('gateway/bot needs the bot token; the address is a websocket of this emulator', async () => {
    assert.equal((await fetch(`${emulator.url}${DISCORD_API_PATH}/v10/gateway/bot`)).status, 401);
    assert.ok(gatewayUrl.startsWith(`${emulator.wsUrl}/discord/gateway`), gatewayUrl);
  });

  test('hello, identify, ready; heartbeats acknowledged; messages dispatched with increasing s', async () => {
    const { client, ready } = await identify();
    const hello = client.received[0]!;
    assert.equal(hello.op, 10);
    assert.equal(hello.d.heartbeat_interval, 400);
    assert.equal(ready.s, 1);
    assert.match(ready.d.session_id, /^[0-9a-f]{32}$/);
    assert.ok(String(ready.d.resume_gateway_url).startsWith('ws://'));
    client.send({ op: 1, d: 1 });
    await client.until(() => client.received.find((payload) => payload.op === 11), 'ACK');

    const posted = channels.post(BITCOIN.id, 'BTC looking strong');
    const created = await client.dispatch('MESSAGE_CREATE');
    assert.equal(created.d.id, posted.id);
    assert.equal(created.d.content, 'BTC looking strong');
    assert.equal(created.d.channel_id, BITCOIN.id);
    channels.edit(posted.id, 'BTC looking weak');
    const updated = await client.dispatch('MESSAGE_UPDATE');
    assert.equal(updated.d.content, 'BTC looking weak');
    assert.ok(updated.d.edited_timestamp);
    channels.delete(posted.id);
    const deleted = await client.dispatch('MESSAGE_DELETE');
    assert.deepEqual([deleted.d.id, deleted.d.channel_id], [posted.id, BITCOIN.id]);
    const sequence = client.received.filter((payload) => payload.op === 0).map((payload) => payload.s!);
    assert.deepEqual(
      sequence,
      [...sequence].sort((left, right) => left - right),
    );
    assert.equal(new Set(sequence).size, sequence.length);

    // REST history agrees: the edit shows, the deleted message is gone, simulated text is labelled.
    const kept = channels.post(BITCOIN.id, 'simulated and kept');
    const history = await fetch(
      `${emulator.url}${DISCORD_API_PATH}/v10/channels/${BITCOIN.id}/messages?limit=2`,
      { headers: { authorization: `Bot ${TOKEN}` } },
    );
    const page = (await history.json()) as { id: string }[];
    assert.equal(page[0]?.id, kept.id);
    assert.ok(!page.some((message) => message.id === posted.id));
    assert.equal(history.headers.get('x-runecast-simulated'), 'partial');
    client.terminate();
  });

  test('without MESSAGE_CONTENT the content arrives empty; without GUILD_MESSAGES nothing', async () => {
    const { client: bare } = await identify(GatewayIntent.GuildMessages);
    const { client: none } = await identify(GatewayIntent.Guilds);
    const posted = channels.post(BITCOIN.id, 'text the bot may not read');
    const created = await bare.dispatch('MESSAGE_CREATE');
    assert.equal(created.d.id, posted.id);
    assert.equal(created.d.content, '');
    await none.dispatch('GUILD_CREATE');
    await new Promise((wait) => setTimeout(wait, 200));
    assert.ok(!none.received.some((payload) => payload.t === 'MESSAGE_CREATE'));
    bare.terminate();
    none.terminate();
  });

  test('a dropped connection resumes: what was missed is replayed in order, then RESUMED', async () => {
    const { client, ready } = await identify();
    const first = channels.post(BITCOIN.id, 'before the drop');
    const seen = await client.dispatch('MESSAGE_CREATE');
    assert.equal(seen.d.id, first.id);
    client.close(4200);
    await client.closed();
    const missed = [channels.post(BITCOIN.id, 'missed one'), channels.post(BITCOIN.id, 'missed two')];
    const again = await connect();
    again.send({ op: 6, d: { token: TOKEN, session_id: ready.d.session_id, seq: seen.s } });
    const resumed = await again.dispatch('RESUMED');
    const replayed = again.received.filter((payload) => payload.t === 'MESSAGE_CREATE');
    assert.deepEqual(
      replayed.map((payload) => payload.d.id),
      missed.map((message) => message.id),
    );
    assert.deepEqual(
      replayed.map((payload) => payload.s),
      [seen.s! + 1, seen.s! + 2],
    );
    assert.equal(resumed.s, seen.s! + 3);

    // A sequence from the future is refused with 4007; an unknown session gets op 9.
    const future = await connect();
    future.send({ op: 6, d: { token: TOKEN, session_id: ready.d.session_id, seq: 10_000 } });
    assert.equal(await future.closed(), 4007);
    const unknown = await connect();
    unknown.send({ op: 6, d: { token: TOKEN, session_id: 'f'.repeat(32), seq: 1 } });
    const invalid = await unknown.until(() => unknown.received.find((payload) => payload.op === 9), 'op 9');
    assert.equal(invalid.d, false);
    again.terminate();
    unknown.terminate();
  });

  test('faults: dropped connection (no close frame), reconnect (op 7), invalid session (op 9, not resumable)', async () => {
    const { client, ready } = await identify();
    emulator.faults.add({ kind: 'ws-drop', exchange: 'discord', stream: 'gateway' });
    channels.post(BITCOIN.id, 'dropped with this');
    assert.equal(await client.closed(), 1006);

    const again = await connect();
    again.send({ op: 6, d: { token: TOKEN, session_id: ready.d.session_id, seq: 1 } });
    await again.dispatch('RESUMED');
    assert.ok(
      again.received.some((payload) => payload.t === 'MESSAGE_CREATE'),
      'the lost dispatch is replayed',
    );

    emulator.faults.add({ kind: 'gateway-reconnect', exchange: 'discord', stream: 'gateway' });
    channels.post(BITCOIN.id, 'reconnect with this');
    await again.until(() => again.received.find((payload) => payload.op === 7), 'op 7');

    emulator.faults.add({ kind: 'gateway-invalid-session', exchange: 'discord' });
    channels.post(BITCOIN.id, 'invalidated with this');
    const invalid = await again.until(() => again.received.find((payload) => payload.op === 9), 'op 9');
    assert.equal(invalid.d, false);
    again.close(1000);
    await again.closed();
    const third = await connect();
    third.send({ op: 6, d: { token: TOKEN, session_id: ready.d.session_id, seq: 1 } });
    await third.until(() => third.received.find((payload) => payload.op === 9), 'op 9 on resume');
    third.terminate();
    assert.equal(emulator.faults.report().counters.byExchange.discord, 3);
    assert.throws(() => emulator.faults.add({ kind: 'ws-duplicate', exchange: 'discord' }), /gateway takes/);
    assert.throws(() => emulator.faults.add({ kind: 'gateway-reconnect', exchange: 'binance' }), /gateway/);
  });

  test('close codes: bad token 4004, bad intents 4013, disallowed intents 4014, protocol errors', async () => {
    const expectClose = async (send: unknown, code: number, query?: string) => {
      const client = await connect(query);
      if (send !== undefined) client.send(send);
      assert.equal(await client.closed(), code, JSON.stringify(send));
    };
    const properties = { os: 'linux', browser: 't', device: 't' };
    await expectClose({ op: 2, d: { token: 'wrong', intents: INTENTS, properties } }, 4004);
    await expectClose({ op: 2, d: { token: TOKEN, intents: 1 << 30, properties } }, 4013);
    await expectClose({ op: 2, d: { token: TOKEN, intents: -1, properties } }, 4013);
    await expectClose('{not json', 4002);
    await expectClose({ op: 42, d: null }, 4001);
    await expectClose({ op: 3, d: {} }, 4003);
    await expectClose(undefined, 4012, '?v=9&encoding=json');
    emulator.discordGateway.configure({ allowMessageContent: false });
    try {
      await expectClose({ op: 2, d: { token: TOKEN, intents: INTENTS, properties } }, 4014);
    } finally {
      emulator.discordGateway.configure({ allowMessageContent: true });
    }
    const { client } = await identify();
    client.send({ op: 2, d: { token: TOKEN, intents: INTENTS, properties } });
    assert.equal(await client.closed(), 4005);
  });

  test('a withheld ACK (gateway-no-ack) leaves one heartbeat unanswered; the next is answered', async () => {
    const { client } = await identify(INTENTS, false);
    emulator.faults.add({ kind: 'gateway-no-ack', exchange: 'discord', stream: 'gateway' });
    const acks = () => client.received.filter((payload) => payload.op === 11).length;
    client.send({ op: 1, d: 1 });
    await new Promise((wait) => setTimeout(wait, 300));
    assert.equal(acks(), 0);
    client.send({ op: 1, d: 1 });
    await client.until(() => acks() === 1, 'the next ACK');
    assert.equal(emulator.faults.injected('gateway-no-ack'), 1);
    client.terminate();
  });

  test('no heartbeats: closed 4009 and the session cannot be resumed', async () => {
    const { client, ready } = await identify(INTENTS, false);
    assert.equal(await client.closed(), 4009);
    const again = await connect();
    again.send({ op: 6, d: { token: TOKEN, session_id: ready.d.session_id, seq: 1 } });
    const invalid = await again.until(() => again.received.find((payload) => payload.op === 9), 'op 9');
    assert.equal(invalid.d, false);
    again.terminate();
  });
});
