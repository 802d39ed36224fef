import { MENTION_PATTERN, RUNE_SPACER } from '@runecast/market';
import { z } from 'zod';
import { safeText } from '../common.schema.ts';
import { integerQuerySchema, timeQuerySchema } from './common.schema.ts';

/**
 * What news is about, as a query gives it: an asset (`BTC`), a market (`binance:BTC/USDT`,
 * `BTC/USDT`) standing for its base asset, or a rune name with spacers (`DOG•GO•TO•THE•MOON`,
 * `dog.go.to.the.moon`, `DOG GO TO THE MOON`). Read as the asset code or spaced rune name.
 */
export const newsAboutSchema = safeText()
  .min(1)
  .max(100)
  .describe('asset (BTC), market (binance:BTC/USDT) or rune with spacers (DOG•GO•TO•THE•MOON)')
  .transform((text, context) => {
    const base = text.trim().split('/')[0] ?? '';
    const subject = base
      .slice(base.lastIndexOf(':') + 1)
      .toUpperCase()
      .replace(/[.\s]+/g, RUNE_SPACER);
    if (!MENTION_PATTERN.test(subject)) {
      context.addIssue({
        code: 'custom',
        message:
          'must be an asset such as BTC, a market such as binance:BTC/USDT, or a rune name with spacers',
      });
      return z.NEVER;
    }
    return subject;
  });

/** A sentiment bound in a query: a decimal number from -1 to 1. */
export const sentimentQuerySchema = safeText()
  .max(24)
  .describe('decimal number from -1 to 1')
  .transform((text, context) => {
    const trimmed = text.trim();
    const value = /^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(trimmed) ? Number(trimmed) : Number.NaN;
    if (!(value >= -1 && value <= 1)) {
      context.addIssue({ code: 'custom', message: 'must be a number from -1 to 1' });
      return z.NEVER;
    }
    return value;
  });

export const newsQuerySchema = z.strictObject({
  about: newsAboutSchema.optional(),
  from: timeQuerySchema.optional().describe('published at or after (epoch ms or ISO 8601)'),
  to: timeQuerySchema.optional().describe('published before (epoch ms or ISO 8601)'),
  minSentiment: sentimentQuerySchema.optional(),
  maxSentiment: sentimentQuerySchema.optional(),
  limit: integerQuerySchema({
    min: 1,
    max: 500,
    description: 'most articles returned, 1 to 500 (default 50)',
  }).optional(),
});
export type NewsQuery = z.infer<typeof newsQuerySchema>;

export const newsItemSchema = z.object({
  source: z.string().describe('the text source (news)'),
  channel: z.string().describe('the feed the article came from'),
  id: z.string(),
  title: z.string().nullable(),
  url: z.string().nullable().describe('canonical address: no tracking parameters or fragment'),
  excerpt: z.string().describe('the start of the article text'),
  publishedAtMs: z.int().describe('publication time, by the feed'),
  seenAtMs: z.int().describe('when Runecast first saw it'),
  knownAtMs: z.int().describe('the later of the two: when features may first use it'),
  sentiment: z
    .number()
    .min(-1)
    .max(1)
    .nullable()
    .describe('from -1 (negative) to 1 (positive); null if unscored'),
  scorer: z.string().nullable().describe('the scorer that made the sentiment, e.g. lexicon-v1'),
  mentions: z.array(z.string()).describe('assets and runes the article names'),
});
export type NewsItem = z.infer<typeof newsItemSchema>;

export const newsResponseSchema = z.object({ items: z.array(newsItemSchema) });
export type NewsResponse = z.infer<typeof newsResponseSchema>;
