import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../config/config.ts';
import { securePrivateHome } from '../../config/private-files.ts';
import {
  backupStore,
  type OpenDatabaseOptions,
  copyStore,
  restoreStore,
  type TransferProgress,
  type TransferResult,
} from '../../store/store-transfer.ts';
import { configFor } from '../command-config.ts';
import { createProgressBar } from '../progress-bar.ts';
import { UsageError } from '../usage-error.ts';

/** The store the configuration names: PostgreSQL when a URL is set, else the embedded one in the home folder. */
function configuredStore(config: Config): OpenDatabaseOptions {
  securePrivateHome(config.home, (message) => process.stderr.write(`runecast: warning: ${message}\n`));
  return config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.pgliteDir };
}

function describeStore(options: OpenDatabaseOptions): string {
  if (options.url) {
    const url = new URL(options.url);
    url.password = url.password ? '***' : '';
    return url.toString();
  }
  return `the embedded store in ${options.dataDir}`;
}

/** `--to` of `store copy`: a PostgreSQL URL, or a folder for an embedded store. */
function parseTarget(value: string): OpenDatabaseOptions {
  if (/^postgres(ql)?:\/\//.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new UsageError(`--to: ${value} is not a valid PostgreSQL URL`);
    }
    return { url: value };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new UsageError('--to must be a postgres:// URL or a folder for an embedded store');
  }
  return { dataDir: resolve(value) };
}

function progressReporter(label: string): { onProgress: (progress: TransferProgress) => void; stop(): void } {
  const bar = createProgressBar(label, true);
  return {
    onProgress: (progress) =>
      bar.update(
        progress.totalRows > 0 ? (100 * progress.rows) / progress.totalRows : 100,
        `${progress.table}: ${progress.rows}/${progress.totalRows} rows`,
      ),
    stop: () => bar.stop(),
  };
}

function report(verb: string, result: TransferResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ rows: result.rows, tables: result.tables })}\n`);
    return;
  }
  const filled = result.tables.filter((table) => table.rows > 0);
  process.stdout.write(
    `${verb} ${result.rows} rows in ${filled.length} tables, verified table by table (rows and digest):\n`,
  );
  for (const table of filled) process.stdout.write(`  ${table.table.padEnd(24)} ${table.rows}\n`);
}

export function registerStoreCommands(program: Command): void {
  const store = program
    .command('store')
    .description('Move a whole store: copy it to another database (for example embedded to PostgreSQL)');
  store
    .command('copy')
    .description(
      'Copy every row of the configured store into an empty PostgreSQL database (or embedded store folder), then verify both hold the same rows. Stop Runecast first.',
    )
    .requiredOption('--to <target>', 'postgres://… URL, or a folder for an embedded store')
    .option('--json', 'print the result as JSON')
    .action(async (options: { to: string; json?: boolean }, command: Command) => {
      const config = configFor(command);
      const from = configuredStore(config);
      const to = parseTarget(options.to);
      if ((to.url ?? to.dataDir) === (from.url ?? from.dataDir)) {
        throw new UsageError('--to names the configured store itself');
      }
      process.stderr.write(`copying ${describeStore(from)} to ${describeStore(to)}\n`);
      const progress = progressReporter('copy');
      try {
        report('copied', await copyStore(from, to, progress.onProgress), options.json === true);
      } finally {
        progress.stop();
      }
    });

  program
    .command('backup')
    .description(
      'Write every row of the configured store to a compressed file that `runecast restore` reads (stop Runecast first when the store is embedded)',
    )
    .requiredOption('--to <file>', 'file to write (gzip-compressed JSON lines); it must not exist')
    .option('--json', 'print the result as JSON')
    .action(async (options: { to: string; json?: boolean }, command: Command) => {
      const config = configFor(command);
      const file = resolve(options.to);
      if (existsSync(file)) throw new UsageError(`--to: ${file} exists already; choose a new file`);
      const from = configuredStore(config);
      process.stderr.write(`backing up ${describeStore(from)} to ${file}\n`);
      const progress = progressReporter('backup');
      try {
        report('backed up', await backupStore(from, file, progress.onProgress), options.json === true);
      } finally {
        progress.stop();
      }
    });

  program
    .command('restore')
    .description(
      'Restore a backup into the configured store, which must be empty, then verify every table against the backup',
    )
    .requiredOption('--from <file>', 'a file `runecast backup` wrote')
    .option('--json', 'print the result as JSON')
    .action(async (options: { from: string; json?: boolean }, command: Command) => {
      const config = configFor(command);
      const file = resolve(options.from);
      if (!existsSync(file)) throw new UsageError(`--from: ${file} does not exist`);
      const to = configuredStore(config);
      process.stderr.write(`restoring ${file} into ${describeStore(to)}\n`);
      const progress = progressReporter('restore');
      try {
        report('restored', await restoreStore(file, to, progress.onProgress), options.json === true);
      } finally {
        progress.stop();
      }
    });
}
