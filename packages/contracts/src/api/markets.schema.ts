import { z } from 'zod';
import { exchangeIdSchema, safeText, symbolSchema } from '../common.schema.ts';
import { exchangeParamSchema, integerQuerySchema, symbolParamSchema } from './common.schema.ts';

export const marketTypes = ['spot', 'swap', 'future', 'option', 'other'] as const;

/** A market of an exchange as Runecast describes it. */
export const apiMarketSchema = z
  .object({
    exchange: z.string(),
    symbol: z.string(),
    base: z.string(),
    quote: z.string(),
    type: z.enum(marketTypes),
    active: z.boolean(),
    pricePrecision: z.number().nullable(),
    amountPrecision: z.number().nullable(),
  })
  .meta({ id: 'Market' });
export type ApiMarket = z.infer<typeof apiMarketSchema>;

/** A tracked market: stored in Runecast, configured at start-up, or both. */
export const trackedMarketSchema = apiMarketSchema
  .extend({
    /** When it was added; null for a configured market not loaded from its exchange yet. */
    addedAtMs: z.int().nullable(),
    /** Named in RUNECAST_MARKETS. */
    configured: z.boolean(),
  })
  .meta({ id: 'TrackedMarket' });
export type TrackedMarket = z.infer<typeof trackedMarketSchema>;

export const trackedMarketListResponseSchema = z.object({ markets: z.array(trackedMarketSchema) });

export const addMarketBodySchema = z.strictObject({
  exchange: exchangeIdSchema,
  symbol: safeText()
    .trim()
    .max(64)
    .transform((text) => text.toUpperCase())
    .pipe(symbolSchema),
});

export const marketParamsSchema = z.strictObject({
  exchange: exchangeParamSchema,
  symbol: symbolParamSchema,
});

export const exchangeParamsSchema = z.strictObject({ exchange: exchangeParamSchema });

export const exchangeMarketsQuerySchema = z.strictObject({
  /** Part of the symbol, any case, e.g. `btc`. */
  search: safeText().max(40).optional(),
  quote: z
    .string()
    .regex(/^[A-Za-z0-9]{1,20}$/, 'must be a currency code, e.g. USDT')
    .optional(),
  type: z.enum(marketTypes, { error: `must be one of ${marketTypes.join(', ')}` }).optional(),
  limit: integerQuerySchema({ min: 1, max: 5000 }).optional(),
  offset: integerQuerySchema({ min: 0, max: 1_000_000 }).optional(),
});

export const exchangeMarketListResponseSchema = z.object({
  exchange: z.string(),
  markets: z.array(apiMarketSchema),
  total: z.int(),
});
