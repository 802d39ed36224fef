import { z } from 'zod';
import { safeText, seriesKeySchema } from '../common.schema.ts';
import { booleanQuerySchema } from './common.schema.ts';
import { apiCandleSchema } from './candles.schema.ts';
import { alertEventSchema } from './alerts.schema.ts';

export const maxStreamSeries = 20;

/** `?ticket=` of a live stream: what POST /api/v1/stream/tickets answered, good once for 30 s. */
export const streamTicketQuerySchema = z
  .string()
  .regex(/^rst_[A-Za-z0-9_-]{43}$/, 'must be a stream ticket from POST /api/v1/stream/tickets');

export const streamTicketResponseSchema = z.object({
  /** Add as `?ticket=` to one stream URL; it works once, until `expiresAtMs`. */
  ticket: z.string(),
  expiresAtMs: z.int(),
});
export type StreamTicketResponse = z.infer<typeof streamTicketResponseSchema>;

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
  /** Single-use stream ticket (POST /api/v1/stream/tickets) for clients that cannot set headers (EventSource). */
  ticket: streamTicketQuerySchema.optional(),
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

/** `GET /api/v1/stream/alerts`: the caller's own firings as they are stored. */
export const alertStreamQuerySchema = z.strictObject({
  /** Single-use stream ticket (POST /api/v1/stream/tickets) for clients that cannot set headers (EventSource). */
  ticket: streamTicketQuerySchema.optional(),
});

/** `event: alert` on the alerts stream: a firing of one of the caller's rules, as the history shows it. */
export const streamAlertEventSchema = alertEventSchema;
export type StreamAlertEvent = z.infer<typeof streamAlertEventSchema>;
