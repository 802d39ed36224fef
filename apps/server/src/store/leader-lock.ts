import type { Database } from './database.port.ts';

/**
 * Named locks that make one process the leader of a periodic task across every process on one
 * PostgreSQL store. Each name keeps a fixed 64-bit key, so processes of different versions
 * still exclude each other.
 */
export const LEADER_LOCK_KEYS = {
  scheduler: 7_262_017_442,
} as const;
export type LeaderLockName = keyof typeof LEADER_LOCK_KEYS;

/**
 * Takes the named lock for the rest of the transaction `transaction` runs in; true when this
 * connection holds it, false when another process does. The embedded store has one connection
 * in one process, so there every caller leads.
 */
export async function takeLeaderLock(transaction: Database, name: LeaderLockName): Promise<boolean> {
  if (transaction.engine !== 'postgres') return true;
  const [lock] = await transaction.query<{ acquired: boolean }>(
    'SELECT pg_try_advisory_xact_lock($1) AS acquired',
    [LEADER_LOCK_KEYS[name]],
  );
  return lock?.acquired === true;
}

/** Waits for the named lock for the rest of the transaction (for tests of leadership and tools). */
export async function waitForLeaderLock(transaction: Database, name: LeaderLockName): Promise<void> {
  if (transaction.engine !== 'postgres') return;
  await transaction.query('SELECT pg_advisory_xact_lock($1)', [LEADER_LOCK_KEYS[name]]);
}
