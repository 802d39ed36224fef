import type {
  ApiForecast,
  ApiModelSummary,
  ForecastHistoryResponse,
  LatestForecastResponse,
} from '@runecast/contracts';
import type { GenerationalCache } from '../cache/generational.cache.ts';
import { forecastMadeMessage } from './handlers/predict.handler.ts';
import { errorRelativeToNaive, formatSeriesKey, type SeriesKey } from '@runecast/market';
import type { ModelRegistryService } from './model-registry.ts';
import type { ForecastRecord, ForecastRepository, ListForecastsFilter } from '../store/forecast.port.ts';
import type { ModelVersion } from '../store/model.port.ts';

/** How long a latest-forecast answer may be served without a new forecast invalidating it (scores fill in later). */
const LATEST_TTL_MS = 60_000;
/** Most model versions looked at to find the horizons a series is forecast at. */
const MAX_VERSIONS_SCANNED = 10_000;

/** A ledger row as the API answers it. */
export function toApiForecast(forecast: ForecastRecord): ApiForecast {
  return {
    ...forecastMadeMessage(forecast),
    actualClose: forecast.actualClose,
    scoredAtMs: forecast.scoredAtMs,
    error: forecast.error,
    naiveError: forecast.naiveError,
    hit80: forecast.hit80,
    hit95: forecast.hit95,
  };
}

/** Naive's walk-forward metrics as the train job records them in a version's evaluation. */
export function naiveMetricsOf(version: ModelVersion): Record<string, number | null> | null {
  const naive = version.evaluation['naive'];
  if (naive === null || typeof naive !== 'object' || Array.isArray(naive)) return null;
  const metrics: Record<string, number | null> = {};
  for (const [name, value] of Object.entries(naive as Record<string, unknown>)) {
    metrics[name] = typeof value === 'number' && Number.isFinite(value) ? value : null;
  }
  return metrics;
}

/** A registered version as the API lists it: without the evaluation detail, with naive's metrics. */
export function toApiModelSummary(version: ModelVersion): ApiModelSummary {
  return {
    id: version.id,
    modelType: version.modelType,
    series: version.series,
    horizonMinutes: version.horizonMinutes,
    params: version.params,
    featureNames: version.featureNames,
    featureSettings: version.featureSettings,
    crossAssetSeries: version.crossAssetSeries,
    trainingStartMs: version.trainingStartMs,
    trainingEndMs: version.trainingEndMs,
    trainingCandles: version.trainingCandles,
    dataFingerprint: version.dataFingerprint,
    metrics: version.metrics,
    artifactBytes: version.artifactBytes,
    artifactSha256: version.artifactSha256,
    stage: version.stage,
    createdAtMs: version.createdAtMs,
    stageChangedAtMs: version.stageChangedAtMs,
    jobId: version.jobId,
    naiveMetrics: naiveMetricsOf(version),
  };
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * Reads the forecast ledger for the API. The latest forecasts of a series are answered as
 * ready-to-send JSON from the cache, grouped by series so one new forecast of it drops them all.
 */
export class ForecastQueryService {
  constructor(
    private readonly forecasts: ForecastRepository,
    private readonly registry: ModelRegistryService,
    private readonly cache: GenerationalCache,
  ) {}

  /** The newest forecast per horizon (or of one horizon) as UTF-8 JSON (see `latestForecastResponseSchema`). */
  async latest(series: SeriesKey, horizonMinutes?: number): Promise<Buffer> {
    const key = formatSeriesKey(series);
    return this.cache.getOrCompute(key, `latest:${horizonMinutes ?? 'all'}`, LATEST_TTL_MS, async () => {
      const horizons = horizonMinutes === undefined ? await this.forecastHorizons(series) : [horizonMinutes];
      const forecasts: ApiForecast[] = [];
      for (const horizon of horizons) {
        const latest = await this.forecasts.latestForecast(series, horizon);
        if (latest) forecasts.push(toApiForecast(latest));
      }
      const answer: LatestForecastResponse = { series: key, forecasts };
      return JSON.stringify(answer);
    });
  }

  /** Horizons the series has model versions for: every forecast of the ledger names one. */
  private async forecastHorizons(series: SeriesKey): Promise<number[]> {
    const versions = await this.registry.list({ series, limit: MAX_VERSIONS_SCANNED });
    return [...new Set(versions.map((version) => version.horizonMinutes))].sort(
      (left, right) => left - right,
    );
  }

  /** Drops the cached latest forecasts of a series. */
  invalidate(seriesKey: string): Promise<void> {
    return this.cache.invalidate(seriesKey);
  }

  /** Forecasts newest first, with the error figures of those scored beside naive's. */
  async history(filter: ListForecastsFilter): Promise<ForecastHistoryResponse> {
    const rows = await this.forecasts.listForecasts(filter);
    const scored = rows.filter((row) => row.error !== null && row.naiveError !== null);
    const mae = mean(scored.map((row) => Math.abs(row.error!)));
    const naiveMae = mean(scored.map((row) => Math.abs(row.naiveError!)));
    const share = (hits: (boolean | null)[]) => {
      const known = hits.filter((hit): hit is boolean => hit !== null);
      return known.length === 0 ? null : known.filter(Boolean).length / known.length;
    };
    return {
      forecasts: rows.map(toApiForecast),
      summary: {
        forecasts: rows.length,
        scored: scored.length,
        mae,
        naiveMae,
        relativeMae: errorRelativeToNaive(mae, naiveMae),
        coverage80: share(scored.map((row) => row.hit80)),
        coverage95: share(scored.map((row) => row.hit95)),
      },
    };
  }
}
