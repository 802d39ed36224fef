import {
  alertChannelListResponseSchema,
  alertChannelSchema,
  alertDeliveryListResponseSchema,
  alertDeliverySchema,
  alertEventSchema,
  alertHistoryResponseSchema,
  alertRuleListResponseSchema,
  alertRulePreviewResponseSchema,
  alertRuleSchema,
  alertTestResponseSchema,
  createAlertChannelResponseSchema,
  type AlertChannel,
  type AlertChannelDigestSettingBody,
  type AlertChannelEventModes,
  type AlertEvent,
  type AlertRule,
  type AlertRuleBody,
  type CreateAlertChannelBody,
} from '@runecast/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { z } from 'zod';
import { openAlertStream } from '../../lib/live-stream.ts';
import { useApi, useSession } from '../../lib/services.tsx';

export type AlertEventStatus = 'open' | 'acknowledged' | 'snoozed' | 'resolved';
export type AlertEventAction =
  { action: 'acknowledge' } | { action: 'resolve' } | { action: 'snooze'; minutes: number };

/** Every alerts query sits under this key, so one invalidation refreshes the page and the bell. */
export const alertsKey = ['alerts'] as const;
const channelsKey = [...alertsKey, 'channels'] as const;
const rulesKey = [...alertsKey, 'rules'] as const;
const historyKey = [...alertsKey, 'history'] as const;
const openCountKey = [...historyKey, 'open-count'] as const;
const deliveriesKey = [...alertsKey, 'deliveries'] as const;

/** How often the bell asks for the number of open firings. */
export const OPEN_COUNT_REFRESH_MS = 30_000;

export function useAlertChannels() {
  const api = useApi();
  return useQuery({
    queryKey: channelsKey,
    queryFn: async ({ signal }): Promise<AlertChannel[]> =>
      (await api.request('/api/v1/alerts/channels', { schema: alertChannelListResponseSchema, signal }))
        .channels,
  });
}

export function useAlertRules() {
  const api = useApi();
  return useQuery({
    queryKey: rulesKey,
    queryFn: async ({ signal }): Promise<AlertRule[]> =>
      (await api.request('/api/v1/alerts/rules', { schema: alertRuleListResponseSchema, signal })).rules,
  });
}

/** Firings newest first, optionally of one status; refreshed with the bell. */
export function useAlertHistory(status: AlertEventStatus | null, limit = 100) {
  const api = useApi();
  return useQuery({
    queryKey: [...historyKey, status, limit],
    queryFn: ({ signal }) =>
      api.request('/api/v1/alerts/history', {
        query: { status, limit },
        schema: alertHistoryResponseSchema,
        signal,
      }),
    refetchInterval: OPEN_COUNT_REFRESH_MS,
  });
}

/** The number of firings still open, for the bell in the top bar. */
export function useOpenAlertCount() {
  const api = useApi();
  return useQuery({
    queryKey: openCountKey,
    queryFn: async ({ signal }): Promise<number> =>
      (
        await api.request('/api/v1/alerts/history', {
          query: { limit: 1 },
          schema: alertHistoryResponseSchema,
          signal,
        })
      ).openCount,
    refetchInterval: OPEN_COUNT_REFRESH_MS,
  });
}

/** How many pushed firings the bell remembers for its tooltip. */
const PUSHED_KEPT = 5;

/**
 * Follows the caller's firings pushed over `GET /api/v1/stream/alerts` while logged in: each one
 * counts at once in the bell and refreshes the history, without waiting for the 30 s poll (which
 * stays, for when the stream is down). Returns the latest pushed firings, newest first.
 */
export function useAlertPush(): AlertEvent[] {
  const api = useApi();
  const queryClient = useQueryClient();
  const userId = useSession()?.user.id ?? null;
  const [pushed, setPushed] = useState<AlertEvent[]>([]);
  useEffect(() => {
    setPushed([]);
    // Without EventSource (or logged out) the 30 s poll alone keeps the bell current.
    if (userId === null || typeof EventSource === 'undefined') return;
    // A firing pushed twice (a reconnect) counts once.
    const seen = new Set<string>();
    return openAlertStream(api, {
      onAlert: (event) => {
        if (seen.has(event.id)) return;
        seen.add(event.id);
        setPushed((previous) => [event, ...previous].slice(0, PUSHED_KEPT));
        if (event.status === 'open') {
          queryClient.setQueryData<number>(openCountKey, (count) =>
            count === undefined ? count : count + 1,
          );
        }
        // The history lists, and the count after them, are asked again: the store has the truth.
        void queryClient.invalidateQueries({ queryKey: historyKey });
      },
    });
  }, [api, queryClient, userId]);
  return pushed;
}

