import { Command, CommanderError, Option } from 'commander';
import { ConfigError, ENVIRONMENT_VARIABLES } from '../config/config.ts';
import { RunecastError } from '@runecast/market';
import { registerCommands } from './commands/index.ts';
import { UsageError } from './usage-error.ts';

export { UsageError };

export function buildProgram(): Command {
  const program = new Command('runecast')
    .description('Crypto market data and honest forecasts: collect, store, forecast, serve.')
    .version('0.1.0')
    .addOption(new Option('--home <dir>', 'data folder (RUNECAST_HOME)'))
    .addOption(
      new Option('--database-url <url>', 'postgres://… (RUNECAST_DATABASE_URL); default embedded PGlite'),
    )
    .addOption(new Option('--bus-url <url>', 'nats://… (RUNECAST_BUS_URL); default in-process'))
    .addOption(new Option('--emulator <url>', 'use a running exchange emulator (RUNECAST_EMULATOR_URL)'))
    .addOption(new Option('--log-level <level>', 'log level (RUNECAST_LOG_LEVEL)'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .addHelpText(
      'after',
      `\nEnvironment variables:\n${Object.entries(ENVIRONMENT_VARIABLES)
        .map(([name, text]) => `  ${name.padEnd(24)} ${text}`)
        .join('\n')}\n`,
    );
  registerCommands(program);
  for (const command of program.commands)
    command.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

/** Runs the CLI; returns the process exit code (0 ok, 1 failure, 2 bad usage or configuration). */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof ConfigError || error instanceof UsageError) {
      process.stderr.write(`runecast: ${error.message}\n`);
      return 2;
    }
    if (error instanceof RunecastError) {
      process.stderr.write(`runecast: ${error.message}\n`);
      return error.code === 'validation_failed' || error.code === 'bad_symbol' ? 2 : 1;
    }
    process.stderr.write(`runecast: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
