import { createRandom } from '../market/seeded-random.ts';
import { snowflakeOf, type DiscordReplayChannel } from './discord-channels.ts';
import type { DiscordReplay, ReplayedDiscordMessage } from './discord-replay.ts';

/** A message the channels hold now: replayed or simulated, perhaps edited since. */
export interface HeldDiscordMessage extends ReplayedDiscordMessage {
  /** When the message was last edited (ms), null when never. */
  editedTimeMs: number | null;
  /** True for the live messages the emulator makes up (never for replayed Reddit text). */
  simulated: boolean;
}

/** What happened in a channel, in the order the gateway dispatches it. */
export type DiscordChannelEvent =
  | { type: 'MESSAGE_CREATE'; message: HeldDiscordMessage }
  | { type: 'MESSAGE_UPDATE'; message: HeldDiscordMessage }
  | { type: 'MESSAGE_DELETE'; id: string; channelId: string };

/** How fast the simulated chat goes (wall clock), and how much of it is edited or deleted later. */
export interface DiscordLiveSettings {
  /** A new simulated message every this many ms, round the channels; 0 stops the chat. */
  messageIntervalMs: number;
  /** Chance that each new message comes with an edit of an earlier simulated one. */
  editShare: number;
  /** Chance that each new message comes with the deletion of an earlier simulated one. */
  deleteShare: number;
}

/** Simulated authors, labelled as such in their names. */
const SIMULATED_AUTHORS = ['simulated_trader_1', 'simulated_trader_2', 'simulated_trader_3'].map(
  (name, index) => ({ name, id: snowflakeOf(Date.UTC(2024, 0, 1), 100 + index) }),
);
const UPBEAT = [
  '{asset} looking strong here, breaking out with good volume',
  'bought more {asset} on this dip, feeling bullish',
  '{asset} holding support nicely, great setup',
];
const GLOOMY = [
  '{asset} dumping hard, this looks ugly',
  'sold my {asset}, too much risk and weak volume',
  '{asset} lost support, expecting a crash',
];
const EDITS = [' (edit: changed my mind, taking profit)', ' (edit: typo)', ' (edit: still holding)'];
/** Simulated messages kept around to be edited or deleted later. */
const EDITABLE_WINDOW = 50;

/**
 * The messages of the emulated channels as they are now: the replayed Reddit threads, then the
 * live simulated chat made from the wall clock while a gateway client is connected. REST history
 * answers from here (an edited message shows its new text, a deleted one is gone) and every change
 * is told to the listeners (the gateway) in order.
 */
export class DiscordLiveChannels {
  private readonly held = new Map<string, HeldDiscordMessage[]>();
  private readonly byId = new Map<string, HeldDiscordMessage>();
  private readonly listeners = new Set<(event: DiscordChannelEvent) => void>();
  private readonly random: () => number;
  private readonly recentSimulated: HeldDiscordMessage[] = [];
  private timer: NodeJS.Timeout | null = null;
  private nextChannel = 0;
  private lastIdTimeMs = 0;
  private increment = 0;
  private counts = { created: 0, edited: 0, deleted: 0 };

  constructor(
    readonly replay: DiscordReplay,
    private settings: DiscordLiveSettings,
    seed: number,
    private readonly now: () => number = Date.now,
  ) {
    this.random = createRandom(seed ^ 0xd15c);
    for (const channel of replay.channels) {
      const messages = (replay.messages.get(channel.id) ?? []).map((message): HeldDiscordMessage => ({
        ...message,
        editedTimeMs: null,
        simulated: false,
      }));
      this.held.set(channel.id, messages);
      for (const message of messages) this.byId.set(message.id, message);
    }
  }

  get channels(): readonly DiscordReplayChannel[] {
    return this.replay.channels;
  }

  /** The messages of a channel, oldest first; undefined for an unknown channel. */
  messagesOf(channelId: string): readonly HeldDiscordMessage[] | undefined {
    return this.held.get(channelId);
  }

  message(id: string): HeldDiscordMessage | undefined {
    return this.byId.get(id);
  }

