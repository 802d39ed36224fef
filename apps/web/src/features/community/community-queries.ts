import {
  communityMessagesResponseSchema,
  communitySentimentResponseSchema,
  communitySummariesResponseSchema,
  newsResponseSchema,
} from '@runecast/contracts';
import { useQuery } from '@tanstack/react-query';
import { useApi } from '../../lib/services.tsx';

/** Summaries and messages change with each poll of the sources (news every 5 min, Discord every minute). */
const REFRESH_MS = 60_000;

/** One summary per channel of a source over the last `windowHours`. */
export function useChannelSummaries(source: 'discord' | 'news', windowHours: number) {
  const api = useApi();
  return useQuery({
    queryKey: ['community', 'summaries', source, windowHours],
    queryFn: async ({ signal }) =>
      (
        await api.request('/api/v1/community/summaries', {
          query: { source, windowHours },
          schema: communitySummariesResponseSchema,
          signal,
        })
      ).summaries,
    refetchInterval: REFRESH_MS,
  });
}

/** What Discord and news said of one asset or rune over the last `windowHours`. */
export function useMarketSummary(about: string | null, windowHours: number) {
  const api = useApi();
  return useQuery({
    queryKey: ['community', 'market-summary', about, windowHours],
    queryFn: async ({ signal }) =>
      (
        await api.request('/api/v1/community/summaries', {
          query: { about: about!, windowHours },
          schema: communitySummariesResponseSchema,
          signal,
        })
      ).summaries[0] ?? null,
    enabled: about !== null,
    refetchInterval: REFRESH_MS,
  });
}

/** The newest Discord messages, of one channel or all. */
export function useLatestMessages(channel: string | null, limit: number) {
  const api = useApi();
  return useQuery({
    queryKey: ['community', 'messages', channel, limit],
    queryFn: ({ signal }) =>
      api.request('/api/v1/community/messages', {
        query: { channel, limit },
        schema: communityMessagesResponseSchema,
        signal,
      }),
    refetchInterval: REFRESH_MS,
  });
}

/** A market's hourly text metric series (7 days) from one source. */
export function useSentimentSeries(symbol: string | null, source: 'discord' | 'news', metric: string) {
  const api = useApi();
  return useQuery({
    queryKey: ['community', 'sentiment', symbol, source, metric],
    queryFn: ({ signal }) =>
      api.request('/api/v1/community/sentiment', {
        query: { symbol: symbol!, source, metric },
        schema: communitySentimentResponseSchema,
        signal,
      }),
    enabled: symbol !== null,
    refetchInterval: REFRESH_MS,
  });
}

/** The newest news articles about an asset, market or rune. */
export function useNewsAbout(about: string, limit: number) {
  const api = useApi();
  return useQuery({
    queryKey: ['news', about, limit],
    queryFn: async ({ signal }) =>
      (await api.request('/api/v1/news', { query: { about, limit }, schema: newsResponseSchema, signal }))
        .items,
    refetchInterval: 5 * REFRESH_MS,
  });
}
