import { createHash } from 'node:crypto';
import { z } from 'zod';
import { findTextItemProblem, type TextItem } from '@runecast/market';

/** Discord's epoch: the first second of 2015, in ms. */
export const DISCORD_EPOCH_MS = 1_420_070_400_000;
const SNOWFLAKE = /^\d{1,20}$/;

export function isSnowflake(value: string): boolean {
  return SNOWFLAKE.test(value) && BigInt(value) < 1n << 64n;
}

/** The time (ms) a snowflake was made: its top 42 bits are ms since Discord's epoch. */
export function snowflakeTimeMs(snowflake: string): number {
  return Number(BigInt(snowflake) >> 22n) + DISCORD_EPOCH_MS;
}

/** The smallest snowflake of a time, for `after` (messages from that time on). */
export function snowflakeAt(timeMs: number): string {
  return (BigInt(Math.max(0, timeMs - DISCORD_EPOCH_MS)) << 22n).toString();
}

/** Orders snowflakes as the 64-bit numbers they are. */
export function compareSnowflakes(left: string, right: string): number {
  return left.length - right.length || (left < right ? -1 : left > right ? 1 : 0);
}

/**
 * Message types that carry what a member wrote: DEFAULT (0) and REPLY (19). The others are
 * joins, pins, boosts, thread notices and the like.
 */
const TEXT_MESSAGE_TYPES = new Set([0, 19]);
/** A message's `timestamp` and the time in its id agree to the ms on Discord; this allows rounding. */
const TIMESTAMP_TOLERANCE_MS = 1_000;

const snowflake = z.string().refine(isSnowflake, 'must be a snowflake (a 64-bit number as text)');

/** The fields of Discord's message object that Runecast reads; the rest may be anything. */
const messageSchema = z.object({
  id: snowflake,
  channel_id: snowflake,
  type: z.number().int(),
  content: z.string(),
  timestamp: z.string().refine((text) => Number.isFinite(Date.parse(text)), 'must be an ISO-8601 time'),
  edited_timestamp: z
    .string()
    .refine((text) => Number.isFinite(Date.parse(text)), 'must be an ISO-8601 time')
    .nullable()
    .optional(),
  author: z.object({ id: snowflake }),
});

export interface MessageMapping {
  sourceId: string;
  /** The channel asked for; a message of another channel is rejected. */
  channelId: string;
  /** The channel's guild, for links back to the message; none without it. */
  guildId: string | null;
  /** Store the author's id as it is (the admin opted in) instead of a one-way hash of it. */
  storeAuthorIds: boolean;
  seenAtMs: number;
}

export type MappedMessage = { item: TextItem } | { rejected: { id: string; reason: string } };

const hash = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * One message object of Discord's REST API as a text item, or the reason it cannot be one. Its
 * time is the one in its id (the `timestamp` field must agree); the author is kept as a hash of
 * the id unless the admin opted in to ids.
 */
export function mapDiscordMessage(raw: unknown, mapping: MessageMapping): MappedMessage {
  const parsed = messageSchema.safeParse(raw);
  const rawId =
    raw !== null && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string'
      ? (raw as { id: string }).id.slice(0, 40)
      : 'unknown';
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { rejected: { id: rawId, reason: `${issue?.path.join('.') || 'message'}: ${issue?.message}` } };
  }
  const message = parsed.data;
  const reject = (reason: string): MappedMessage => ({ rejected: { id: message.id, reason } });
  if (message.channel_id !== mapping.channelId) {
    return reject(`belongs to channel ${message.channel_id}, not ${mapping.channelId}`);
  }
  if (!TEXT_MESSAGE_TYPES.has(message.type))
    return reject(`message type ${message.type} is no member's text`);
  const publishedAtMs = snowflakeTimeMs(message.id);
  if (Math.abs(Date.parse(message.timestamp) - publishedAtMs) > TIMESTAMP_TOLERANCE_MS) {
    return reject(`timestamp ${message.timestamp} disagrees with the time in the id`);
  }
  if (message.content.trim() === '') {
    return reject('no text (attachments only, or the bot lacks the message-content intent)');
  }
  const item: TextItem = {
    source: mapping.sourceId,
    channel: message.channel_id,
    id: message.id,
    publishedAtMs,
    seenAtMs: mapping.seenAtMs,
    title: null,
    body: message.content,
    url:
      mapping.guildId === null
        ? null
        : `https://discord.com/channels/${mapping.guildId}/${message.channel_id}/${message.id}`,
    author: mapping.storeAuthorIds
      ? message.author.id
      : `sha256:${hash(`discord:${message.author.id}`).slice(0, 16)}`,
  };
  const problem = findTextItemProblem(item);
  return problem === null ? { item } : reject(problem);
}
