import type { Command } from 'commander';
import { formatSeriesKey, parseHorizonMinutes } from '@runecast/market';
import type { ConfigOverrides } from '../../config/config.ts';
import { isRoleName, ROLE_NAMES, startRunecast, type RoleName } from '../../main.ts';
import { createLogger } from '../../observability/logger.ts';
import { applyServerHeapSettings } from '../../runtime/heap-settings.ts';
import { tuneNativeMemory } from '../../runtime/native-memory.ts';
import { configFor } from '../command-config.ts';
import { stopOnSignals } from '../shutdown-signals.ts';
import { UsageError } from '../usage-error.ts';

interface UpOptions {
  port?: string;
  host?: string;
  offline?: boolean;
  roles?: string;
}

interface WorkerOptions {
  port?: string;
  host?: string;
  concurrency?: string;
  kinds?: string;
  scheduler?: boolean;
  interval?: string;
  retrainCron?: string;
  leaseSeconds?: string;
}

/** Starts roles and keeps running until SIGINT/SIGTERM. */
async function runRoles(
  command: Command,
  overrides: ConfigOverrides,
  roles: readonly RoleName[],
): Promise<void> {
  const config = configFor(command, overrides);
  const heapFlags = applyServerHeapSettings();
  const nativeMemory = await tuneNativeMemory();
  const logger = createLogger(config.logLevel, { format: config.logFormat });
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
  const { context } = running;
  say(`runecast: store ${context.store.engine}, bus ${context.bus.kind}`);
  say(
    `runecast: tracking ${context.trackedMarkets
      .series()
      .map(({ series }) => formatSeriesKey(series))
      .join(', ')}`,
  );
  const port = running.port ?? config.port;
  say(`runecast: listening on http://${config.host}:${port} (health at /health, API docs at /docs)`);
  if (roles.includes('api')) say(`runecast: dashboard: open http://${config.host}:${port}/ in your browser`);
  await stopOnSignals({
    stop: () => running.stop(),
    timeoutMs: config.shutdownTimeoutSeconds * 1000,
    say,
  });
  nativeMemory.stop();
  logger.flush();
}

function listenOverrides(options: { port?: string; host?: string }): ConfigOverrides {
  const overrides: ConfigOverrides = {};
  if (options.port !== undefined) overrides.RUNECAST_PORT = options.port;
  if (options.host !== undefined) overrides.RUNECAST_HOST = options.host;
  return overrides;
}

/** `runecast worker` flags as the configuration the worker and scheduler roles read. */
export function workerOverrides(options: WorkerOptions): ConfigOverrides {
  const overrides = listenOverrides(options);
  if (options.concurrency !== undefined) overrides.RUNECAST_WORKER_CONCURRENCY = options.concurrency;
  if (options.kinds !== undefined) overrides.RUNECAST_WORKER_KINDS = options.kinds;
  if (options.leaseSeconds !== undefined) overrides.RUNECAST_JOB_LEASE_SECONDS = options.leaseSeconds;
  if (options.retrainCron !== undefined) overrides.RUNECAST_RETRAIN_CRON = options.retrainCron;
  if (options.interval !== undefined) {
    try {
      overrides.RUNECAST_FORECAST_INTERVAL_MINUTES = String(parseHorizonMinutes(options.interval));
    } catch {
      throw new UsageError(`--interval "${options.interval}" is not a duration like 5m, 1h or 300 (minutes)`);
    }
  }
  return overrides;
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
    .action((options: UpOptions, command: Command) => {
      const overrides = listenOverrides(options);
      if (options.offline) overrides.RUNECAST_OFFLINE = 'true';
      return runRoles(command, overrides, ROLE_NAMES);
    });

  program
    .command('serve')
    .description('Run chosen roles in this process (for the distributed setup)')
    .requiredOption('--roles <list>', `comma-separated roles: ${ROLE_NAMES.join(', ')}`)
    .option('--port <port>', 'HTTP port (RUNECAST_PORT, default 8080)')
    .option('--host <host>', 'HTTP bind address (RUNECAST_HOST, default 127.0.0.1)')
    .option('--offline', 'with the ingest role: replay RUNECAST_REPLAY_DIR through the built-in emulator')
    .action((options: UpOptions, command: Command) => {
      const roles = (options.roles ?? '')
        .split(',')
        .map((role) => role.trim())
        .filter(Boolean);
      const unknown = roles.filter((role) => !isRoleName(role));
      if (roles.length === 0 || unknown.length > 0) {
        throw new UsageError(
          `--roles "${options.roles}": unknown role(s) ${unknown.join(', ') || '(none given)'}; use ${ROLE_NAMES.join(', ')}`,
        );
      }
      const overrides = listenOverrides(options);
      if (options.offline) overrides.RUNECAST_OFFLINE = 'true';
      return runRoles(command, overrides, [...new Set(roles)] as RoleName[]);
    });

  program
    .command('worker')
    .description(
      'Run queued train, backtest, tune and predict jobs until stopped (any number of workers may share one PostgreSQL store); with --scheduler the forecast scheduler too. The same as serve --roles worker[,scheduler].',
    )
    .option('--concurrency <n>', 'jobs run at once (RUNECAST_WORKER_CONCURRENCY, default 1)')
    .option('--kinds <list>', 'only these job kinds, comma-separated (RUNECAST_WORKER_KINDS, default all)')
    .option(
      '--scheduler',
      'also run the forecast scheduler (only one scheduler acts at a time across processes)',
    )
    .option('--interval <duration>', 'scheduler: how often production models forecast, e.g. 5m or 1h')
    .option(
      '--retrain-cron <expression>',
      'scheduler: retrain production models on this cron schedule (UTC), e.g. "0 3 * * *"',
    )
    .option('--lease-seconds <n>', 'a job whose worker is silent this long is taken again (default 60)')
    .option('--port <port>', 'port for /health, /ready and /metrics (RUNECAST_PORT, default 8080)')
    .option('--host <host>', 'bind address (RUNECAST_HOST, default 127.0.0.1)')
    .action((options: WorkerOptions, command: Command) =>
      runRoles(command, workerOverrides(options), options.scheduler ? ['worker', 'scheduler'] : ['worker']),
    );
}
