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
          .array(z.enum(['sma20', 'sma50', 'ema20', 'bollinger', 'rsi14', 'macd']))
          .max(6)
          .default([]),
      })
      .prefault({}),
    overviewPanels: z
      .array(z.enum(overviewPanels))
      .max(overviewPanels.length)
      .refine((list) => new Set(list).size === list.length, 'must not name a panel twice')
      .default([...overviewPanels]),
  })
  .meta({ id: 'UserPreferences' });
export type UserPreferences = z.infer<typeof userPreferencesSchema>;

export const userPreferencesResponseSchema = userPreferencesSchema.extend({
  updatedAtMs: z.int().nullable().describe('null: never saved, these are the defaults'),
});
