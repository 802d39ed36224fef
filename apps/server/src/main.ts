import type { Config } from './config/config.ts';
import type { Logger } from './observability/logger.ts';
import { startRoles, type RoleName } from './roles/index.ts';
import type { DataMode } from './sources/data-mode.ts';
import { createRuntimeContext, type RuntimeContext } from './runtime/runtime-context.ts';

export { isRoleName, ROLE_NAMES, type RoleName } from './roles/index.ts';

export interface RunningRunecast {
  readonly context: RuntimeContext;
  /** The port this process serves HTTP on (the API, or /health, /ready and /metrics alone). */
  readonly port: number | null;
  /** Stops the roles in reverse order, then closes the context. */
  stop(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  roles: readonly RoleName[];
  logger: Logger;
  /** Called once the data mode is known, before any data is fetched (the CLI prints it first). */
  onDataMode?: (dataMode: DataMode) => void;
  /** Shows one-time secrets such as a generated admin password. */
  announce?: (text: string) => void;
}

/**
 * Composition root: config → runtime context → roles. Every process shape (`up`, `serve
 * --roles …`, `worker`) is this, with another list of roles.
 */
export async function startRunecast(options: StartOptions): Promise<RunningRunecast> {
  const context = await createRuntimeContext({
    config: options.config,
    logger: options.logger,
    ingests: options.roles.includes('ingest'),
    ...(options.onDataMode ? { onDataMode: options.onDataMode } : {}),
    ...(options.announce ? { announce: options.announce } : {}),
  });
  try {
    const roles = await startRoles(context, options.roles);
    return {
      context,
      port: roles.port,
      stop: async () => {
        await roles.stop();
        await context.close();
      },
    };
  } catch (error) {
    await context.close();
    throw error;
  }
}
