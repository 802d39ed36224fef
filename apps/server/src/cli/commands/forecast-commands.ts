import type { Command } from 'commander';
import { registerBacktestCommand } from './backtest.command.ts';
import { registerJobsCommand } from './jobs.command.ts';
import { registerModelsCommand } from './models.command.ts';
import { registerPredictCommand } from './predict.command.ts';
import { registerPromoteCommand } from './promote.command.ts';
import { registerTrainCommand } from './train.command.ts';
import { registerTuneCommand } from './tune.command.ts';

/** Adds the forecasting commands: backtest, train, tune, predict, models, promote, jobs, worker. */
export function registerForecastCommands(program: Command): void {
  registerBacktestCommand(program);
  registerTrainCommand(program);
  registerTuneCommand(program);
  registerPredictCommand(program);
  registerModelsCommand(program);
  registerPromoteCommand(program);
  registerJobsCommand(program);
}
