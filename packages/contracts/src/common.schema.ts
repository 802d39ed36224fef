import { INSTRUMENT_PATTERN, SERIES_KEY_PATTERN, SOURCE_ID_PATTERN, TIMEFRAMES } from '@runecast/market';
import { z } from 'zod';

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
