/** State of one component as health endpoints and the dashboard report it. */
export type HealthState = 'ok' | 'degraded' | 'down';

export interface ComponentHealth {
  name: string;
  state: HealthState;
  reason: string | null;
  checkedAtMs: number;
  details?: Record<string, unknown>;
}

/** Something that can tell its own health; checks must be cheap and time-bounded. */
export interface HealthCheck {
  name: string;
  check(): Promise<Omit<ComponentHealth, 'name' | 'checkedAtMs'>>;
}

const CHECK_TIMEOUT_MS = 2_000;

/** Runs every check concurrently; a check that throws or hangs reports `down`. */
export async function collectHealth(checks: readonly HealthCheck[]): Promise<{
  state: HealthState;
  components: ComponentHealth[];
}> {
  const components = await Promise.all(
    checks.map(async (item): Promise<ComponentHealth> => {
      const checkedAtMs = Date.now();
      try {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
            CHECK_TIMEOUT_MS,
          );
        });
        const result = await Promise.race([item.check(), timeout]).finally(() => clearTimeout(timer));
        return { name: item.name, checkedAtMs, ...result };
      } catch (error) {
        return { name: item.name, state: 'down', reason: (error as Error).message, checkedAtMs };
      }
    }),
  );
  const state: HealthState = components.some((item) => item.state === 'down')
    ? 'down'
    : components.some((item) => item.state === 'degraded')
      ? 'degraded'
      : 'ok';
  return { state, components };
}

/**
 * The checks of the parts every process opens: the store answers a query, the bus and cache
 * report their own state. Typed by shape so this room imports nothing above it.
 */
export function coreHealthChecks(parts: {
  store: { ping(): Promise<{ state: HealthState; reason: string | null }>; engine: string };
  bus: { status(): { state: HealthState; reason: string | null }; kind: string };
  cache: { status(): Promise<{ state: HealthState; reason: string | null }>; kind: string };
}): HealthCheck[] {
  const { store, bus, cache } = parts;
  return [
    { name: 'store', check: async () => ({ ...(await store.ping()), details: { engine: store.engine } }) },
    {
      name: 'bus',
      check: async () => {
        const status = bus.status();
        return { state: status.state, reason: status.reason, details: { kind: bus.kind } };
      },
    },
    { name: 'cache', check: async () => ({ ...(await cache.status()), details: { kind: cache.kind } }) },
  ];
}
