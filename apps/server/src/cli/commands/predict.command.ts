import type { Command } from 'commander';
import { formatSeriesKey, ValidationError } from '@runecast/market';
import type { PredictJobResult } from '../../forecasting/handlers/predict.handler.ts';
import { configFor } from '../command-config.ts';
import { isoTime, printJson } from '../output.ts';
import {
  addJobOptions,
  formatHorizon,
  formatNumber,
  parseHorizonFlag,
  parsePositiveIntegerFlag,
  parseSeriesFlag,
  requireSeries,
  requireSucceeded,
  runJobFromCommand,
  withForecasting,
  type JobCommandOptions,
} from './forecast-command-support.ts';

interface PredictOptions extends JobCommandOptions {
  series: string;
  horizon: string;
  modelVersion?: string;
}

export function registerPredictCommand(program: Command): void {
  addJobOptions(
    program
      .command('predict')
      .description(
        'Forecast a series from its latest candles with the production model (or --model-version) and write it to the forecast ledger',
      )
      .requiredOption('--series <key>', 'series like binance:BTC/USDT:1h')
      .requiredOption('--horizon <h>', 'forecast horizon: minutes (240) or a duration (240m, 4h, 1d)')
      .option('--model-version <id>', 'model version to use instead of the production one'),
  ).action(async (options: PredictOptions, command: Command) => {
    const config = configFor(command);
    const series = parseSeriesFlag(options.series);
    const horizonMinutes = parseHorizonFlag(options.horizon, series);
    const versionId = parsePositiveIntegerFlag('--model-version', options.modelVersion);
    await withForecasting(config, async ({ store, runtime }) => {
      await requireSeries(store, series);
      // Checked before queueing, so a series without a model is told how to get one.
      let version: { id: number; modelType: string };
      try {
        version =
          versionId === undefined
            ? await runtime.registry.requireProduction(series, horizonMinutes)
            : await runtime.registry.require(versionId);
      } catch (error) {
        throw new ValidationError((error as Error).message);
      }
      // The job names its version and model type, so the jobs page says what it forecasts.
      const payload = {
        modelVersionId: version.id,
        series: formatSeriesKey(series),
        horizonMinutes,
        modelType: version.modelType,
      };
      const job = await runJobFromCommand(
        runtime,
        'predict',
        payload,
        { ...options, progress: false },
        `predict ${formatSeriesKey(series)}`,
      );
      if (job === null) return;
      const { forecast, created } = requireSucceeded(job).result as PredictJobResult;
      if (options.json) {
        printJson({ ...forecast, created });
        return;
      }
      process.stdout.write(
        `${forecast.series} close at ${isoTime(forecast.targetTimeMs)} (${formatHorizon(forecast.horizonMinutes)} ahead): ` +
          `${formatNumber(forecast.point, 8)}\n` +
          `  80%: ${formatNumber(forecast.lower80, 8)} to ${formatNumber(forecast.upper80, 8)}\n` +
          `  95%: ${formatNumber(forecast.lower95, 8)} to ${formatNumber(forecast.upper95, 8)}\n` +
          `  last close ${formatNumber(forecast.lastClose, 8)} at ${isoTime(forecast.issuedAtMs)}; ` +
          `${forecast.modelType} version ${forecast.modelVersionId}; ledger entry ${forecast.id}` +
          `${created ? '' : ' (already made from this candle)'}\n`,
      );
    });
  });
}
