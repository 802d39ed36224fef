import { z } from 'zod';
import { exchangeIdSchema, safeText, seriesKeySchema, symbolSchema } from '../common.schema.ts';

/** Stable machine-readable error codes every API error carries. */
export const apiErrorCodes = [
  'validation_failed',
  'unauthorized',
  'account_disabled',
  'forbidden',
  'not_found',
  'conflict',
  'unprocessable',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'login_throttled',
  'quota_exceeded',
  'unavailable',
  'internal',
] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];

/** The one shape of every error answer: `{ error: { code, message, details } }`. */
export const apiErrorSchema = z
  .object({
    error: z.object({
      code: z.string().describe('stable machine-readable code, e.g. validation_failed'),
      message: z.string().describe('what went wrong, naming the field when input was at fault'),
      details: z.record(z.string(), z.unknown()).nullable(),
    }),
  })
  .meta({ id: 'ApiError' });
export type ApiError = z.infer<typeof apiErrorSchema>;

/** One field-level problem of a rejected request (`details.issues`). */
export const validationIssueSchema = z.object({
  field: z.string().describe('where the problem is, e.g. body.email or query.limit'),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof validationIssueSchema>;

const EPOCH_DIGITS = /^\d{1,15}$/;
/** ISO 8601 date or date-time, the forms `Date.parse` reads the same on every engine. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * A time given in a query: epoch milliseconds (`1717200000000`) or ISO 8601
 * (`2024-06-01`, `2024-06-01T00:00:00Z`). Parsed to epoch milliseconds.
 */
export const timeQuerySchema = safeText()
  .max(40)
  .describe('epoch milliseconds or ISO 8601 time, e.g. 2025-06-01T00:00:00Z')
  .transform((text, context) => {
    const trimmed = text.trim();
    const timeMs = EPOCH_DIGITS.test(trimmed)
      ? Number(trimmed)
      : ISO_TIME.test(trimmed)
        ? Date.parse(trimmed.length === 10 ? `${trimmed}T00:00:00Z` : trimmed)
        : Number.NaN;
    if (!Number.isSafeInteger(timeMs) || timeMs < 0 || timeMs > 8_640_000_000_000_000) {
      context.addIssue({
        code: 'custom',
        message: 'must be epoch milliseconds or an ISO 8601 time, e.g. 2025-06-01T00:00:00Z',
      });
      return z.NEVER;
    }
    return timeMs;
  });

/** A whole number in a query string, within bounds. */
export function integerQuerySchema(options: { min: number; max: number; description?: string }) {
  return safeText()
    .max(16)
    .describe(options.description ?? `whole number from ${options.min} to ${options.max}`)
    .transform((text, context) => {
      const value = /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
      if (!Number.isSafeInteger(value) || value < options.min || value > options.max) {
        context.addIssue({
          code: 'custom',
          message: `must be a whole number from ${options.min} to ${options.max}`,
        });
        return z.NEVER;
      }
      return value;
    });
}

/** `true`/`false` (or 1/0) in a query string. */
export const booleanQuerySchema = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1');

/** A time given in a JSON body: epoch milliseconds or an ISO 8601 string. */
export const timeBodySchema = z.union([z.int().min(0).max(8_640_000_000_000_000), timeQuerySchema], {
  error: 'must be epoch milliseconds or an ISO 8601 time',
});

export const uuidSchema = z.uuid({ error: 'must be a UUID' });

/** An IANA time zone name this runtime knows, such as Europe/Berlin. */
export const timeZoneSchema = safeText()
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Europe/Berlin');

/** A series key in a query, e.g. `binance:BTC/USDT:1m`. */
export const seriesQuerySchema = seriesKeySchema.describe(
  'series as exchange:BASE/QUOTE:timeframe, e.g. binance:BTC/USDT:1m',
);

/** Exchange id path parameter. */
export const exchangeParamSchema = exchangeIdSchema.describe('ccxt exchange id, e.g. binance');

/**
 * Symbol path parameter: `BTC-USDT` (URL friendly) or `BTC/USDT` (percent-encoded), read as the
 * unified `BTC/USDT`; `BTC-USDT_USDT` stands for `BTC/USDT:USDT`.
 */
export const symbolParamSchema = safeText()
  .max(64)
  .describe('market symbol, BTC-USDT or BTC%2FUSDT')
  .transform((text) => {
    if (text.includes('/')) return text;
    const match = /^([A-Z0-9]{1,20})-([A-Z0-9]{1,20})(?:_([A-Z0-9]{1,20}))?$/.exec(text);
    if (!match) return text;
    return match[3] === undefined ? `${match[1]}/${match[2]}` : `${match[1]}/${match[2]}:${match[3]}`;
  })
  .pipe(symbolSchema);

/** 204 answers carry no body. */
export const noContentSchema = z.null().describe('no content');
