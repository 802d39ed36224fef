import type { REST } from '@discordjs/rest';
import { WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';
import { z } from 'zod';
import type { TextLiveEvent, TextLiveFeed } from '../text-source.port.ts';
import { isSnowflake, mapDiscordMessage, snowflakeTimeMs } from './discord-message.ts';

/** GUILD_MESSAGES (1 << 9): message events of guild channels. */
export const GUILD_MESSAGES_INTENT = 1 << 9;
/**
 * MESSAGE_CONTENT (1 << 15), privileged: without it message text arrives empty. It must be
 * switched on for the bot in Discord's developer portal, or the gateway closes with 4014.
 */
export const MESSAGE_CONTENT_INTENT = 1 << 15;

/** Close codes after which the client stops trying (Discord's table marks them not to reconnect). */
const GIVE_UP_CODES: Readonly<Record<number, string>> = {
  4004: 'authentication failed (check the bot token)',
  4010: 'invalid shard',
  4011: 'sharding required',
  4012: 'invalid API version',
  4013: 'invalid intents',
  4014: 'disallowed intents: switch on the Message Content intent for the bot in the developer portal',
};

const snowflake = z.string().refine(isSnowflake, 'must be a snowflake (a 64-bit number as text)');
const dispatchSchema = z.object({
  op: z.literal(0),
  t: z.string(),
  s: z.number().int().nonnegative(),
  d: z.unknown(),
});
const channelOfSchema = z.object({ id: snowflake, channel_id: snowflake });
const deleteSchema = z.object({ id: snowflake, channel_id: snowflake, guild_id: snowflake.optional() });
const editedSchema = z.object({
  edited_timestamp: z
    .string()
    .refine((text) => Number.isFinite(Date.parse(text)), 'must be an ISO-8601 time')
    .nullable()
    .optional(),
});

const reasonOf = (error: z.ZodError, what: string): string => {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || what}: ${issue?.message}`;
};

export interface DiscordGatewayFeedOptions {
  /** The channels read, by id, with their guild for links back to each message. */
  channels: ReadonlyMap<string, { id: string; guildId?: string }>;
  /** The REST client of the source: the gateway's address is read from `GET /gateway/bot` with it. */
  rest: REST;
  /** Gives the bot token, set on `rest` too; throws when none is stored. */
  token(): Promise<string>;
  storeAuthorIds: boolean;
  now: () => number;
  /** Debug lines of the gateway client (connects, heartbeats, resumes), for logs. */
  onDebug?: (message: string) => void;
}

/**
 * Discord's gateway for the source's channels, through `@discordjs/ws` (the discord.js project's
 * gateway client: it keeps the heartbeat, detects a zombie connection, resumes a dropped session
 * with op 6 or identifies anew after op 9, and follows op 7). Asks for GUILD_MESSAGES and
 * MESSAGE_CONTENT. Every dispatch is validated here: messages as the REST path validates them,
 * deletions by their ids; anything else is rejected with its reason. Events of channels the
 * source does not read are left alone.
 */
export class DiscordGatewayFeed implements TextLiveFeed {
  private manager: WebSocketManager | null = null;
  private listener: ((event: TextLiveEvent) => void) | null = null;
  /** Set once the feed gave up; the client's own error events after that say less. */
  private gaveUp = false;

  constructor(private readonly options: DiscordGatewayFeedOptions) {}

  async start(listener: (event: TextLiveEvent) => void): Promise<void> {
    if (this.manager !== null) throw new Error('the Discord gateway feed is running already');
    const token = await this.options.token();
    this.listener = listener;
    this.gaveUp = false;
    const manager = new WebSocketManager({
      token,
      intents: GUILD_MESSAGES_INTENT | MESSAGE_CONTENT_INTENT,
      rest: this.options.rest,
      shardCount: 1,
      helloTimeout: 30_000,
      readyTimeout: 30_000,
      handshakeTimeout: 30_000,
    });
    this.manager = manager;
    manager.on(WebSocketShardEvents.Ready, () => this.emit({ kind: 'connected', resumed: false }));
    manager.on(WebSocketShardEvents.Resumed, () => this.emit({ kind: 'connected', resumed: true }));
    manager.on(WebSocketShardEvents.Closed, (code) => {
      const fatal = GIVE_UP_CODES[code];
      if (fatal !== undefined) this.emit({ kind: 'failed', reason: `gateway closed ${code}: ${fatal}` });
      else this.emit({ kind: 'disconnected', code, reason: `gateway closed ${code}` });
    });
    manager.on(WebSocketShardEvents.Dispatch, (payload) => this.onDispatch(payload));
    if (this.options.onDebug) {
      const onDebug = this.options.onDebug;
      manager.on(WebSocketShardEvents.Debug, (message) => onDebug(message));
    }
    // The client raises an error event after a close it will not recover from (told above by
    // its code) and for a payload it cannot inflate (no compression is asked for here); either
    // way the feed is given up and started again by its collector.
    manager.on(WebSocketShardEvents.Error, (error) =>
      this.emit({ kind: 'failed', reason: `gateway: ${error.message}` }),
    );
    manager.connect().catch((error: unknown) => {
      this.emit({
        kind: 'failed',
        reason: `gateway: ${error instanceof Error ? error.message : String(error)}`,
      });
    });
  }

  async stop(): Promise<void> {
    const manager = this.manager;
    this.manager = null;
    this.listener = null;
    if (manager === null) return;
    await manager.destroy({ code: 1000, reason: 'Runecast is stopping' });
    manager.removeAllListeners();
  }

  private emit(event: TextLiveEvent): void {
    if (event.kind === 'failed') {
      if (this.gaveUp) return;
      this.gaveUp = true;
    }
    this.listener?.(event);
  }

  /** One dispatch as an event, or its rejection; events of other channels and kinds are dropped. */
  private onDispatch(raw: unknown): void {
    const dispatch = dispatchSchema.safeParse(raw);
    if (!dispatch.success) {
      this.emit({
        kind: 'rejected',
        channel: null,
        id: 'unknown',
        reason: reasonOf(dispatch.error, 'dispatch'),
      });
      return;
    }
    const { t: type, d: data } = dispatch.data;
    if (type !== 'MESSAGE_CREATE' && type !== 'MESSAGE_UPDATE' && type !== 'MESSAGE_DELETE') return;
    const target = channelOfSchema.safeParse(data);
    if (!target.success) {
      const id =
        data !== null && typeof data === 'object' && typeof (data as { id?: unknown }).id === 'string'
          ? (data as { id: string }).id.slice(0, 40)
          : 'unknown';
      this.emit({
        kind: 'rejected',
        channel: null,
        id,
        reason: `${type} ${reasonOf(target.error, 'message')}`,
      });
      return;
    }
    const channel = this.options.channels.get(target.data.channel_id);
    if (!channel) return;
    if (type === 'MESSAGE_DELETE') {
      const deleted = deleteSchema.safeParse(data);
      if (!deleted.success) {
        this.emit({
          kind: 'rejected',
          channel: channel.id,
          id: target.data.id,
          reason: `${type} ${reasonOf(deleted.error, 'message')}`,
        });
        return;
      }
      this.emit({
        kind: 'deleted',
        channel: channel.id,
        id: deleted.data.id,
        publishedAtMs: snowflakeTimeMs(deleted.data.id),
      });
      return;
    }
    const nowMs = this.options.now();
    const mapped = mapDiscordMessage(data, {
      sourceId: 'discord',
      channelId: channel.id,
      guildId: channel.guildId ?? null,
      storeAuthorIds: this.options.storeAuthorIds,
      seenAtMs: nowMs,
    });
    if ('rejected' in mapped) {
      this.emit({
        kind: 'rejected',
        channel: channel.id,
        id: mapped.rejected.id,
        reason: `${type} ${mapped.rejected.reason}`,
      });
      return;
    }
    if (type === 'MESSAGE_CREATE') {
      this.emit({ kind: 'created', item: mapped.item });
      return;
    }
    const edited = editedSchema.safeParse(data);
    if (!edited.success) {
      this.emit({
        kind: 'rejected',
        channel: channel.id,
        id: mapped.item.id,
        reason: `${type} ${reasonOf(edited.error, 'message')}`,
      });
      return;
    }
    // An update without an edit time (an embed unfurled) still carries the current text.
    const editedAtMs = edited.data.edited_timestamp ? Date.parse(edited.data.edited_timestamp) : nowMs;
    this.emit({ kind: 'edited', item: mapped.item, editedAtMs });
  }
}
