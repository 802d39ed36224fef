import type { RuntimeContext } from '../runtime/runtime-context.ts';
import type { Role, RunningRole } from './role.ts';

/** How long after a failed start (or stop) the role is tried again. */
const RETRY_MS = 10_000;

/**
 * Runs a role that writes on its own only while the disk has room: it is stopped when the
 * process turns read-only (its leases and jobs handed back, so a process with room can take
 * them) and started again once space is back. The process itself keeps running and answering.
 */
export async function startPausingWhileReadOnly(
  role: Role,
  context: RuntimeContext,
  options: { retryMs?: number } = {},
): Promise<RunningRole> {
  const retryMs = options.retryMs ?? RETRY_MS;
  const logger = context.logger.child({ component: role.name });
  let running: RunningRole | null = null;
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  let retryTimer: NodeJS.Timeout | null = null;

  const follow = async () => {
    if (stopped) return;
    if (context.disk.readOnly() && running !== null) {
      const current = running;
      running = null;
      await current.stop();
      logger.warn(`the ${role.name} role is paused while the disk is nearly full`);
    } else if (!context.disk.readOnly() && running === null) {
      running = await role.start(context);
      logger.info(`the ${role.name} role runs again`);
    }
  };
  const settle = (): Promise<void> => {
    chain = chain.then(follow).catch((error: unknown) => {
      context.metrics.runtime.backgroundErrors.inc({ task: `${role.name}-pause` });
      logger.error({ err: error }, `could not follow the disk's mode in the ${role.name} role; trying again`);
      if (!stopped && retryTimer === null) {
        retryTimer = setTimeout(() => {
          retryTimer = null;
          void settle();
        }, retryMs);
        retryTimer.unref();
      }
    });
    return chain;
  };

  if (context.disk.readOnly())
    logger.warn(
      `the ${role.name} role waits: the disk is nearly full (${context.disk.status().reason ?? ''})`,
    );
  else running = await role.start(context);
  const unsubscribe = context.disk.subscribe(() => void settle());
  return {
    stop: async () => {
      stopped = true;
      unsubscribe();
      if (retryTimer !== null) clearTimeout(retryTimer);
      await chain;
      const current = running;
      running = null;
      await current?.stop();
    },
  };
}
