import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { FaultInjector } from '../faults/fault-injector.ts';
import { DISCORD_REPLAY_GUILD_ID, snowflakeOf } from './discord-channels.ts';
import { discordMessageObject, type DiscordChannelEvent, type DiscordLiveChannels } from './discord-live.ts';

/** Where the gateway listens: `ws://host:port/discord/gateway?v=10&encoding=json`. */
export const DISCORD_GATEWAY_PATH = '/discord/gateway';

/** Gateway opcodes (Discord's "Opcodes and Status Codes"). */
export const GatewayOpcode = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

/** Gateway close event codes the emulator sends. */
export const GatewayCloseCode = {
  UnknownOpcode: 4001,
  DecodeError: 4002,
  NotAuthenticated: 4003,
  AuthenticationFailed: 4004,
  AlreadyAuthenticated: 4005,
  InvalidSeq: 4007,
  SessionTimedOut: 4009,
  InvalidShard: 4010,
  InvalidApiVersion: 4012,
  InvalidIntents: 4013,
  DisallowedIntents: 4014,
} as const;

/** Gateway intents the emulator reads. */
export const GatewayIntent = {
  Guilds: 1 << 0,
  GuildMessages: 1 << 9,
  MessageContent: 1 << 15,
} as const;
/** Every intent bit Discord defines (0–25); a bit outside is an invalid intent (4013). */
const KNOWN_INTENTS = (1 << 26) - 1;
/** Intents an app must switch on in the developer portal: members, presences, message content. */
const PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | GatewayIntent.MessageContent;

/** The emulated gateway's behaviour. */
export interface DiscordGatewaySettings {
  /** Sent in HELLO; Discord's is about 41 s. */
  heartbeatIntervalMs: number;
  /** Whether the bot's application may use the Message Content intent (a switch in Discord's portal). */
  allowMessageContent: boolean;
  /** How long a session whose connection dropped can still be resumed. */
  resumeWindowMs: number;
  /** Dispatches a session keeps for resuming; a resume from before the oldest kept fails (op 9). */
  replayBufferSize: number;
}

/** One thing the gateway did, kept so tests can check what a client went through. */
export interface GatewayRecord {
  atMs: number;
  kind: 'hello' | 'identify' | 'resume' | 'resumed' | 'invalid-session' | 'reconnect' | 'drop' | 'close';
  sessionId: string | null;
  /** Close code (close), the sequence asked for (resume), the dispatches replayed (resumed). */
  detail?: number;
  reason?: string;
}

interface Session {
  id: string;
  token: string;
  intents: number;
  seq: number;
  /** Dispatches sent or due, with their sequence, for resuming. */
  buffer: { s: number; text: string }[];
  connection: GatewayConnection | null;
  detachedAtMs: number | null;
  valid: boolean;
}

const payloadSchema = z.object({
  op: z.number().int(),
  d: z.unknown().optional(),
  s: z.unknown().optional(),
  t: z.unknown().optional(),
});
const identifySchema = z.object({
  token: z.string(),
  intents: z.number(),
  properties: z.object({}).loose(),
  shard: z.tuple([z.number().int(), z.number().int()]).optional(),
  compress: z.boolean().optional(),
  large_threshold: z.number().optional(),
  presence: z.unknown().optional(),
});
const resumeSchema = z.object({
  token: z.string(),
  session_id: z.string(),
  seq: z.number().int().nullable(),
});

const MAX_RECORDS = 10_000;

/**
 * Discord's Gateway v10 (JSON encoding) for the emulated channels: HELLO, IDENTIFY (token and
 * intents checked), heartbeats and their ACKs (no heartbeat for 1.5 intervals closes 4009 and ends
 * the session), READY with a session id and resume address, MESSAGE_CREATE / UPDATE / DELETE
 * dispatches with increasing `s`, RESUME replaying what a session missed (INVALID_SESSION when it
 * cannot), RECONNECT, and the close codes of a bad token (4004), bad or disallowed intents
 * (4013, 4014) and protocol errors. Faults of the `discord` target with `stream: "gateway"` fire
 * on dispatches: `ws-drop` (no close frame), `gateway-invalid-session`, `gateway-reconnect`; and
 * on heartbeats: `gateway-no-ack` (the ACK withheld, a zombie connection to the client).
 */
