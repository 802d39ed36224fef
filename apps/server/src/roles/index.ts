import { apiRole, statusRole } from './api.role.ts';
import { alertsRole } from './alerts.role.ts';
import { ingestRole } from './ingest.role.ts';
import type { RuntimeContext } from '../runtime/runtime-context.ts';
import type { Role, RoleName, RunningRole } from './role.ts';
import { startPausingWhileReadOnly } from './read-only-pause.ts';
import { schedulerRole } from './scheduler.role.ts';
import { workerRole } from './worker.role.ts';

export { isRoleName, ROLE_NAMES, type Role, type RoleName, type RunningRole } from './role.ts';

/**
 * Every role, in the order a process starts them: alerts subscribe before data flows in, data
 * flows in next, the worker exists before the scheduler hands it forecasts, and HTTP listens
 * last, once everything it reports on runs.
 */
export const ROLES: readonly Role[] = [alertsRole, ingestRole, workerRole, schedulerRole, apiRole];

/** The roles a process runs, started in order; a failure stops those already started. */
export async function startRoles(
  context: RuntimeContext,
  names: readonly RoleName[],
): Promise<{ port: number | null; stop(): Promise<void> }> {
  const chosen = ROLES.filter((role) => (names as readonly string[]).includes(role.name));
  // Every process answers /health, /ready and /metrics on its port, with or without the API.
  if (!names.includes('api')) chosen.push(statusRole);
  const running: RunningRole[] = [];
  const stop = async () => {
    for (const role of running.splice(0).reverse()) {
      await role
        .stop()
        .catch((error: unknown) => context.logger.warn({ err: error }, 'error while stopping a role'));
    }
  };
  try {
    for (const role of chosen) {
      running.push(
        role.pausesWhileReadOnly ? await startPausingWhileReadOnly(role, context) : await role.start(context),
      );
      context.logger.debug({ role: role.name }, 'role started');
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { port: running.find((role) => role.port !== undefined)?.port ?? null, stop };
}
