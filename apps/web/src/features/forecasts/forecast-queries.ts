import {
  forecastHistoryResponseSchema,
  latestForecastResponseSchema,
  type ApiForecast,
} from '@runecast/contracts';
import { useQueries, useQuery } from '@tanstack/react-query';
import { useApi } from '../../lib/services.tsx';

export const latestForecastsKey = (series: string) => ['forecasts-latest', series] as const;

/** The newest forecast per horizon of each series, merged, shortest horizon first. */
export function useLatestForecasts(seriesKeys: readonly string[]) {
  const api = useApi();
  const unique = [...new Set(seriesKeys)];
  return useQueries({
    queries: unique.map((series) => ({
      queryKey: latestForecastsKey(series),
      queryFn: async ({ signal }: { signal: AbortSignal }) =>
        (
          await api.request('/api/v1/forecasts/latest', {
            query: { series },
            schema: latestForecastResponseSchema,
            signal,
          })
        ).forecasts,
      refetchInterval: 60_000,
    })),
    combine: (results) => ({
      forecasts: newestPerSeriesAndHorizon(results.flatMap((result) => result.data ?? [])),
      isPending: results.some((result) => result.isPending),
      error: results.find((result) => result.isError)?.error ?? null,
    }),
  });
}

/** One forecast per series and horizon (the newest issued), shortest horizon first. */
export function newestPerSeriesAndHorizon(forecasts: readonly ApiForecast[]): ApiForecast[] {
  const newest = new Map<string, ApiForecast>();
  for (const forecast of forecasts) {
    const key = `${forecast.series}@${forecast.horizonMinutes}`;
    const existing = newest.get(key);
    if (existing === undefined || forecast.issuedAtMs > existing.issuedAtMs) newest.set(key, forecast);
  }
  return [...newest.values()].sort(
    (a, b) => a.horizonMinutes - b.horizonMinutes || a.series.localeCompare(b.series),
  );
}

/** Scored forecasts of a series, newest first, for drawing them against what happened. */
export function useScoredForecasts(series: string | null, limit = 500) {
  const api = useApi();
  return useQuery({
    queryKey: ['forecasts-scored', series, limit],
    queryFn: ({ signal }) =>
      api.request('/api/v1/forecasts', {
        query: { series, scored: true, limit },
        schema: forecastHistoryResponseSchema,
        signal,
      }),
    enabled: series !== null,
    refetchInterval: 120_000,
  });
}