  onEvent(listener: (event: DiscordChannelEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get current(): DiscordLiveSettings & { created: number; edited: number; deleted: number } {
    return { ...this.settings, ...this.counts };
  }

  configure(settings: Partial<DiscordLiveSettings>): DiscordLiveSettings {
    this.settings = { ...this.settings, ...settings };
    if (this.timer !== null) {
      this.stop();
      this.start();
    }
    return { ...this.settings };
  }

  /** Starts the simulated chat (idempotent); the gateway starts it when a client identifies. */
  start(): void {
    if (this.timer !== null || this.settings.messageIntervalMs <= 0) return;
    this.timer = setInterval(() => this.simulateOnce(), this.settings.messageIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One step of the simulated chat: a new message, and perhaps an edit and a deletion. */
  simulateOnce(): void {
    const channel = this.replay.channels[this.nextChannel % this.replay.channels.length];
    this.nextChannel += 1;
    if (!channel) return;
    const asset = channel.about[0] ?? 'crypto';
    const pool = this.random() < 0.5 ? UPBEAT : GLOOMY;
    const text = pool[Math.floor(this.random() * pool.length)]!.replaceAll('{asset}', asset);
    const author = SIMULATED_AUTHORS[Math.floor(this.random() * SIMULATED_AUTHORS.length)]!;
    this.post(channel.id, text, author);
    const editable = this.recentSimulated.filter((message) => this.byId.has(message.id));
    if (editable.length > 1 && this.random() < this.settings.editShare) {
      const target = editable[Math.floor(this.random() * (editable.length - 1))]!;
      this.edit(target.id, `${target.content}${EDITS[Math.floor(this.random() * EDITS.length)]!}`);
    }
    if (editable.length > 1 && this.random() < this.settings.deleteShare) {
      const target = editable[Math.floor(this.random() * (editable.length - 1))]!;
      this.delete(target.id);
    }
  }

  /** Posts a simulated message now; returns it. Throws for an unknown channel. */
  post(
    channelId: string,
    content: string,
    author: { id: string; name: string } = SIMULATED_AUTHORS[0]!,
  ): HeldDiscordMessage {
    const messages = this.held.get(channelId);
    if (!messages) throw new Error(`unknown Discord channel ${channelId}`);
    // Ids ascend with time; within one ms the increment tells messages apart, as on Discord.
    const timeMs = Math.max(this.now(), this.lastIdTimeMs);
    this.increment = timeMs === this.lastIdTimeMs ? this.increment + 1 : 0;
    this.lastIdTimeMs = timeMs;
    const message: HeldDiscordMessage = {
      id: snowflakeOf(timeMs, this.increment),
      channelId,
      timeMs,
      content: content.slice(0, 2_000),
      authorId: author.id,
      authorName: author.name,
      replyTo: null,
      editedTimeMs: null,
      simulated: true,
    };
    messages.push(message);
    this.byId.set(message.id, message);
    this.recentSimulated.push(message);
    if (this.recentSimulated.length > EDITABLE_WINDOW) this.recentSimulated.shift();
    this.counts.created += 1;
    this.emit({ type: 'MESSAGE_CREATE', message });
    return message;
  }

  /** Edits a simulated message (replayed Reddit text is never changed); false when it is not there. */
  edit(id: string, content: string): boolean {
    const message = this.byId.get(id);
    if (!message?.simulated) return false;
    message.content = content.slice(0, 2_000);
    message.editedTimeMs = Math.max(this.now(), message.timeMs);
    this.counts.edited += 1;
    this.emit({ type: 'MESSAGE_UPDATE', message });
    return true;
  }

  /** Deletes a simulated message; false when it is not there. */
  delete(id: string): boolean {
    const message = this.byId.get(id);
    if (!message?.simulated) return false;
    const messages = this.held.get(message.channelId)!;
    messages.splice(messages.indexOf(message), 1);
    this.byId.delete(id);
    this.counts.deleted += 1;
    this.emit({ type: 'MESSAGE_DELETE', id, channelId: message.channelId });
    return true;
  }

  private emit(event: DiscordChannelEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

const isoTimestamp = (timeMs: number): string => new Date(timeMs).toISOString().replace('Z', '000+00:00');

/**
 * Discord's message object of a held message; `referenced_message` (replies) only when asked,
 * as history answers carry it one level deep.
 */
export function discordMessageObject(
  message: HeldDiscordMessage,
  lookup: (id: string) => HeldDiscordMessage | undefined,
  guildId: string,
  withReference: boolean,
): Record<string, unknown> {
  const shaped: Record<string, unknown> = {
    type: message.replyTo === null ? 0 : 19,
    content: message.content,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    timestamp: isoTimestamp(message.timeMs),
    edited_timestamp: message.editedTimeMs === null ? null : isoTimestamp(message.editedTimeMs),
    flags: 0,
    components: [],
    id: message.id,
    channel_id: message.channelId,
    author: {
      id: message.authorId,
      username: message.authorName,
      avatar: null,
      discriminator: '0',
      public_flags: 0,
      flags: 0,
      banner: null,
      accent_color: null,
      global_name: null,
      avatar_decoration_data: null,
      banner_color: null,
    },
    pinned: false,
    mention_everyone: false,
    tts: false,
  };
  if (message.replyTo !== null) {
    shaped.message_reference = {
      type: 0,
      channel_id: message.channelId,
      message_id: message.replyTo,
      guild_id: guildId,
    };
    if (withReference) {
      const referenced = lookup(message.replyTo);
      shaped.referenced_message = referenced
        ? discordMessageObject(referenced, lookup, guildId, false)
        : null;
    }
  }
  return shaped;
}
