import type { Command } from 'commander';
import { tuningMetrics } from '@runecast/contracts';
import { formatSeriesKey } from '@runecast/market';
import type { TuneJobResult } from '../../forecasting/handlers/tune.handler.ts';
import { parseChoice } from '../arguments.ts';
import { configFor } from '../command-config.ts';
import { UsageError } from '../usage-error.ts';
import { isoTime, printJson, printTable } from '../output.ts';
import {
  addJobOptions,
  formatHorizon,
  formatNumber,
  parseHorizonFlag,
  parseJsonObjectFlag,
  parseModelFlag,
  parsePositiveIntegerFlag,
  parseRangeFlags,
  parseSeriesFlag,
  requireSeries,
  requireSucceeded,
  runJobFromCommand,
  withForecasting,
  type JobCommandOptions,
} from './forecast-command-support.ts';

interface TuneOptions extends JobCommandOptions {
  series: string;
  horizon: string;
  model: string;
  from: string;
  to: string;
  trials: string;
  seed: string;
  metric: string;
  params?: string;
  validationSteps?: string;
}

export function registerTuneCommand(program: Command): void {
  addJobOptions(
    program
      .command('tune')
      .description(
        "Random search over a model's hyperparameters, each candidate scored walk-forward inside the range; every trial is stored",
      )
      .requiredOption('--series <key>', 'series like binance:BTC/USDT:1h')
      .requiredOption('--horizon <h>', 'forecast horizon: minutes (240) or a duration (240m, 4h, 1d)')
      .requiredOption('--model <type>', 'model type, e.g. ridge, rf, svr')
      .requiredOption('--from <time>', 'first candle used (ISO-8601, UTC)')
      .requiredOption('--to <time>', 'end of the range, exclusive')
      .option('--trials <n>', 'candidates to score, the defaults first', '10')
      .option('--seed <n>', 'random seed of the search', '1')
      .option('--metric <name>', `metric to minimise (${tuningMetrics.join(', ')})`, 'rmse')
      .option('--params <json>', 'parameters fixed for every candidate, as JSON')
      .option(
        '--validation-steps <n>',
        'forecast origins each candidate is scored on (default: a quarter of the range)',
      ),
  ).action(async (options: TuneOptions, command: Command) => {
    const config = configFor(command);
    const series = parseSeriesFlag(options.series);
    const horizonMinutes = parseHorizonFlag(options.horizon, series);
    const modelType = parseModelFlag(options.model);
    const { fromMs, toMs } = parseRangeFlags(options.from, options.to);
    const trials = parsePositiveIntegerFlag('--trials', options.trials)!;
    if (!/^\d{1,9}$/.test(options.seed))
      throw new UsageError(`--seed "${options.seed}" must be a whole number`);
    const seed = Number(options.seed);
    const metric = parseChoice('--metric', options.metric, tuningMetrics);
    const validationSteps = parsePositiveIntegerFlag('--validation-steps', options.validationSteps);
    const payload = {
      series: formatSeriesKey(series),
      horizonMinutes,
      modelType,
      fromMs,
      toMs,
      trials,
      seed,
      metric,
      baseParams: parseJsonObjectFlag('--params', options.params),
      ...(validationSteps === undefined ? {} : { validationSteps }),
    };
    await withForecasting(config, async ({ store, runtime }) => {
      await requireSeries(store, series);
      const job = await runJobFromCommand(
        runtime,
        'tune',
        payload,
        options,
        `tune ${modelType} ${formatSeriesKey(series)} ${formatHorizon(horizonMinutes)}`,
      );
      if (job === null) return;
      const result = requireSucceeded(job).result as TuneJobResult;
      if (options.json) {
        printJson({ jobId: job.id, ...result });
        return;
      }
      process.stdout.write(
        `${result.modelType} on ${result.series} at ${formatHorizon(result.horizonMinutes)}: ${result.trials.length} trials, ` +
          `scored by ${result.metric} on origins from ${isoTime(result.validationFromMs)} to ${isoTime(result.validationToMs)} (job ${job.id})\n\n`,
      );
      printTable(
        ['trial', result.metric, `naive ${result.metric}`, 'seconds', 'parameters'],
        result.trials.map((trial) => [
          trial.trial === result.best.trial ? `${trial.trial} *` : String(trial.trial),
          trial.error === null ? formatNumber(trial.score, 6) : `failed: ${trial.error.slice(0, 60)}`,
          formatNumber(trial.naiveScore, 6),
          (trial.durationMs / 1000).toFixed(1),
          JSON.stringify(trial.params),
        ]),
      );
      process.stdout.write(
        `\nbest: trial ${result.best.trial} (${result.metric} ${formatNumber(result.best.score, 6)}; defaults ${formatNumber(result.defaultScore, 6)}). ` +
          `Train it with: runecast train … --model ${result.modelType} --params '${JSON.stringify(result.best.params)}'\n`,
      );
    });
  });
}
