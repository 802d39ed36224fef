import { z } from 'zod';
import { seriesKeySchema } from '../common.schema.ts';
import { timeZoneSchema } from './common.schema.ts';

/** Panels the overview can show, in the order the user put them. */
export const overviewPanels = [
  'markets',
  'forecasts',
  'runes',
  'training',
  'health',
  'alerts',
  'watchlist',
] as const;
export type OverviewPanel = (typeof overviewPanels)[number];

/** The overview of a workspace never arranged: the watchlist first, then the rest. */
export const defaultOverviewPanels: readonly OverviewPanel[] = [
  'watchlist',
  'health',
  'markets',
  'forecasts',
  'runes',
  'training',
  'alerts',
];

/** Chart indicators a workspace can turn on by default. */
export const preferredChartIndicators = ['sma20', 'sma50', 'ema20', 'bollinger', 'rsi14', 'macd'] as const;
export type PreferredChartIndicator = (typeof preferredChartIndicators)[number];

/** Spans a price chart can open on, ending at the newest candle (`All`: everything stored). */
export const chartRanges = ['6H', '1D', '1W', '1M', '1Y', 'All'] as const;
export type ChartRange = (typeof chartRanges)[number];

/**
 * A user's workspace, saved on the server: what they watch, what the dashboard opens with, how
 * charts look, the time zone times are shown in and the overview's layout. Every field has a
 * default, so an empty object is a valid workspace.
 */
export const userPreferencesSchema = z
  .strictObject({
    watchlist: z
      .array(seriesKeySchema)
      .max(50, 'must hold at most 50 series')
      .refine((list) => new Set(list).size === list.length, 'must not name a series twice')
      .default([]),
    defaultSeries: seriesKeySchema.nullable().default(null),
    defaultHorizonMinutes: z.int().min(1).max(525_600).nullable().default(null),
    timeZone: timeZoneSchema.nullable().default(null).describe('null: the browser’s own'),
    chart: z
      .strictObject({
        style: z.enum(['candles', 'line'], { error: 'must be candles or line' }).default('candles'),
        showVolume: z.boolean().default(true),
        showIntervals: z.boolean().default(true).describe('forecast 80% and 95% bands'),
        indicators: z
          .array(z.enum(preferredChartIndicators))
          .max(preferredChartIndicators.length)
          .default([]),
        range: z
          .enum(chartRanges, { error: `must be one of ${chartRanges.join(', ')}` })
          .nullable()
          .default(null)
          .describe('null: a span that suits the timeframe'),
      })
      .prefault({}),
    overviewPanels: z
      .array(z.enum(overviewPanels))
      .max(overviewPanels.length)
      .refine((list) => new Set(list).size === list.length, 'must not name a panel twice')
      .default([...defaultOverviewPanels])
      .describe('the panels shown, in order; a panel left out is hidden'),
  })
  .meta({ id: 'UserPreferences' });
export type UserPreferences = z.infer<typeof userPreferencesSchema>;

export const userPreferencesResponseSchema = userPreferencesSchema.extend({
  updatedAtMs: z.int().nullable().describe('null: never saved, these are the defaults'),
});
export type UserPreferencesResponse = z.infer<typeof userPreferencesResponseSchema>;
