import {
  parseSeriesKey as parseMarketSeriesKey,
  type SeriesKey,
  type Timeframe,
  TIMEFRAME_MS,
  TIMEFRAMES,
} from '@runecast/market';
import {
  candleHistoryResponseSchema,
  coverageResponseSchema,
  coverageSeriesListResponseSchema,
  latestCandleResponseSchema,
  trackedMarketListResponseSchema,
  type CandleHistoryResponse,
  type TrackedMarket,
} from '@runecast/contracts';
import { useQuery } from '@tanstack/react-query';
import type { ApiClient } from '../../lib/api-client.ts';
import { useApi } from '../../lib/services.tsx';

/** `BTC/USDT` ↔ `BTC-USDT` in page addresses (and `BTC/USDT:USDT` ↔ `BTC-USDT_USDT`). */
export function symbolToPath(symbol: string): string {
  return symbol.replace('/', '-').replace(':', '_');
}

export function symbolFromPath(text: string): string {
  const match = /^([A-Z0-9]+)-([A-Z0-9]+)(?:_([A-Z0-9]+))?$/.exec(text);
  if (match === null) return text;
  return match[3] === undefined ? `${match[1]}/${match[2]}` : `${match[1]}/${match[2]}:${match[3]}`;
}

export function marketPath(market: { exchange: string; symbol: string }): string {
  return `/markets/${market.exchange}/${symbolToPath(market.symbol)}`;
}

export function seriesKey(exchange: string, symbol: string, timeframe: Timeframe): string {
  return `${exchange}:${symbol}:${timeframe}`;
}

export function parseSeriesKey(key: string): SeriesKey | null {
  try {
    return parseMarketSeriesKey(key);
  } catch {
    return null;
  }
}

/**
 * The stored (finest) timeframe of a market: the smallest timeframe the coverage ledger knows
 * for it, else 1m. Live candles and "latest" are asked of this series.
 */
export function baseTimeframe(coveredSeries: readonly string[], exchange: string, symbol: string): Timeframe {
  let best: Timeframe | null = null;
  for (const key of coveredSeries) {
    const parsed = parseSeriesKey(key);
    if (parsed === null || parsed.exchange !== exchange || parsed.symbol !== symbol) continue;
    if (best === null || TIMEFRAME_MS[parsed.timeframe] < TIMEFRAME_MS[best]) best = parsed.timeframe;
  }
  return best ?? '1m';
}

export const allTimeframes = TIMEFRAMES;

export function useTrackedMarkets() {
  const api = useApi();
  return useQuery({
    queryKey: ['markets'],
    queryFn: async ({ signal }): Promise<TrackedMarket[]> =>
      (await api.request('/api/v1/markets', { schema: trackedMarketListResponseSchema, signal })).markets,
    staleTime: 60_000,
  });
}

export function useCoveredSeries() {
  const api = useApi();
  return useQuery({
    queryKey: ['coverage-series'],
    queryFn: async ({ signal }) =>
      (await api.request('/api/v1/coverage/series', { schema: coverageSeriesListResponseSchema, signal }))
        .series,
    staleTime: 60_000,
  });
}

export function fetchLatestCandle(api: ApiClient, series: string, signal?: AbortSignal) {
  return api.request('/api/v1/candles/latest', {
    query: { series },
    schema: latestCandleResponseSchema,
    ...(signal ? { signal } : {}),
  });
}

export function useLatestCandle(series: string | null, refetchIntervalMs?: number) {
  const api = useApi();
  return useQuery({
    queryKey: ['candles-latest', series],
    queryFn: ({ signal }) => fetchLatestCandle(api, series!, signal),
    enabled: series !== null,
    ...(refetchIntervalMs ? { refetchInterval: refetchIntervalMs } : {}),
  });
}

/** Most pages one history load follows, so a runaway range cannot hang the page. */
const MAX_PAGES = 10;

/**
 * Candle history ending at `toMs` (exclusive), `limit` candles back, following `nextFromMs`
 * pages; columns are concatenated oldest first.
 */
export async function fetchCandleHistory(
  api: ApiClient,
  request: { series: string; toMs: number; limit: number; fromMs?: number },
  signal?: AbortSignal,
): Promise<CandleHistoryResponse> {
  const first = await api.request('/api/v1/candles', {
    query: { series: request.series, to: request.toMs, limit: request.limit, from: request.fromMs },
    schema: candleHistoryResponseSchema,
    ...(signal ? { signal } : {}),
  });
  let page = first;
  const merged: CandleHistoryResponse = { ...first };
  for (let count = 1; page.nextFromMs !== null && count < MAX_PAGES; count += 1) {
    page = await api.request('/api/v1/candles', {
      query: { series: request.series, to: request.toMs, limit: request.limit, from: page.nextFromMs },
      schema: candleHistoryResponseSchema,
      ...(signal ? { signal } : {}),
    });
    merged.times = merged.times.concat(page.times);
    merged.open = merged.open.concat(page.open);
    merged.high = merged.high.concat(page.high);
    merged.low = merged.low.concat(page.low);
    merged.close = merged.close.concat(page.close);
    merged.volume = merged.volume.concat(page.volume);
    merged.closed = merged.closed.concat(page.closed);
    merged.toMs = page.toMs;
    merged.nextFromMs = page.nextFromMs;
  }
  return merged;
}

export function useCoverage(series: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: ['coverage', series],
    queryFn: ({ signal }) =>
      api.request('/api/v1/coverage', { query: { series }, schema: coverageResponseSchema, signal }),
    enabled: series !== null,
    refetchInterval: 60_000,
  });
}
