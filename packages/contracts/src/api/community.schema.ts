import { z } from 'zod';
import { safeText, symbolSchema } from '../common.schema.ts';
import { integerQuerySchema, timeQuerySchema } from './common.schema.ts';
import { newsAboutSchema, sentimentQuerySchema } from './news.schema.ts';

/** A channel id of a text source: a Discord channel snowflake or a news feed id. */
export const textChannelSchema = safeText()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a channel id: lower-case letters, digits and dashes')
  .describe('channel id: a Discord channel snowflake or a news feed id');

/** Where a page of messages ended: the last message's time, id and channel. */
export interface CommunityCursor {
  publishedAtMs: number;
  id: string;
  channel: string;
}

const CURSOR_PATTERN = /^(\d{1,16})_([a-z0-9][a-z0-9-]{0,63})_([\x21-\x7e]{1,100})$/;

/** Encodes where a page ended, for `cursor` of the next request. */
export function encodeCommunityCursor(cursor: CommunityCursor): string {
  return `${cursor.publishedAtMs}_${cursor.channel}_${cursor.id}`;
}

/** `nextCursor` of the previous page, read back; anything else is refused. */
export const communityCursorSchema = safeText()
  .min(1)
  .max(200)
  .describe('nextCursor of the previous page')
  .transform((text, context): CommunityCursor => {
    const match = CURSOR_PATTERN.exec(text);
    const publishedAtMs = Number(match?.[1]);
    if (!match || !Number.isSafeInteger(publishedAtMs)) {
      context.addIssue({ code: 'custom', message: 'must be the nextCursor of an earlier page' });
      return z.NEVER;
    }
    return { publishedAtMs, channel: match[2]!, id: match[3]! };
  });

export const communityMessagesQuerySchema = z.strictObject({
  channel: textChannelSchema.optional(),
  about: newsAboutSchema.optional(),
  from: timeQuerySchema.optional().describe('published at or after (epoch ms or ISO 8601)'),
  to: timeQuerySchema.optional().describe('published before (epoch ms or ISO 8601)'),
  minSentiment: sentimentQuerySchema.optional(),
  maxSentiment: sentimentQuerySchema.optional(),
  limit: integerQuerySchema({
    min: 1,
    max: 200,
    description: 'most messages returned, 1 to 200 (default 50)',
  }).optional(),
  cursor: communityCursorSchema.optional(),
});
export type CommunityMessagesQuery = z.infer<typeof communityMessagesQuerySchema>;

export const communityMessageSchema = z.object({
  id: z.string().describe('the message id (a Discord snowflake)'),
  channel: z.string().describe('the channel id'),
  channelName: z.string().nullable().describe('the channel name, where Runecast is set up to read it'),
  excerpt: z.string().describe('the start of the message text (empty once the retention removed it)'),
  url: z.string().nullable().describe('link back to the message'),
  publishedAtMs: z.int().describe('when it was posted'),
  seenAtMs: z.int().describe('when Runecast first saw it'),
  knownAtMs: z.int().describe('the later of the two'),
  sentiment: z
    .number()
    .min(-1)
    .max(1)
    .nullable()
    .describe('from -1 (negative) to 1 (positive); null if unscored'),
  scorer: z.string().nullable(),
  mentions: z.array(z.string()).describe('assets and runes the message names'),
  author: z.string().nullable().describe('a one-way hash of the author id (sha256: and 16 hex digits)'),
});
export type CommunityMessage = z.infer<typeof communityMessageSchema>;

export const communityMessagesResponseSchema = z.object({
  items: z.array(communityMessageSchema),
  nextCursor: z.string().nullable().describe('pass as cursor for the next (older) page; null on the last'),
});
export type CommunityMessagesResponse = z.infer<typeof communityMessagesResponseSchema>;

export const SUMMARY_SOURCES = ['discord', 'news'] as const;