export class DiscordGateway {
  private readonly sessions = new Map<string, Session>();
  private readonly connections = new Set<GatewayConnection>();
  private readonly records: GatewayRecord[] = [];
  private identifies = 0;
  private unsubscribe: (() => void) | null = null;
  private sweeper: NodeJS.Timeout;

  constructor(
    private readonly options: {
      channels: () => Promise<DiscordLiveChannels | null>;
      faults: FaultInjector;
      /** Accepted bot tokens; any non-empty token when null. */
      botTokens: readonly string[] | null;
      settings: DiscordGatewaySettings;
      now?: () => number;
    },
  ) {
    this.sweeper = setInterval(() => this.sweep(), 1_000);
    this.sweeper.unref();
  }

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  get settings(): DiscordGatewaySettings {
    return { ...this.options.settings };
  }

  configure(settings: Partial<DiscordGatewaySettings>): DiscordGatewaySettings {
    Object.assign(this.options.settings, settings);
    return this.settings;
  }

  /** `GET /gateway/bot`: the address, one shard, and the identify budget left. */
  botInformation(host: string): unknown {
    return {
      url: `ws://${host}${DISCORD_GATEWAY_PATH}`,
      shards: 1,
      session_start_limit: {
        total: 1000,
        remaining: Math.max(0, 1000 - this.identifies),
        reset_after: 86_400_000,
        max_concurrency: 1,
      },
    };
  }

  /** What the gateway did so far, oldest first. */
  history(): GatewayRecord[] {
    return this.records.map((record) => ({ ...record }));
  }

  clearHistory(): void {
    this.records.length = 0;
  }

  /** Sessions that could still be resumed, with their sequence and whether a client is connected. */
  sessionList(): { id: string; seq: number; connected: boolean }[] {
    return [...this.sessions.values()]
      .filter((session) => session.valid)
      .map((session) => ({ id: session.id, seq: session.seq, connected: session.connection !== null }));
  }

  /** Takes a new websocket at DISCORD_GATEWAY_PATH; `query` is its URL's search part, `host` the address it used. */
  accept(socket: WebSocket, query: URLSearchParams, host: string): void {
    const connection = new GatewayConnection(socket, this);
    connection.host = host;
    this.connections.add(connection);
    socket.on('close', (code, reason) => {
      this.connections.delete(connection);
      this.detach(connection, code, reason.toString());
    });
    if (query.get('v') !== '10') {
      connection.close(GatewayCloseCode.InvalidApiVersion, 'Invalid API version.');
      return;
    }
    if ((query.get('encoding') ?? 'json') !== 'json') {
      connection.close(GatewayCloseCode.DecodeError, 'Only JSON encoding is emulated.');
      return;
    }
    this.record({ kind: 'hello', sessionId: null });
    connection.start(this.options.settings.heartbeatIntervalMs);
  }

  /** Closes every connection (as if the gateway went away) and stops. */
  close(): void {
    clearInterval(this.sweeper);
    this.unsubscribe?.();
    for (const connection of this.connections) connection.terminate();
  }

