import { isValidMetricName, parseRuneName } from '@runecast/market';
import { z } from 'zod';
import { exchangeIdSchema, safeText } from '../common.schema.ts';
import { timeQuerySchema } from './common.schema.ts';

/**
 * A rune name however it is typed (`DOG•GO•TO•THE•MOON`, `dog.go.to.the.moon`, `DOGGOTOTHEMOON`),
 * checked by the protocol's rules and given back in its spaced spelling.
 */
export const runeNameSchema = safeText()
  .min(1)
  .max(80)
  .transform((text, context) => {
    try {
      return parseRuneName(text).spaced;
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  })
  .describe('rune name, with or without spacers (• or .), any case: DOG•GO•TO•THE•MOON');

export const runeSourcePriceSchema = z.object({
  source: z.string(),
  priceSats: z.number().nullable(),
  updatedAtMs: z.int(),
});

/** A forecast of a rune's price in sats: its point and 80% and 95% bands at the target time. */
export const runeForecastSummarySchema = z
  .object({
    series: z.string(),
    horizonMinutes: z.int(),
    modelType: z.string(),
    modelVersionId: z.int(),
    issuedAtMs: z.int(),
    targetTimeMs: z.int(),
    lastClose: z.number(),
    point: z.number(),
    lower80: z.number(),
    upper80: z.number(),
    lower95: z.number(),
    upper95: z.number(),
  })
  .meta({ id: 'RuneForecastSummary' });
export type RuneForecastSummary = z.infer<typeof runeForecastSummarySchema>;

/** One rune as the runes list shows it, from its primary provider. */
export const runeSchema = z
  .object({
    name: z.string(),
    id: z.string().nullable(),
    source: z.string(),
    seriesKey: z.string(),
    priceSats: z.number().nullable(),
    priceUsd: z.number().nullable(),
    holders: z.number().nullable(),
    volume1dBtc: z.number().nullable(),
    marketCapUsd: z.number().nullable(),
    change1dPct: z.number().nullable(),
    updatedAtMs: z.int(),
    simulated: z.boolean(),
    tracked: z.boolean(),
    sources: z.array(runeSourcePriceSchema),
    /** Two providers' prices apart by more than the threshold: shown, never averaged. */
    disagreement: z.object({ sources: z.tuple([z.string(), z.string()]), pct: z.number() }).nullable(),
    /** Closes of the price series over the last day, one per half hour with candles, oldest first. */
    sparkline: z
      .array(z.number())
      .nullable()
      .describe(
        'closes of the price series over the last 24 h, one per half hour with candles, oldest first',
      ),
    /** The newest forecast of a tracked rune's price series, of its longest horizon. */
    forecast: runeForecastSummarySchema
      .nullable()
      .describe("newest forecast of a tracked rune's price series, of its longest horizon"),
  })
  .meta({ id: 'Rune' });

export type Rune = z.infer<typeof runeSchema>;

export const runeListResponseSchema = z.object({ runes: z.array(runeSchema) });

export const runeDetailSchema = runeSchema
  .extend({
    stats: z.array(
      z.object({
        source: z.string(),
        observedAtMs: z.int(),
        priceSats: z.number().nullable(),
        metrics: z.record(z.string(), z.number()),
      }),
    ),
    metrics: z.array(z.string()),
  })
  .meta({ id: 'RuneDetail' });
export type RuneDetail = z.infer<typeof runeDetailSchema>;

export const runeParamsSchema = z.strictObject({ name: runeNameSchema });

export const trackRuneBodySchema = z.strictObject({
  name: runeNameSchema,
  /** The provider to collect it from; the primary one when absent. */
  source: exchangeIdSchema.optional(),
});

export const runeMetricParamsSchema = z.strictObject({
  name: runeNameSchema,
  metric: safeText()
    .max(40)
    .refine(isValidMetricName, 'must be a metric name such as holders or volume_1d_btc'),
});

export const runeMetricQuerySchema = z.strictObject({
  source: exchangeIdSchema.optional(),
  from: timeQuerySchema.optional(),
  to: timeQuerySchema.optional(),
});

export const runeMetricResponseSchema = z.object({
  name: z.string(),
  source: z.string(),
  metric: z.string(),
  points: z.array(z.object({ timeMs: z.int(), value: z.number() })),
});
export type RuneMetricResponse = z.infer<typeof runeMetricResponseSchema>;
