import type { RuntimeContext } from '../runtime/runtime-context.ts';

/** Roles one process can take; `runecast up` runs them all, `runecast serve --roles …` the chosen ones. */
export const ROLE_NAMES = ['api', 'ingest', 'worker', 'scheduler', 'alerts'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** A started role; `stop()` ends what it started and leaves the context to its owner. */
export interface RunningRole {
  stop(): Promise<void>;
  /** The TCP port the role listens on, for roles that serve HTTP. */
  readonly port?: number;
}

/**
 * A unit of deployment: everything one kind of process does, started on the shared runtime
 * context. Roles hold no state of their own between runs and never open store, bus or cache.
 */
export interface Role {
  readonly name: RoleName | 'status';
  /**
   * True for a role that writes on its own (ingestion, jobs): it is stopped while the disk is
   * nearly full (the process is read-only) and started again once space is back.
   */
  readonly pausesWhileReadOnly?: boolean;
  start(context: RuntimeContext): Promise<RunningRole>;
}

export function isRoleName(value: string): value is RoleName {
  return (ROLE_NAMES as readonly string[]).includes(value);
}
