import type { HealthRegistry } from './health-registry.ts';
import type { HealthState } from './health.ts';

/** A component whose health changed, as announced on the bus. */
export interface ComponentHealthChange {
  process: string;
  component: string;
  state: HealthState;
  previousState: HealthState | null;
  reason: string | null;
  atMs: number;
}

/**
 * Checks a process's components every so often and announces each one whose state changed
 * (and each one the first time), so that the alerts role hears of health without polling
 * every process. Announcing takes a callback, so this room imports nothing above it.
 */
export class HealthAnnouncer {
  private readonly last = new Map<string, HealthState>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly options: {
      process: string;
      registry: HealthRegistry;
      announce: (change: ComponentHealthChange) => Promise<void>;
      now: () => number;
      onError: (error: unknown) => void;
    },
  ) {}

  /** Checks now and announces what changed; a component whose announcement fails is tried again next time. */
  async checkNow(): Promise<void> {
    const { components } = await this.options.registry.collect();
    for (const component of components) {
      const previousState = this.last.get(component.name) ?? null;
      if (previousState === component.state) continue;
      try {
        await this.options.announce({
          process: this.options.process,
          component: component.name,
          state: component.state,
          previousState,
          reason: component.reason === null ? null : component.reason.slice(0, 2000),
          atMs: this.options.now(),
        });
        this.last.set(component.name, component.state);
      } catch (error) {
        this.options.onError(error);
      }
    }
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.running ??= this.checkNow()
        .catch((error: unknown) => this.options.onError(error))
        .finally(() => {
          this.running = null;
        });
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}

/** A process's name for the bus: host and pid, in letters, digits, "-" and "_". */
export function processName(host: string, pid: number): string {
  const cleanHost = host.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'host';
  return `${cleanHost}-${pid}`;
}
