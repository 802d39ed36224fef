import { z } from 'zod';
import { safeText, seriesKeySchema } from '../common.schema.ts';
import { booleanQuerySchema } from './common.schema.ts';
import { apiCandleSchema } from './candles.schema.ts';

export const maxStreamSeries = 20;

/** `series=binance:BTC/USDT:1m,binance:ETH/USDT:1m`: the series to follow, comma-separated. */
export const streamQuerySchema = z.strictObject({
  series: safeText()
    .max(2000)
    .describe('comma-separated series keys, e.g. binance:BTC/USDT:1m,binance:ETH/USDT:1m')
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(
      z
        .array(seriesKeySchema)
        .min(1, 'name at least one series')
        .max(maxStreamSeries, `at most ${maxStreamSeries} series`),
    ),
  /** Also send top of book of each series' market (default true). */
  book: booleanQuerySchema.optional(),
  /** Also send new candles (default true). */
  candles: booleanQuerySchema.optional(),
  /** Also send new forecasts of the series (default true). */
  forecasts: booleanQuerySchema.optional(),
  /** Token for clients that cannot set headers (EventSource); prefer the Authorization header. */
  access_token: safeText().max(4096).optional(),
});

/** `event: candles` */
export const streamCandlesEventSchema = z.object({
  series: z.string(),
  candles: z.array(apiCandleSchema),
  simulated: z.boolean(),
});
export type StreamCandlesEvent = z.infer<typeof streamCandlesEventSchema>;

/** `event: book` */
export const streamBookEventSchema = z.object({
  exchange: z.string(),
  symbol: z.string(),
  timestampMs: z.int(),
  bidPrice: z.number(),
  bidSize: z.number(),
  askPrice: z.number(),
  askSize: z.number(),
  simulated: z.boolean(),
});
export type StreamBookEvent = z.infer<typeof streamBookEventSchema>;

/** `event: ready`, first on every stream: what it follows. */
export const streamReadyEventSchema = z.object({
  series: z.array(z.string()),
  book: z.boolean(),
  candles: z.boolean(),
  forecasts: z.boolean(),
});