  /** @internal A connection's payload, parsed; answers it by the protocol. */
  async handle(connection: GatewayConnection, text: string): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      connection.close(GatewayCloseCode.DecodeError, 'Error while decoding payload.');
      return;
    }
    const payload = payloadSchema.safeParse(json);
    if (!payload.success) {
      connection.close(GatewayCloseCode.DecodeError, 'Error while decoding payload.');
      return;
    }
    const { op, d } = payload.data;
    switch (op) {
      case GatewayOpcode.Heartbeat: {
        if (d !== null && d !== undefined && !Number.isInteger(d)) {
          connection.close(GatewayCloseCode.DecodeError, 'Error while decoding payload.');
          return;
        }
        connection.heartbeat(this.now, !this.options.faults.withholdsGatewayAck());
        return;
      }
      case GatewayOpcode.Identify:
        return this.identify(connection, d);
      case GatewayOpcode.Resume:
        return this.resume(connection, d);
      case GatewayOpcode.PresenceUpdate:
      case GatewayOpcode.VoiceStateUpdate:
      case GatewayOpcode.RequestGuildMembers:
        if (connection.session === null)
          connection.close(GatewayCloseCode.NotAuthenticated, 'Not authenticated.');
        return;
      default:
        connection.close(GatewayCloseCode.UnknownOpcode, 'Unknown opcode.');
    }
  }

  private tokenAccepted(token: string): boolean {
    const bare = token.replace(/^Bot\s+/, '');
    if (bare.trim() === '') return false;
    return this.options.botTokens === null || this.options.botTokens.includes(bare);
  }

  private async identify(connection: GatewayConnection, data: unknown): Promise<void> {
    if (connection.session !== null) {
      connection.close(GatewayCloseCode.AlreadyAuthenticated, 'Already authenticated.');
      return;
    }
    const identify = identifySchema.safeParse(data);
    if (!identify.success) {
      connection.close(GatewayCloseCode.DecodeError, 'Error while decoding payload.');
      return;
    }
    const { token, intents, shard } = identify.data;
    if (!this.tokenAccepted(token)) {
      this.record({ kind: 'identify', sessionId: null, reason: 'authentication failed' });
      connection.close(GatewayCloseCode.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    if (!Number.isSafeInteger(intents) || intents < 0 || (intents & ~KNOWN_INTENTS) !== 0) {
      connection.close(GatewayCloseCode.InvalidIntents, 'Invalid intent(s).');
      return;
    }
    if ((intents & PRIVILEGED_INTENTS & ~this.allowedPrivileged()) !== 0) {
      connection.close(GatewayCloseCode.DisallowedIntents, 'Disallowed intent(s).');
      return;
    }
    if (shard !== undefined && (shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1])) {
      connection.close(GatewayCloseCode.InvalidShard, 'Invalid shard.');
      return;
    }
    const channels = await this.subscribe();
    this.identifies += 1;
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      token,
      intents,
      seq: 0,
      buffer: [],
      connection,
      detachedAtMs: null,
      valid: true,
    };
    this.sessions.set(session.id, session);
    connection.session = session;
    this.record({ kind: 'identify', sessionId: session.id, detail: intents });
    this.dispatch(session, 'READY', {
      v: 10,
      user: {
        id: snowflakeOf(Date.UTC(2025, 0, 1), 4000),
        username: 'runecast-emulator',
        discriminator: '0',
        global_name: null,
        avatar: null,
        bot: true,
        verified: true,
        flags: 0,
      },
      guilds: channels === null ? [] : [{ id: DISCORD_REPLAY_GUILD_ID, unavailable: true }],
      session_id: session.id,
      resume_gateway_url: `ws://${connection.host}${DISCORD_GATEWAY_PATH}`,
      shard: shard ?? [0, 1],
      application: { id: snowflakeOf(Date.UTC(2025, 0, 1), 4000), flags: 0 },
    });
    if (channels !== null && (intents & GatewayIntent.Guilds) !== 0) {
      this.dispatch(session, 'GUILD_CREATE', {
        id: DISCORD_REPLAY_GUILD_ID,
        name: 'Runecast emulator (replayed Reddit, simulated live chat)',
        unavailable: false,
        member_count: 1,
        channels: channels.channels.map((channel, position) => ({
          id: channel.id,
          type: 0,
          name: channel.name,
          topic: channel.topic,
          position,
          guild_id: DISCORD_REPLAY_GUILD_ID,
        })),
        threads: [],
        members: [],
        roles: [],
      });
    }
    channels?.start();
  }

  private allowedPrivileged(): number {
    return this.options.settings.allowMessageContent ? GatewayIntent.MessageContent : 0;
  }

  private async resume(connection: GatewayConnection, data: unknown): Promise<void> {
    if (connection.session !== null) {
      connection.close(GatewayCloseCode.AlreadyAuthenticated, 'Already authenticated.');
      return;
    }
    const resume = resumeSchema.safeParse(data);
    if (!resume.success) {
      connection.close(GatewayCloseCode.DecodeError, 'Error while decoding payload.');
      return;
    }
    const { token, session_id: sessionId, seq } = resume.data;
    const session = this.sessions.get(sessionId);
    this.record({ kind: 'resume', sessionId, detail: seq ?? 0 });
    if (!this.tokenAccepted(token)) {
      connection.close(GatewayCloseCode.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    const after = seq ?? 0;
    const oldestKept = session?.buffer[0]?.s ?? (session ? session.seq + 1 : 0);
    if (!session || !session.valid || session.token !== token || after + 1 < oldestKept) {
      // Cannot be resumed: told so, then the client identifies anew.
      this.record({
        kind: 'invalid-session',
        sessionId,
        reason: session ? 'events gone' : 'unknown session',
      });
      connection.send({ op: GatewayOpcode.InvalidSession, d: false, s: null, t: null });
      return;
    }
    if (after > session.seq) {
      connection.close(GatewayCloseCode.InvalidSeq, 'Invalid seq.');
      return;
    }
    session.connection?.terminate();
    session.connection = connection;
    session.detachedAtMs = null;
    connection.session = session;
    const missed = session.buffer.filter((entry) => entry.s > after);
    for (const entry of missed) connection.sendText(entry.text);
    this.record({ kind: 'resumed', sessionId, detail: missed.length });
    this.dispatch(session, 'RESUMED', null);
  }

  /** @internal A connection closed: its session waits to be resumed, unless the close ended it. */
  detach(connection: GatewayConnection, code: number, reason: string): void {
    connection.stop();
    this.record({ kind: 'close', sessionId: connection.session?.id ?? null, detail: code, reason });
    const session = connection.session;
    if (!session || session.connection !== connection) return;
    session.connection = null;
    session.detachedAtMs = this.now;
    // Closing with 1000 or 1001 ends the session on Discord; so does a timed-out one.
    if (code === 1000 || code === 1001 || code === GatewayCloseCode.SessionTimedOut) session.valid = false;
  }

  /** @internal A connection missed its heartbeats: closed 4009, the session ended. */
  timedOut(connection: GatewayConnection): void {
    if (connection.session) connection.session.valid = false;
    connection.close(GatewayCloseCode.SessionTimedOut, 'Session timed out.');
  }

  private async subscribe(): Promise<DiscordLiveChannels | null> {
    const channels = await this.options.channels();
    if (channels !== null && this.unsubscribe === null) {
      this.unsubscribe = channels.onEvent((event) => this.publish(event, channels));
    }
    return channels;
  }

  private publish(event: DiscordChannelEvent, channels: DiscordLiveChannels): void {
    for (const session of this.sessions.values()) {
      if (!session.valid || (session.intents & GatewayIntent.GuildMessages) === 0) continue;
      if (event.type === 'MESSAGE_DELETE') {
        this.dispatch(session, event.type, {
          id: event.id,
          channel_id: event.channelId,
          guild_id: DISCORD_REPLAY_GUILD_ID,
        });
        continue;
      }
      const message = discordMessageObject(
        event.message,
        (id) => channels.message(id),
        DISCORD_REPLAY_GUILD_ID,
        true,
      );
      if ((session.intents & GatewayIntent.MessageContent) === 0) {
        // Without the intent Discord sends messages with these fields empty.
        Object.assign(message, { content: '', embeds: [], attachments: [], components: [] });
      }
      this.dispatch(session, event.type, {
        ...message,
        guild_id: DISCORD_REPLAY_GUILD_ID,
        member: { roles: [], joined_at: '2025-01-01T00:00:00.000000+00:00', deaf: false, mute: false },
      });
    }
  }

  private dispatch(session: Session, type: string, data: unknown): void {
    session.seq += 1;
    const text = JSON.stringify({ op: GatewayOpcode.Dispatch, d: data, s: session.seq, t: type });
    session.buffer.push({ s: session.seq, text });
    if (session.buffer.length > this.options.settings.replayBufferSize) session.buffer.shift();
    const connection = session.connection;
    if (connection === null) return;
    const fault = type === 'READY' || type === 'RESUMED' ? null : this.options.faults.forGatewayDispatch();
    if (fault?.kind === 'ws-drop') {
      this.record({ kind: 'drop', sessionId: session.id });
      connection.terminate();
      return;
    }
    if (fault?.kind === 'gateway-reconnect') {
      this.record({ kind: 'reconnect', sessionId: session.id });
      connection.send({ op: GatewayOpcode.Reconnect, d: null, s: null, t: null });
      return;
    }
    if (fault?.kind === 'gateway-invalid-session') {
      this.record({ kind: 'invalid-session', sessionId: session.id, reason: 'fault' });
      session.valid = false;
      connection.send({ op: GatewayOpcode.InvalidSession, d: false, s: null, t: null });
      return;
    }
    connection.sendText(text);
  }

  /** Forgets sessions that ended or were not resumed in time. */
  private sweep(): void {
    const now = this.now;
    for (const [id, session] of this.sessions) {
      const expired =
        session.detachedAtMs !== null && now - session.detachedAtMs > this.options.settings.resumeWindowMs;
      if ((!session.valid || expired) && session.connection === null) this.sessions.delete(id);
      else if (expired) session.valid = false;
    }
  }

  private record(entry: Omit<GatewayRecord, 'atMs'>): void {
    this.records.push({ atMs: this.now, ...entry });
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
  }
}

/** One client websocket of the gateway. */
class GatewayConnection {
  session: Session | null = null;
  host = '127.0.0.1';
  private lastHeartbeatAtMs = 0;
  private watchdog: NodeJS.Timeout | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: WebSocket,
    private readonly gateway: DiscordGateway,
  ) {}

  start(heartbeatIntervalMs: number): void {
    this.lastHeartbeatAtMs = Date.now();
    this.send({ op: GatewayOpcode.Hello, d: { heartbeat_interval: heartbeatIntervalMs }, s: null, t: null });
    // The first heartbeat may come up to one interval late (jitter); then one each interval.
    const allowanceMs = Math.ceil(heartbeatIntervalMs * 1.5) + 1_000;
    this.watchdog = setInterval(
      () => {
        if (Date.now() - this.lastHeartbeatAtMs > allowanceMs) this.gateway.timedOut(this);
      },
      Math.max(50, Math.floor(heartbeatIntervalMs / 4)),
    );
    this.watchdog.unref();
    // Payloads are answered one at a time, in order, even when one waits for the replay to load.
    this.socket.on('message', (data) => {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
      this.queue = this.queue.then(() => this.gateway.handle(this, text)).catch(() => this.terminate());
    });
  }

  heartbeat(nowMs: number, acknowledge: boolean): void {
    this.lastHeartbeatAtMs = nowMs;
    if (acknowledge) this.send({ op: GatewayOpcode.HeartbeatAck, d: null, s: null, t: null });
  }

  send(payload: unknown): void {
    this.sendText(JSON.stringify(payload));
  }

  sendText(text: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(text);
  }

  close(code: number, reason: string): void {
    this.stop();
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason);
  }

  /** Drops the connection without a close frame (the client sees 1006). */
  terminate(): void {
    this.stop();
    this.socket.terminate();
  }

  stop(): void {
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
  }
}