/** Deliveries that failed for a day and were given up on. */
export function useDeadLetters() {
  const api = useApi();
  return useQuery({
    queryKey: [...deliveriesKey, 'dead'],
    queryFn: async ({ signal }) =>
      (
        await api.request('/api/v1/alerts/deliveries', {
          query: { state: 'dead', limit: 100 },
          schema: alertDeliveryListResponseSchema,
          signal,
        })
      ).deliveries,
    refetchInterval: 60_000,
  });
}

function useInvalidateAlerts() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: alertsKey });
}

export function useCreateAlertChannel() {
  const api = useApi();
  const invalidate = useInvalidateAlerts();
  return useMutation({
    mutationFn: (body: CreateAlertChannelBody) =>
      api.request('/api/v1/alerts/channels', {
        method: 'POST',
        body,
        schema: createAlertChannelResponseSchema,
      }),
    onSuccess: invalidate,
  });
}

export function useDeleteAlertChannel() {
  const api = useApi();
  const invalidate = useInvalidateAlerts();
  return useMutation({
    mutationFn: (id: string) =>
      api.request(`/api/v1/alerts/channels/${encodeURIComponent(id)}`, {
        method: 'DELETE',
        schema: z.null(),
      }),
    onSuccess: invalidate,
  });
}

/** Replaces a channel's on / silent / off setting per rule kind. */
export function useSetChannelModes() {
  const api = useApi();
  const invalidate = useInvalidateAlerts();
  return useMutation({
    mutationFn: (input: { id: string; eventModes: AlertChannelEventModes }) =>
      api.request(`/api/v1/alerts/channels/${encodeURIComponent(input.id)}/modes`, {
        method: 'PUT',
        body: { eventModes: input.eventModes },
        schema: alertChannelSchema,
      }),
    onSuccess: invalidate,
  });
}

/** Sets a channel's daily digest (a time of day and a time zone), or clears it with null. */
export function useSetChannelDigest() {
  const api = useApi();
  const invalidate = useInvalidateAlerts();
  return useMutation({
    mutationFn: (input: { id: string } & AlertChannelDigestSettingBody) =>
      api.request(`/api/v1/alerts/channels/${encodeURIComponent(input.id)}/digest`, {
        method: 'PUT',
        body: { digest: input.digest },
        schema: alertChannelSchema,
      }),
    onSuccess: invalidate,
  });
}

export function useTestAlertChannel() {
  const api = useApi();
  return useMutation({
    mutationFn: (id: string) =>
      api.request(`/api/v1/alerts/channels/${encodeURIComponent(id)}/test`, {
        method: 'POST',
        schema: alertTestResponseSchema,
      }),
  });
}

/** Creates a rule, or replaces one when `id` is given (the server re-arms it). */
export function useSaveAlertRule() {
  const api = useApi();
  const invalidate = useInvalidateAlerts();
  return useMutation({
    mutationFn: (input: { id: string | null; body: AlertRuleBody }) =>
      input.id === null
        ? api.request('/api/v1/alerts/rules', { method: 'POST', body: input.body, schema: alertRuleSchema })
        : api.request(`/api/v1/alerts/rules/${encodeURIComponent(input.id)}`, {
            method: 'PUT',
            body: input.body,
            schema: alertRuleSchema,
          }),
    onSuccess: invalidate,
  });
}

/** What a rule being written would have fired over the last 7 days; nothing is stored. */
export function usePreviewAlertRule() {
  const api = useApi();
  return useMutation({
    mutationFn: (body: AlertRuleBody) =>
      api.request('/api/v1/alerts/rules/preview', {
        method: 'POST',
        body,
        schema: alertRulePreviewResponseSchema,
      }),
  });
}

export function useDeleteAlertRule() {
  const api = useApi();
  const invalidate = useInvalidateAlerts();
  return useMutation({
    mutationFn: (id: string) =>
      api.request(`/api/v1/alerts/rules/${encodeURIComponent(id)}`, { method: 'DELETE', schema: z.null() }),
    onSuccess: invalidate,
  });
}

export function useActOnAlertEvent() {
  const api = useApi();
  const invalidate = useInvalidateAlerts();
  return useMutation({
    mutationFn: (input: { id: string; action: AlertEventAction }) =>
      api.request(`/api/v1/alerts/history/${encodeURIComponent(input.id)}`, {
        method: 'POST',
        body: input.action,
        schema: alertEventSchema,
      }),
    onSuccess: invalidate,
  });
}

export function useReplayDelivery() {
  const api = useApi();
  const invalidate = useInvalidateAlerts();
  return useMutation({
    mutationFn: (id: string) =>
      api.request(`/api/v1/alerts/deliveries/${encodeURIComponent(id)}/replay`, {
        method: 'POST',
        schema: alertDeliverySchema,
      }),
    onSuccess: invalidate,
  });
}
