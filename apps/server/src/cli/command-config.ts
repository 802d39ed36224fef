import type { Command } from 'commander';
import { loadConfig, type Config, type ConfigOverrides } from '../config/config.ts';

/** Options every command accepts; they override the matching RUNECAST_* variables. */
export interface GlobalOptions {
  home?: string;
  databaseUrl?: string;
  busUrl?: string;
  emulator?: string;
  logLevel?: string;
}

/** Builds the Config for a command from the environment and the global flags. */
export function configFor(command: Command, extra: ConfigOverrides = {}): Config {
  const options = command.optsWithGlobals<GlobalOptions>();
  const overrides: ConfigOverrides = { ...extra };
  if (options.home !== undefined) overrides.RUNECAST_HOME = options.home;
  if (options.databaseUrl !== undefined) overrides.RUNECAST_DATABASE_URL = options.databaseUrl;
  if (options.busUrl !== undefined) overrides.RUNECAST_BUS_URL = options.busUrl;
  if (options.emulator !== undefined) overrides.RUNECAST_EMULATOR_URL = options.emulator;
  if (options.logLevel !== undefined) overrides.RUNECAST_LOG_LEVEL = options.logLevel;
  return loadConfig(process.env, overrides);
}
