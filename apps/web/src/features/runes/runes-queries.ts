import {
  apiJobSchema,
  runeDetailSchema,
  runeListResponseSchema,
  runeMetricResponseSchema,
  type Rune,
  type RuneDetail,
} from '@runecast/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { useApi } from '../../lib/services.tsx';

/** `/runes/DOG.GO.TO.THE.MOON`: the dotted spelling keeps page addresses plain ASCII. */
export function runePath(name: string): string {
  return `/runes/${encodeURIComponent(name.replaceAll('•', '.'))}`;
}

/** A rune name as the API takes it in a path (any spelling; the API parses it). */
function namePath(name: string): string {
  return encodeURIComponent(name.replaceAll('•', '.'));
}

export const runesKey = ['runes'] as const;

export function useRunes() {
  const api = useApi();
  return useQuery({
    queryKey: runesKey,
    queryFn: async ({ signal }): Promise<Rune[]> =>
      (await api.request('/api/v1/runes', { schema: runeListResponseSchema, signal })).runes,
    refetchInterval: 60_000,
  });
}

export function useRune(name: string) {
  const api = useApi();
  return useQuery({
    queryKey: ['rune', name],
    queryFn: ({ signal }): Promise<RuneDetail> =>
      api.request(`/api/v1/runes/${namePath(name)}`, { schema: runeDetailSchema, signal }),
    refetchInterval: 60_000,
  });
}

/** A metric series of a rune from one provider (the last 7 days, the API's default span). */
export function useRuneMetric(name: string, metric: string, source: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: ['rune-metric', name, metric, source],
    queryFn: ({ signal }) =>
      api.request(`/api/v1/runes/${namePath(name)}/metrics/${encodeURIComponent(metric)}`, {
        query: { source },
        schema: runeMetricResponseSchema,
        signal,
      }),
    enabled: source !== null,
    refetchInterval: 120_000,
  });
}

/** Tracks a rune by name, however it is spelled; the server checks it with the provider. */
export function useTrackRune() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) =>
      api.request('/api/v1/runes', { method: 'POST', body: { name }, schema: runeDetailSchema }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: runesKey });
      await queryClient.invalidateQueries({ queryKey: ['rune'] });
    },
  });
}

/** Stops tracking a rune (admins only). */
export function useUntrackRune() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) =>
      api.request(`/api/v1/runes/${namePath(name)}`, { method: 'DELETE', schema: z.null() }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: runesKey });
      await queryClient.invalidateQueries({ queryKey: ['rune'] });
    },
  });
}

/** Starts an on-demand forecast of a rune (tracking it first if need be); resolves to the job. */
export function useForecastRune() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; horizonMinutes: 240 | 1440 }) =>
      api.request(`/api/v1/runes/${namePath(input.name)}/forecast`, {
        method: 'POST',
        body: { horizonMinutes: input.horizonMinutes },
        schema: apiJobSchema,
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: runesKey });
      await queryClient.invalidateQueries({ queryKey: ['rune'] });
    },
  });
}
