import type { Command } from 'commander';
import { registerAlertsCommand } from './alerts.command.ts';
import { registerBackfillCommand } from './backfill.command.ts';
import { registerCoverageCommand } from './coverage.command.ts';
import { registerEmulatorCommand } from './emulator.command.ts';
import { registerExportCommand } from './export.command.ts';
import { registerForecastCommands } from './forecast-commands.ts';
import { registerImportCommand } from './import.command.ts';
import { registerMarketsCommand } from './markets.command.ts';
import { registerRunesCommand } from './runes.command.ts';
import { registerStoreCommands } from './store.command.ts';
import { registerUpCommand } from './up.command.ts';
import { registerUserCommand } from './user.command.ts';

/** Adds every runecast command to the program. */
export function registerCommands(program: Command): void {
  registerUpCommand(program);
  registerEmulatorCommand(program);
  registerBackfillCommand(program);
  registerImportCommand(program);
  registerExportCommand(program);
  registerCoverageCommand(program);
  registerMarketsCommand(program);
  registerRunesCommand(program);
  registerForecastCommands(program);
  registerUserCommand(program);
  registerAlertsCommand(program);
  registerStoreCommands(program);
}
