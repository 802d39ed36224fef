import {
  userPreferencesResponseSchema,
  userPreferencesSchema,
  type UserPreferences,
  type UserPreferencesResponse,
} from '@runecast/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { browserTimeZone, formatDate, formatTime, isKnownTimeZone } from './format.ts';
import { useApi } from './services.tsx';

export const preferencesKey = ['preferences'] as const;

/** The defaults, for pages drawn before the saved workspace has arrived. */
export const defaultPreferences: UserPreferences = userPreferencesSchema.parse({});

/** The workspace saved on the server for the logged-in user (its defaults until they save one). */
export function usePreferences() {
  const api = useApi();
  return useQuery({
    queryKey: preferencesKey,
    queryFn: ({ signal }) =>
      api.request('/api/v1/me/preferences', { schema: userPreferencesResponseSchema, signal }),
    staleTime: 60_000,
  });
}

/** What the server stores: the answer without its `updatedAtMs`. */
export function preferencesOf(answer: UserPreferencesResponse | undefined): UserPreferences {
  if (answer === undefined) return defaultPreferences;
  const { updatedAtMs: _updatedAtMs, ...preferences } = answer;
  return preferences;
}

/** Saves a whole workspace; the answer (with the server's defaults filled in) replaces the cached one. */
export function useSavePreferences() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (preferences: UserPreferences) =>
      api.request('/api/v1/me/preferences', {
        method: 'PUT',
        body: preferences,
        schema: userPreferencesResponseSchema,
      }),
    onSuccess: (saved) => queryClient.setQueryData(preferencesKey, saved),
  });
}

/**
 * Adds a series to the watchlist or takes it off. Reads the newest saved workspace first, so a
 * change made in another browser since this page loaded is not overwritten.
 */
export function useWatchlistToggle() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (change: { series: string; watch: boolean }) => {
      const current = preferencesOf(
        await api.request('/api/v1/me/preferences', { schema: userPreferencesResponseSchema }),
      );
      const without = current.watchlist.filter((series) => series !== change.series);
      const watchlist = change.watch ? [...without, change.series] : without;
      return api.request('/api/v1/me/preferences', {
        method: 'PUT',
        body: { ...current, watchlist },
        schema: userPreferencesResponseSchema,
      });
    },
    onSuccess: (saved) => queryClient.setQueryData(preferencesKey, saved),
  });
}

/** The time zone times are shown in: the workspace's, else the browser's. */
export function useDisplayTimeZone(): string {
  const saved = usePreferences().data?.timeZone ?? null;
  // A zone the server knows but this browser's older time zone database does not: the browser's.
  return saved !== null && isKnownTimeZone(saved) ? saved : browserTimeZone();
}

export interface TimeFormat {
  timeZone: string;
  formatTime(timeMs: number | null | undefined, withSeconds?: boolean): string;
  formatDate(timeMs: number): string;
}

/** Time formatting bound to the viewer's time zone. */
export function useTimeFormat(): TimeFormat {
  const timeZone = useDisplayTimeZone();
  return useMemo(
    () => ({
      timeZone,
      formatTime: (timeMs, withSeconds) => formatTime(timeMs, timeZone, withSeconds),
      formatDate: (timeMs) => formatDate(timeMs, timeZone),
    }),
    [timeZone],
  );
}
