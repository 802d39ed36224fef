import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { DISCORD_REPLAY_CHANNELS, snowflakeOf, type DiscordReplayChannel } from './discord-channels.ts';

export const REDDIT_REPLAY_FOLDER = 'social/reddit_crypto_2025-10';
/** The scraper wrote naive local times of a UTC+1 machine (see the replay folder's README). */
const REDDIT_LOCAL_OFFSET_MS = 3_600_000;
/** Discord cuts a message at 2,000 characters; a longer Reddit text is cut there too. */
const DISCORD_MAX_CONTENT = 2_000;

/** One replayed message, ready to be shaped as Discord's message object. */
export interface ReplayedDiscordMessage {
  id: string;
  channelId: string;
  timeMs: number;
  content: string;
  authorId: string;
  authorName: string;
  /** The message replied to (a comment's post or parent comment), when it is in the same channel. */
  replyTo: string | null;
}

export interface DiscordReplay {
  channels: readonly DiscordReplayChannel[];
  /** Messages per channel id, oldest first (ids ascend with time). */
  messages: ReadonlyMap<string, readonly ReplayedDiscordMessage[]>;
  byId: ReadonlyMap<string, ReplayedDiscordMessage>;
}

type Row = Record<string, string>;

function readCsv(buffer: Buffer): Row[] {
  return parse(gunzipSync(buffer), {
    columns: true,
    skip_empty_lines: true,
    relax_quotes: true,
    relax_column_count: true,
  }) as Row[];
}

/** The UTC time of the scraper's naive local `created_utc`, or NaN. */
function redditTimeMs(text: string | undefined): number {
  if (text === undefined || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(text)) return Number.NaN;
  return Date.parse(`${text}Z`) - REDDIT_LOCAL_OFFSET_MS;
}

/** A stable user snowflake and a Discord-shaped username for a Reddit author. */
function userOf(author: string): { id: string; name: string } {
  const digest = createHash('sha256').update(author).digest();
  // Accounts "made" in 2016-2024, spread by the hash, so every author has one fixed id.
  const madeAtMs = Date.UTC(2016, 0, 1) + (digest.readUInt32BE(0) % (8 * 365 * 86_400)) * 1000;
  const name =
    author
      .toLowerCase()
      .replace(/[^a-z0-9_.]/g, '_')
      .slice(0, 32) || 'unknown';
  return { id: snowflakeOf(madeAtMs, digest.readUInt16BE(4)), name: name.length < 2 ? `${name}_` : name };
}

const cut = (text: string): string =>
  text.length <= DISCORD_MAX_CONTENT ? text : `${text.slice(0, DISCORD_MAX_CONTENT - 1)}…`;

interface Draft {
  redditId: string;
  parentRedditId: string | null;
  subreddit: string;
  timeMs: number;
  content: string;
  author: string;
}

/**
 * Reads the Reddit posts and comments of the replay folder as Discord messages: each subreddit of
 * DISCORD_REPLAY_CHANNELS is a channel, a post is a message (title, blank line, text), a comment
 * a reply to its post or parent comment. Times are the scraper's local times made UTC; ids are
 * snowflakes of those times. A row seen in several scraper runs is one message; deleted or
 * removed texts and rows without a readable time are left out. Null without the folder.
 */
export async function loadDiscordReplay(directory: string): Promise<DiscordReplay | null> {
  const folder = join(directory, REDDIT_REPLAY_FOLDER);
  if (!existsSync(folder)) return null;
  const channelBySubreddit = new Map(DISCORD_REPLAY_CHANNELS.map((entry) => [entry.subreddit, entry]));
  const drafts = new Map<string, Draft>();
  const files = readdirSync(folder)
    .filter((name) => /^crypto_(posts|comments)_.*\.csv\.gz$/.test(name))
    .sort();
  for (const file of files) {
    const isPost = file.startsWith('crypto_posts_');
    for (const row of readCsv(await readFile(join(folder, file)))) {
      const subreddit = (row.subreddit ?? '').toLowerCase();
      if (!channelBySubreddit.has(subreddit)) continue;
      const redditId = isPost ? `t3_${row.post_id ?? ''}` : `t1_${row.comment_id ?? ''}`;
      if (redditId.length <= 3 || drafts.has(redditId)) continue;
      const timeMs = redditTimeMs(row.created_utc);
      const text = isPost
        ? [row.title ?? '', row.selftext ?? ''].filter((part) => part.trim() !== '').join('\n\n')
        : (row.body ?? '');
      if (!Number.isFinite(timeMs) || text.trim() === '' || /^\[(deleted|removed)\]$/.test(text.trim())) {
        continue;
      }
      drafts.set(redditId, {
        redditId,
        parentRedditId: isPost ? null : (row.parent_id ?? null),
        subreddit,
        timeMs,
        content: cut(text),
        author: row.author ?? '[deleted]',
      });
    }
  }
  const ordered = [...drafts.values()].sort(
    (left, right) => left.timeMs - right.timeMs || left.redditId.localeCompare(right.redditId),
  );
  const idOf = new Map<string, string>();
  const increments = new Map<number, number>();
  const messages = new Map<string, ReplayedDiscordMessage[]>(
    DISCORD_REPLAY_CHANNELS.map((entry) => [entry.id, []]),
  );
  const byId = new Map<string, ReplayedDiscordMessage>();
  for (const draft of ordered) {
    const increment = increments.get(draft.timeMs) ?? 0;
    increments.set(draft.timeMs, increment + 1);
    const id = snowflakeOf(draft.timeMs, increment);
    idOf.set(draft.redditId, id);
    const channelId = channelBySubreddit.get(draft.subreddit)!.id;
    const user = userOf(draft.author);
    const parent = draft.parentRedditId === null ? undefined : idOf.get(draft.parentRedditId);
    const message: ReplayedDiscordMessage = {
      id,
      channelId,
      timeMs: draft.timeMs,
      content: draft.content,
      authorId: user.id,
      authorName: user.name,
      replyTo: parent !== undefined && byId.get(parent)?.channelId === channelId ? parent : null,
    };
    messages.get(channelId)!.push(message);
    byId.set(id, message);
  }
  return { channels: DISCORD_REPLAY_CHANNELS, messages, byId };
}
