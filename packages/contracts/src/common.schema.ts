import {
  INSTRUMENT_PATTERN,
  CROSS_ASSET_KEY_PATTERN,
  SERIES_KEY_PATTERN,
  SOURCE_ID_PATTERN,
  TIMEFRAMES,
} from '@runecast/market';
import { z } from 'zod';

/**
 * Text without control characters: no NUL, escape or other C0 code, no DEL, no C1 code. PostgreSQL
 * cannot store NUL in text, and the others have no business in a name, a search or a reason.
 */
// eslint-disable-next-line no-control-regex -- naming control characters is the point
export const SAFE_TEXT_PATTERN = /^[^\u0000-\u001f\u007f-\u009f]*$/;
/** As SAFE_TEXT_PATTERN, but tab and line breaks are allowed (a PEM key, a note). */
// eslint-disable-next-line no-control-regex -- naming control characters is the point
export const SAFE_MULTILINE_TEXT_PATTERN = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$/;

/**
 * A string field of a request (body, query, path) or a message: refuses control characters at the
 * schema, so they never reach a query or a log. Every text field a client sends is built on this.
 */
export function safeText(options: { multiline?: boolean } = {}) {
  return options.multiline
    ? z
        .string()
        .regex(
          SAFE_MULTILINE_TEXT_PATTERN,
          'must not contain control characters other than tab and line breaks',
        )
    : z.string().regex(SAFE_TEXT_PATTERN, 'must not contain control characters');
}

/** True when no string inside `value` (keys included) holds a control character. */
export function isSafeJson(value: unknown, depth = 0): boolean {
  if (depth > 32) return false;
  if (typeof value === 'string') return SAFE_TEXT_PATTERN.test(value);
  if (Array.isArray(value)) return value.every((item) => isSafeJson(item, depth + 1));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).every(
      ([key, item]) => SAFE_TEXT_PATTERN.test(key) && isSafeJson(item, depth + 1),
    );
  return true;
}

export const timeframeSchema = z.enum(TIMEFRAMES);

/** Lower-case ccxt-style exchange id: `binance`, `kraken`, `coinbase`. */
export const exchangeIdSchema = z
  .string()
  .regex(SOURCE_ID_PATTERN, 'exchange id must be lower-case letters and digits, e.g. "binance"');

/** Unified symbol `BASE/QUOTE`, with `:SETTLE` for derivatives. */
export const symbolSchema = z
  .string()
  .regex(INSTRUMENT_PATTERN, 'symbol must look like BASE/QUOTE in upper case, e.g. "BTC/USDT"');

/** Series key text `source:INSTRUMENT:timeframe`, e.g. `binance:BTC/USDT:1m`. */
export const seriesKeySchema = z
  .string()
  .regex(SERIES_KEY_PATTERN, 'series must look like source:BASE/QUOTE:timeframe, e.g. "binance:BTC/USDT:1m"');

/**
 * A series whose changes become features of another: a price series (its log returns) or a
 * metric series of an instrument (the log growth of, say, its holders).
 */
export const crossAssetKeySchema = z
  .string()
  .max(200)
  .regex(
    CROSS_ASSET_KEY_PATTERN,
    'must be a series like binance:ETH/USDT:1h or a metric series like dogdata:DOG•GO•TO•THE•MOON/USD:1d:total_holders',
  );

/** UTC epoch milliseconds. */
export const epochMsSchema = z.int().min(0, 'time must be epoch milliseconds, not negative');

export const positiveNumberSchema = z.number().positive();
export const nonNegativeNumberSchema = z.number().min(0);

/**
 * Where market data came from. `simulated` is true for data the emulator generated rather than
 * a real exchange (or a replay of real data), so everything downstream can say so.
 */
export const dataSourceSchema = z.object({
  /** Human-readable origin, e.g. `ccxt:binance`, `emulator:replay`, `import:file`. */
  label: z.string().min(1).max(200),
  simulated: z.boolean(),
});
export type DataSource = z.infer<typeof dataSourceSchema>;
