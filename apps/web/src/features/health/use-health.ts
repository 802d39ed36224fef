import { readyResponseSchema, type ReadyResponse } from '@runecast/contracts';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useApi } from '../../lib/services.tsx';
import { updateLastSeenOk, type LastSeenOk } from './health-model.ts';

const POLL_MS = 10_000;

/** `GET /ready` every 10 s (it answers 503 with the same body when a component is down). */
export function useReadiness() {
  const api = useApi();
  return useQuery<ReadyResponse>({
    queryKey: ['ready'],
    queryFn: ({ signal }) =>
      api.request('/ready', {
        schema: readyResponseSchema,
        authenticated: false,
        acceptStatuses: [503],
        signal,
      }),
    refetchInterval: POLL_MS,
    staleTime: 5_000,
  });
}

/** When each component was last seen ok while this page was open. */
export function useLastSeenOk(data: ReadyResponse | undefined): LastSeenOk {
  const [lastSeenOk, setLastSeenOk] = useState<LastSeenOk>({});
  useEffect(() => {
    if (data !== undefined) setLastSeenOk((previous) => updateLastSeenOk(previous, data.components));
  }, [data]);
  return lastSeenOk;
}
