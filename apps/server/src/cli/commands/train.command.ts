import type { Command } from 'commander';
import { registryMetrics } from '@runecast/contracts';
import { formatSeriesKey } from '@runecast/market';
import type { TrainJobResult } from '../../forecasting/handlers/train.handler.ts';
import { parseChoice } from '../arguments.ts';
import { listVolatilityModelTypes } from '../../models/volatility/volatility.registry.ts';
import { configFor } from '../command-config.ts';
import { UsageError } from '../usage-error.ts';
import { isoTime, printJson, printTable } from '../output.ts';
import {
  addJobOptions,
  formatHorizon,
  formatNumber,
  formatPercent,
  parseHorizonFlag,
  parseJsonObjectFlag,
  parseModelFlag,
  parsePositiveIntegerFlag,
  parseRangeFlags,
  parseCrossAssetsFlag,
  parseSeriesFlag,
  requireSeries,
  requireSucceeded,
  runJobFromCommand,
  withForecasting,
  type JobCommandOptions,
} from './forecast-command-support.ts';

interface TrainOptions extends JobCommandOptions {
  series: string;
  horizon: string;
  model: string;
  params?: string;
  bands?: string;
  from: string;
  to: string;
  promote: string;
  metric: string;
  evaluation: string;
  retrainEvery?: string;
  crossAssets?: string;
}

export function registerTrainCommand(program: Command): void {
  addJobOptions(
    program
      .command('train')
      .description(
        'Train a model on a series over a range, score it walk-forward against naive, and register the version',
      )
      .requiredOption('--series <key>', 'series like binance:BTC/USDT:1h')
      .requiredOption('--horizon <h>', 'forecast horizon: minutes (240) or a duration (240m, 4h, 1d)')
      .requiredOption('--model <type>', 'model type, e.g. ridge, rf, svr, arima, naive')
      .requiredOption('--from <time>', 'first candle used (ISO-8601, UTC)')
      .requiredOption('--to <time>', 'end of the training range, exclusive')
      .option('--params <json>', `model parameters as JSON, e.g. '{"lambda": 1000}'`)
      .option(
        '--bands <volatility>',
        'scale the bands by a volatility model: ewma, har or garch (default: plain)',
      )
      .option('--promote <when>', 'never, if-better (than production on --metric) or always', 'never')
      .option('--metric <name>', `metric for --promote if-better (${registryMetrics.join(', ')})`, 'mase')
      .option('--evaluation <fraction>', 'share of the range at its end scored walk-forward', '0.25')
      .option('--retrain-every <candles>', 'candles between refits in the walk-forward (default 168)')
      .option(
        '--cross-assets <series>',
        'comma-separated series whose returns become features, or metric series (SERIES:metric) whose log growth does',
      ),
  ).action(async (options: TrainOptions, command: Command) => {
    const config = configFor(command);
    const series = parseSeriesFlag(options.series);
    const horizonMinutes = parseHorizonFlag(options.horizon, series);
    const modelType = parseModelFlag(options.model);
    const { fromMs, toMs } = parseRangeFlags(options.from, options.to);
    const params = parseJsonObjectFlag('--params', options.params);
    const bands =
      options.bands === undefined
        ? undefined
        : parseChoice('--bands', options.bands, listVolatilityModelTypes());
    const promote = parseChoice('--promote', options.promote, ['never', 'if-better', 'always'] as const);
    const metric = parseChoice('--metric', options.metric, registryMetrics);
    const evaluationFraction = Number(options.evaluation);
    if (!(evaluationFraction >= 0.05 && evaluationFraction <= 0.9)) {
      throw new UsageError(
        `--evaluation "${options.evaluation}" must be a fraction from 0.05 to 0.9, e.g. 0.25`,
      );
    }
    const retrainEverySteps = parsePositiveIntegerFlag('--retrain-every', options.retrainEvery);
    const crossAssets = parseCrossAssetsFlag(options.crossAssets);
    const payload = {
      series: formatSeriesKey(series),
      horizonMinutes,
      modelType,
      params,
      ...(bands === undefined ? {} : { volatility: { modelType: bands } }),
      fromMs,
      toMs,
      evaluationFraction,
      walkForward: retrainEverySteps === undefined ? {} : { retrainEverySteps },
      crossAssets,
      promote,
      promoteMetric: metric,
    };
    await withForecasting(config, async ({ store, runtime }) => {
      await requireSeries(store, series);
      const job = await runJobFromCommand(
        runtime,
        'train',
        payload,
        options,
        `train ${modelType} ${formatSeriesKey(series)} ${formatHorizon(horizonMinutes)}`,
      );
      if (job === null) return;
      const result = requireSucceeded(job).result as TrainJobResult;
      if (options.json) {
        printJson({ jobId: job.id, ...result });
        return;
      }
      process.stdout.write(
        `version ${result.modelVersionId}: ${result.modelType} for ${result.series} at ${formatHorizon(result.horizonMinutes)}, ` +
          `trained on ${result.trainingCandles} candles from ${isoTime(result.trainingStartMs)} to ${isoTime(result.trainingEndMs)}\n` +
          `walk-forward over the last ${result.metrics.count ?? '?'} origins of the range:\n\n`,
      );
      printTable(
        ['model', 'MAE', 'RMSE', 'MASE', 'dir.acc', 'cov80', 'cov95', 'DM p'],
        [
          ['naive', result.naiveMetrics, null],
          [result.modelType, result.metrics, result.metrics.dmPValue],
        ].map(([name, metrics, pValue]) => {
          const values = metrics as Record<string, number | null>;
          return [
            name as string,
            formatNumber(values.mae),
            formatNumber(values.rmse),
            formatNumber(values.mase),
            formatPercent(values.directionalAccuracy),
            formatPercent(values.coverage80),
            formatPercent(values.coverage95),
            formatNumber(pValue as number | null, 3),
          ];
        }),
      );
      process.stdout.write(
        `\n${result.promoted ? 'promoted to production' : 'stage: candidate'} (${result.promotionReason})\n`,
      );
    });
  });
}
