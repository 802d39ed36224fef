import type { Command } from 'commander';
import type { ConfigOverrides } from '../../config/config.ts';
import { ROLES, startRunecast, type Role } from '../../main.ts';
import { createLogger } from '../../logging/logger.ts';
import { applyServerHeapSettings } from '../../runtime/heap-settings.ts';
import { tuneNativeMemory } from '../../runtime/native-memory.ts';
import { configFor } from '../command-config.ts';
import { UsageError } from '../usage-error.ts';

interface UpOptions {
  port?: string;
  host?: string;
  offline?: boolean;
  roles?: string;
}

/** Starts roles and keeps running until SIGINT/SIGTERM. */
async function runRoles(command: Command, options: UpOptions, roles: readonly Role[]): Promise<void> {
  const overrides: ConfigOverrides = {};
  if (options.port !== undefined) overrides.RUNECAST_PORT = options.port;
  if (options.host !== undefined) overrides.RUNECAST_HOST = options.host;
  if (options.offline) overrides.RUNECAST_OFFLINE = 'true';
  const config = configFor(command, overrides);
  const heapFlags = applyServerHeapSettings();
  const nativeMemory = await tuneNativeMemory();
  const logger = createLogger(config.logLevel);
  logger.debug({ heapFlags, allocator: nativeMemory.settings }, 'memory settings');
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`runecast: starting ${roles.join(', ')} (home ${config.home})`);
  const running = await startRunecast({
    config,
    roles,
    logger,
    onDataMode: (dataMode) => {
      const label =
        dataMode.mode === 'live' ? 'LIVE' : dataMode.mode === 'replay' ? 'OFFLINE (replay)' : 'SIMULATED';
      say(`runecast: data: ${label}: ${dataMode.description}`);
    },
  });
  say(`runecast: store ${running.store.db.engine}, bus ${running.bus.kind}`);
  say(
    `runecast: tracking ${config.markets.map((market) => `${market.exchange}:${market.symbol}:${config.timeframe}`).join(', ')}`,
  );
  const address = running.http.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  say(`runecast: listening on http://${config.host}:${port} (health at /health, API docs at /docs)`);
  if (roles.includes('api')) say(`runecast: dashboard: open http://${config.host}:${port}/ in your browser`);
  await new Promise<void>((resolvePromise) => {
    const stop = () => {
      say('runecast: stopping');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void running.stop().finally(resolvePromise);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  nativeMemory.stop();
  logger.flush();
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('Run every role in one process on embedded defaults (PGlite, in-process bus)')
    .option('--port <port>', 'HTTP port (RUNECAST_PORT, default 8080)')
    .option('--host <host>', 'HTTP bind address (RUNECAST_HOST, default 127.0.0.1)')
    .option(
      '--offline',
      'never contact real exchanges: replay RUNECAST_REPLAY_DIR through the built-in emulator',
    )
    .action((options: UpOptions, command: Command) => runRoles(command, options, ROLES));

  program
    .command('serve')
    .description('Run chosen roles in this process (for the distributed setup)')
    .requiredOption('--roles <list>', `comma-separated roles: ${ROLES.join(', ')}`)
    .option('--port <port>', 'HTTP port (RUNECAST_PORT, default 8080)')
    .option('--host <host>', 'HTTP bind address (RUNECAST_HOST, default 127.0.0.1)')
    .option('--offline', 'never contact real exchanges')
    .action((options: UpOptions, command: Command) => {
      const roles = (options.roles ?? '')
        .split(',')
        .map((role) => role.trim())
        .filter(Boolean);
      const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
      if (roles.length === 0 || unknown.length > 0) {
        throw new UsageError(
          `--roles "${options.roles}": unknown role(s) ${unknown.join(', ') || '(none given)'}; use ${ROLES.join(', ')}`,
        );
      }
      return runRoles(command, options, roles as Role[]);
    });
}
