import { z } from 'zod';
import { safeText, timeframeSchema } from '../common.schema.ts';
import { integerQuerySchema, seriesQuerySchema, timeQuerySchema } from './common.schema.ts';

/** Most candles one history answer holds; page with `nextFromMs` for more. */
export const maxCandlesPerPage = 50_000;
export const defaultCandlesPerPage = 1_000;

export const candleHistoryQuerySchema = z.strictObject({
  series: seriesQuerySchema,
  /** First open time included; default: `limit` candles before `to`. */
  from: timeQuerySchema.optional(),
  /** Open times before this; default: now. */
  to: timeQuerySchema.optional(),
  limit: integerQuerySchema({ min: 1, max: maxCandlesPerPage }).optional(),
});

/**
 * Candles as columns, oldest first: entry i of every array belongs to the candle opening at
 * `times[i]` (epoch milliseconds).
 */
export const candleHistoryResponseSchema = z
  .object({
    series: z.string(),
    timeframe: timeframeSchema,
    fromMs: z.int(),
    toMs: z.int(),
    /** True when built from 1m candles because this timeframe is not stored. */
    derived: z.boolean(),
    times: z.array(z.int()),
    open: z.array(z.number()),
    high: z.array(z.number()),
    low: z.array(z.number()),
    close: z.array(z.number()),
    volume: z.array(z.number()),
    /** false for a candle the exchange may still change (or a derived one with minutes missing). */
    closed: z.array(z.boolean()),
    /** Pass as `from` for the next page; null when this page reached `to`. */
    nextFromMs: z.int().nullable(),
  })
  .meta({ id: 'CandleHistory' });
export type CandleHistoryResponse = z.infer<typeof candleHistoryResponseSchema>;

export const seriesQueryOnlySchema = z.strictObject({ series: seriesQuerySchema });

export const apiCandleSchema = z
  .object({
    openTimeMs: z.int(),
    open: z.number(),
    high: z.number(),
    low: z.number(),
    close: z.number(),
    volume: z.number(),
    quoteVolume: z.number().nullable(),
    tradeCount: z.int().nullable(),
    closed: z.boolean(),
  })
  .meta({ id: 'Candle' });
export type ApiCandle = z.infer<typeof apiCandleSchema>;

export const latestCandleResponseSchema = z.object({
  series: z.string(),
  derived: z.boolean(),
  candle: apiCandleSchema.nullable(),
});
export type LatestCandleResponse = z.infer<typeof latestCandleResponseSchema>;

export const coverageQuerySchema = z.strictObject({
  series: seriesQuerySchema,
  from: timeQuerySchema.optional(),
  to: timeQuerySchema.optional(),
});

export const coverageRangeSchema = z.object({
  startMs: z.int(),
  endMs: z.int(),
  state: z.enum(['complete', 'empty', 'missing']),
});

export const coverageResponseSchema = z.object({
  series: z.string(),
  ranges: z.array(coverageRangeSchema),
});

export const coverageSeriesListResponseSchema = z.object({ series: z.array(z.string()) });

/** Limits a page query on candles; exported for clients computing their own pages. */
export const candlePageLimitSchema = integerQuerySchema({ min: 1, max: maxCandlesPerPage });

/** Indicators the chart can draw; each is computed by the same code the models' features use. */
export const chartIndicatorNames = ['rsi', 'macd', 'bollinger', 'volume'] as const;
export type ChartIndicatorName = (typeof chartIndicatorNames)[number];
const chartIndicatorNameSchema = z.enum(chartIndicatorNames, {
  error: `must be one of ${chartIndicatorNames.join(', ')}`,
});

/** Candles read before `from` so an indicator's window is full at the first candle answered. */
export const indicatorWarmupCandles = 300;

export const candleIndicatorsQuerySchema = z.strictObject({
  series: seriesQuerySchema,
  /** Comma-separated, e.g. `rsi,macd`. */
  indicators: safeText()
    .max(200)
    .describe(`comma-separated indicators: ${chartIndicatorNames.join(', ')}`)
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(
      z
        .array(chartIndicatorNameSchema)
        .min(1, 'name at least one indicator')
        .refine((names) => new Set(names).size === names.length, 'indicators must not repeat'),
    ),
  /** First open time included; default: `limit` candles before `to`. */
  from: timeQuerySchema.optional(),
  /** Open times before this; default: now. */
  to: timeQuerySchema.optional(),
  limit: integerQuerySchema({ min: 1, max: maxCandlesPerPage }).optional(),
});
export type CandleIndicatorsQuery = z.infer<typeof candleIndicatorsQuerySchema>;

/** One value per entry of `times`; null while the indicator's window is still filling. */
const indicatorColumnSchema = z.array(z.number().nullable());

/**
 * Indicator series of a series' closed candles, as columns: entry i belongs to the candle opening
 * at `times[i]`. Only the indicators asked for are present.
 */
export const candleIndicatorsResponseSchema = z
  .object({
    series: z.string(),
    timeframe: timeframeSchema,
    fromMs: z.int(),
    toMs: z.int(),
    /** True when built from 1m candles because this timeframe is not stored. */
    derived: z.boolean(),
    /** Window lengths used, in candles (the models' feature settings). */
    settings: z.object({
      rsiPeriod: z.int(),
      macdFastPeriod: z.int(),
      macdSlowPeriod: z.int(),
      macdSignalPeriod: z.int(),
      bollingerPeriod: z.int(),
      bollingerDeviations: z.number(),
    }),
    times: z.array(z.int()),
    rsi: indicatorColumnSchema.optional(),
    macd: z
      .object({
        line: indicatorColumnSchema,
        signal: indicatorColumnSchema,
        histogram: indicatorColumnSchema,
      })
      .optional(),
    bollinger: z
      .object({ upper: indicatorColumnSchema, middle: indicatorColumnSchema, lower: indicatorColumnSchema })
      .optional(),
    volume: indicatorColumnSchema.optional(),
    /** Pass as `from` for the next page; null when this page reached `to`. */
    nextFromMs: z.int().nullable(),
  })
  .meta({ id: 'CandleIndicators' });
export type CandleIndicatorsResponse = z.infer<typeof candleIndicatorsResponseSchema>;
