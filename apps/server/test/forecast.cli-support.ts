import { runRunecast, type CliResult } from './support/cli.ts';

/** Runs the real `runecast` binary for the forecasting end-to-end tests. */
export function runForecastCli(
  args: readonly string[],
  environment: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  return runRunecast(args, environment);
}
