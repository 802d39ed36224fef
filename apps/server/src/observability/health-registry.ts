import { collectHealth, type HealthCheck, type HealthState, type ComponentHealth } from './health.ts';

/**
 * Where every component of a process registers the check of its own health: the store, bus
 * and cache when the runtime context opens them, each source and tracked series when ingestion
 * starts it, the queue and scheduler with their roles. `/health` and `/ready` read it, so a
 * market added at run time shows up there without anyone re-listing checks.
 */
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  /** Adds a check, replacing one of the same name; returns a function that removes it again. */
  register(check: HealthCheck): () => void {
    this.checks.set(check.name, check);
    return () => {
      if (this.checks.get(check.name) === check) this.checks.delete(check.name);
    };
  }

  /** The checks registered now, in the order they were first added. */
  list(): HealthCheck[] {
    return [...this.checks.values()];
  }

  names(): string[] {
    return [...this.checks.keys()];
  }

  /** Runs every check concurrently (each time-bounded) and sums up the process's state. */
  collect(): Promise<{ state: HealthState; components: ComponentHealth[] }> {
    return collectHealth(this.list());
  }
}
