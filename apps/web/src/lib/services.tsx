/** @jsxRuntime automatic */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import { ApiClient, ApiRequestError, SessionExpiredError } from './api-client.ts';
import { SessionStore, type StoredSession } from './session.store.ts';

/** What every page reaches through React context instead of globals. */
export interface AppServices {
  sessions: SessionStore;
  api: ApiClient;
  queryClient: QueryClient;
}

/** Client errors other than rate limits will not go away by asking again. */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof SessionExpiredError) return false;
  if (error instanceof ApiRequestError && error.status >= 400 && error.status < 500 && error.status !== 429) {
    return false;
  }
  return failureCount < 2;
}

export function createAppServices(options: { storage: Storage | null; baseUrl?: string }): AppServices {
  const sessions = new SessionStore(options.storage);
  const api = new ApiClient(sessions, options.baseUrl ?? '');
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, staleTime: 10_000, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
  // A session that ended (here or in another tab) must not leave its data behind for the next user.
  let previousUserId = sessions.current?.user.id ?? null;
  sessions.subscribe(() => {
    const userId = sessions.current?.user.id ?? null;
    if (userId !== previousUserId) queryClient.clear();
    previousUserId = userId;
  });
  return { sessions, api, queryClient };
}

const ServicesContext = createContext<AppServices | null>(null);

export function ServicesProvider(props: { services: AppServices; children: ReactNode }) {
  return (
    <ServicesContext.Provider value={props.services}>
      <QueryClientProvider client={props.services.queryClient}>{props.children}</QueryClientProvider>
    </ServicesContext.Provider>
  );
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (services === null) throw new Error('useServices needs a ServicesProvider above it');
  return services;
}

export function useApi(): ApiClient {
  return useServices().api;
}

/** The current session; re-renders when it starts, renews or ends. */
export function useSession(): StoredSession | null {
  const { sessions } = useServices();
  return useSyncExternalStore(sessions.subscribe, sessions.getSnapshot, sessions.getSnapshot);
}