export const communitySummariesQuerySchema = z.strictObject({
  source: z
    .enum(SUMMARY_SOURCES)
    .optional()
    .describe('whose channels are summarised, one summary each (default discord); ignored with about'),
  channel: textChannelSchema.optional().describe('summarise only this channel of the source'),
  about: newsAboutSchema
    .optional()
    .describe('summarise what Discord and news said of this asset, market or rune instead of channels'),
  windowHours: integerQuerySchema({
    min: 1,
    max: 168,
    description: 'hours the summary covers, ending at `at`: 1 to 168 (default 24)',
  }).optional(),
  at: timeQuerySchema
    .optional()
    .describe('end of the window (default now): only items known by then are read'),
  sentences: integerQuerySchema({
    min: 1,
    max: 10,
    description: 'sentences per summary, 1 to 10 (default 5)',
  }).optional(),
  method: z
    .enum(['auto', 'extractive'])
    .optional()
    .describe(
      'auto (default): written by the configured chat model when there is one, else extractive; extractive: never the model',
    ),
});
export type CommunitySummariesQuery = z.infer<typeof communitySummariesQuerySchema>;

export const summarySentenceSchema = z.object({
  text: z.string(),
  score: z.number().describe('the ranking score when it was chosen'),
  source: z.string(),
  channel: z.string(),
  itemId: z.string().describe('the message or article it came from'),
  url: z.string().nullable().describe('link back to the message or article'),
  publishedAtMs: z.int(),
  seenAtMs: z.int(),
  knownAtMs: z.int(),
});
export type SummarySentence = z.infer<typeof summarySentenceSchema>;

export const communitySummarySchema = z.object({
  kind: z.enum(['channel', 'market']),
  source: z.string().nullable().describe('the source of a channel summary; null for a market summary'),
  channel: z.string().nullable(),
  channelName: z.string().nullable(),
  about: z.string().nullable().describe('the asset or rune of a market summary'),
  windowStartMs: z.int().describe('exclusive: items known after this'),
  windowEndMs: z.int().describe('inclusive: items known at or before this'),
  itemsInWindow: z.int().describe('items known inside the window'),
  itemsRead: z.int().describe('the newest of them read (at most 2,000), copies read once'),
  method: z
    .enum(['extractive', 'abstractive'])
    .describe('extractive: the top sentences; abstractive: `text` written by a chat model from them'),
  ranker: z.string().describe('the sentence ranking, e.g. sumbasic-v1'),
  text: z.string().nullable().describe('the abstractive summary; null for an extractive one'),
  model: z.string().nullable().describe('the chat model that wrote `text`'),
  fallbackReason: z
    .string()
    .nullable()
    .describe('why a chat model was configured but the summary is extractive (an error, a timeout…)'),
  sentences: z
    .array(summarySentenceSchema)
    .describe('the top sentences, each linking back; an abstractive summary is written from them'),
});
export type CommunitySummary = z.infer<typeof communitySummarySchema>;

export const communitySummariesResponseSchema = z.object({ summaries: z.array(communitySummarySchema) });
export type CommunitySummariesResponse = z.infer<typeof communitySummariesResponseSchema>;

/** The text metrics written per market each hour (see docs/signals.md). */
export const TEXT_METRIC_NAMES = [
  'count_1h',
  'count_24h',
  'sentiment_mean_1h',
  'sentiment_mean_24h',
  'sentiment_dispersion_1h',
  'sentiment_dispersion_24h',
  'share_positive_1h',
  'share_positive_24h',
  'share_negative_1h',
  'share_negative_24h',
] as const;

export const communitySentimentQuerySchema = z.strictObject({
  symbol: safeText()
    .trim()
    .max(80)
    .transform((text) => text.toUpperCase())
    .pipe(symbolSchema)
    .describe('the market instrument, e.g. BTC/USDT or DOG•GO•TO•THE•MOON/SATS'),
  source: z.enum(SUMMARY_SOURCES).optional().describe('the text source counted (default discord)'),
  metric: z.enum(TEXT_METRIC_NAMES).optional().describe('the metric (default sentiment_mean_24h)'),
  from: timeQuerySchema.optional().describe('from this time (default 7 days before to)'),
  to: timeQuerySchema.optional().describe('up to this time (default now); at most 90 days after from'),
});
export type CommunitySentimentQuery = z.infer<typeof communitySentimentQuerySchema>;

export const communitySentimentResponseSchema = z.object({
  source: z.string(),
  symbol: z.string(),
  metric: z.string(),
  points: z.array(z.object({ timeMs: z.int(), value: z.number() })).describe('hourly points, oldest first'),
});
export type CommunitySentimentResponse = z.infer<typeof communitySentimentResponseSchema>;
