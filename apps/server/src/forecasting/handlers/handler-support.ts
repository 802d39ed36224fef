import type { z } from 'zod';
import type { Bus } from '../../bus/bus.port.ts';
import { horizonSteps, parseSeriesKey, type SeriesKey, timeframeMs, ValidationError } from '@runecast/market';
import type { ForecastMetrics } from '../../models/evaluation/forecast-metrics.ts';
import type { ModelRegistryService } from '../model-registry.ts';
import type { MarketDataReader } from '../forecasting-data.ts';
import type { ForecastingStore } from '../../store/store.ts';
import type { ComputeMode } from '../../jobs/compute/compute-thread.ts';

/** What the forecasting job handlers work with. */
export interface ForecastingDependencies {
  market: MarketDataReader;
  forecasting: ForecastingStore;
  registry: ModelRegistryService;
  bus?: Bus | null;
  /** Wall clock (default Date.now). */
  now?: () => number;
  /** Bus failures never fail a job; they are reported here. */
  onPublishError?: (error: unknown) => void;
  /** Where model fitting runs (default `thread`: off the event loop, so heartbeats and cancels get through). */
  compute?: ComputeMode;
}

/** Parses a payload with a contracts schema; problems become one ValidationError naming each field. */
export function parseWithSchema<Schema extends z.ZodType>(
  schema: Schema,
  raw: unknown,
  what: string,
): z.infer<Schema> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(payload)'}: ${issue.message}`);
  throw new ValidationError(`${what} is invalid: ${problems.join('; ')}`, { issues: problems });
}

export interface SeriesHorizon {
  series: SeriesKey;
  horizonMinutes: number;
  horizonSteps: number;
  stepMs: number;
}

/** Parses the series key and checks the horizon is a multiple of its timeframe (the error names ones that are). */
export function resolveSeriesHorizon(seriesText: string, horizonMinutes: number): SeriesHorizon {
  const series = parseSeriesKey(seriesText);
  return {
    series,
    horizonMinutes,
    horizonSteps: horizonSteps(horizonMinutes, series.timeframe),
    stepMs: timeframeMs(series.timeframe),
  };
}

/** Metrics as JSON-safe numbers (NaN and infinities, which JSON cannot hold, become null). */
export function metricsRecord(metrics: ForecastMetrics): Record<string, number | null> {
  const record: Record<string, number | null> = {};
  for (const [name, value] of Object.entries(metrics)) {
    record[name] = typeof value === 'number' && Number.isFinite(value) ? value : null;
  }
  return record;
}

/** Training origins a model fits on by default (its `trainingWindowSteps` parameter when it has one). */
export function trainingWindowOf(params: Record<string, unknown>, fallback = 720): number {
  const value = params['trainingWindowSteps'];
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

/** Finite numbers only, for JSON results. */
export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
