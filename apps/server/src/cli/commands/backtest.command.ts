import type { Command } from 'commander';
import type { BacktestJobResult } from '../../forecasting/handlers/backtest.handler.ts';
import { formatSeriesKey } from '@runecast/market';
import { NAIVE_POINT_MODEL_TYPES } from '../../models/naive.forecaster.ts';
import { DEFAULT_ACI_GAMMA } from '../../models/evaluation/adaptive-conformal.ts';
import { walkForwardLabel } from '../../models/evaluation/walk-forward.ts';
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
  parseModelFlag,
  parseAdaptiveBandsFlag,
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

interface BacktestOptions extends JobCommandOptions {
  series: string;
  horizon: string;
  from: string;
  to: string;
  models: string;
  step?: string;
  retrainEvery?: string;
  trainWindow?: string;
  crossAssets?: string;
  adaptiveBands?: string | boolean;
}

/** The metrics `--json` reports per model, in this order. */
export const BACKTEST_JSON_METRICS = [
  'mae',
  'rmse',
  'mape',
  'mase',
  'r2',
  'directionalAccuracy',
  'coverage80',
  'coverage95',
  'pinball',
  'dmStatistic',
  'dmPValue',
  'intervalScore80',
  'intervalScore95',
  'crps',
  'intervalSkill80',
  'intervalSkill95',
  'dmIntervalPValue80',
] as const;

interface BacktestModelFlag {
  modelType: string;
  volatility?: { modelType: string };
}

/**
 * `--models naive-volatility,ridge+har,arima`: model types, each optionally with `+<volatility
 * model>` (ewma, har, garch) to scale its bands by that model's forecast.
 */
export function parseBacktestModelsFlag(value: string): BacktestModelFlag[] {
  const items = value
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError('--models: name at least one model, e.g. naive,arima,ridge');
  const models = items.map((item): BacktestModelFlag => {
    const [model, volatility, ...rest] = item.split('+');
    if (rest.length > 0) throw new UsageError(`--models: "${item}" has more than one volatility model`);
    const modelType = parseModelFlag(model!, '--models');
    if (volatility === undefined) return { modelType };
    const known = listVolatilityModelTypes();
    if (!known.includes(volatility)) {
      throw new UsageError(
        `--models: unknown volatility model "${volatility}" in "${item}"; known: ${known.join(', ')}`,
      );
    }
    return { modelType, volatility: { modelType: volatility } };
  });
  const labels = items.map((_, index) => walkForwardLabel(models[index]!));
  const repeated = labels.find((label, index) => labels.indexOf(label) !== index);
  if (repeated) throw new UsageError(`--models: ${repeated} is listed twice`);
  return models;
}

export function registerBacktestCommand(program: Command): void {
  addJobOptions(
    program
      .command('backtest')
      .description(
        'Walk-forward backtest of models on a series: each model forecasts every origin in the range from data before it, naive always included',
      )
      .requiredOption(
        '--series <key>',
        'series like binance:BTC/USDT:1h (larger timeframes derived from stored 1m)',
      )
      .requiredOption('--horizon <h>', 'forecast horizon: minutes (240) or a duration (240m, 4h, 1d)')
      .requiredOption('--from <time>', 'first forecast origin (ISO-8601, UTC)')
      .requiredOption('--to <time>', 'end of the test period, exclusive; every target lies before it')
      .option(
        '--models <list>',
        'comma-separated models (naive is always added); model+ewma, model+har or model+garch scales its bands by that volatility model',
        'naive,naive-volatility,arima,ridge',
      )
      .option('--step <candles>', 'candles between forecast origins (default 1)')
      .option('--retrain-every <candles>', 'candles between refits (default 168)')
      .option('--train-window <candles>', "training origins per fit (default: each model's own)")
      .option(
        '--adaptive-bands [gamma]',
        'issue every model’s bands but naive’s with adaptive conformal inference at step gamma (default 0.005)',
      )
      .option(
        '--cross-assets <series>',
        'comma-separated series whose returns become features, or metric series (SERIES:metric) whose log growth does',
      ),
  ).action(async (options: BacktestOptions, command: Command) => {
    const config = configFor(command);
    const series = parseSeriesFlag(options.series);
    const horizonMinutes = parseHorizonFlag(options.horizon, series);
    const { fromMs, toMs } = parseRangeFlags(options.from, options.to);
    const models = parseBacktestModelsFlag(options.models);
    const stepSteps = parsePositiveIntegerFlag('--step', options.step);
    const retrainEverySteps = parsePositiveIntegerFlag('--retrain-every', options.retrainEvery);
    const trainWindowSteps = parsePositiveIntegerFlag('--train-window', options.trainWindow);
    const crossAssets = parseCrossAssetsFlag(options.crossAssets);
    const adaptiveConformalGamma = parseAdaptiveBandsFlag(options.adaptiveBands, DEFAULT_ACI_GAMMA);
    const payload = {
      series: formatSeriesKey(series),
      horizonMinutes,
      fromMs,
      toMs,
      models,
      walkForward: {
        ...(stepSteps === undefined ? {} : { stepSteps }),
        ...(retrainEverySteps === undefined ? {} : { retrainEverySteps }),
        ...(trainWindowSteps === undefined ? {} : { trainWindowSteps }),
        ...(adaptiveConformalGamma === undefined ? {} : { adaptiveConformalGamma }),
      },
      crossAssets,
    };
    await withForecasting(config, async ({ store, runtime }) => {
      await requireSeries(store, series);
      const job = await runJobFromCommand(
        runtime,
        'backtest',
        payload,
        options,
        `backtest ${formatSeriesKey(series)} ${formatHorizon(horizonMinutes)}`,
      );
      if (job === null) return;
      const result = requireSucceeded(job).result as BacktestJobResult;
      if (options.json) {
        printJson({
          series: result.series,
          horizon: formatHorizon(result.horizonMinutes),
          from: isoTime(result.fromMs),
          to: isoTime(result.toMs),
          origins: result.origins,
          results: result.results.map((entry) => ({
            model: entry.model,
            metrics: Object.fromEntries(
              BACKTEST_JSON_METRICS.map((name) => [name, entry.metrics[name] ?? null]),
            ),
          })),
        });
        return;
      }
      process.stdout.write(
        `${result.series}, horizon ${formatHorizon(result.horizonMinutes)}: ${result.origins} forecast origins from ` +
          `${isoTime(result.firstOriginMs)} to ${isoTime(result.lastOriginMs)} (job ${job.id})\n\n`,
      );
      printTable(
        [
          'model',
          'MAE',
          'RMSE',
          'MAPE%',
          'MASE',
          'R²',
          'dir.acc',
          'cov80',
          'cov95',
          'pinball',
          'DM stat',
          'DM p',
          'IS80',
          'IS95',
          'CRPS',
          'skill80',
          'skill95',
          'IS80 DM p',
        ],
        result.results.map((entry) => [
          entry.model,
          formatNumber(entry.metrics.mae),
          formatNumber(entry.metrics.rmse),
          formatNumber(entry.metrics.mape, 3),
          formatNumber(entry.metrics.mase),
          formatNumber(entry.metrics.r2, 3),
          formatPercent(entry.metrics.directionalAccuracy),
          formatPercent(entry.metrics.coverage80),
          formatPercent(entry.metrics.coverage95),
          formatNumber(entry.metrics.pinball),
          formatNumber(entry.metrics.dmStatistic, 3),
          formatNumber(entry.metrics.dmPValue, 3),
          formatNumber(entry.metrics.intervalScore80),
          formatNumber(entry.metrics.intervalScore95),
          formatNumber(entry.metrics.crps),
          formatPercent(entry.metrics.intervalSkill80),
          formatPercent(entry.metrics.intervalSkill95),
          formatNumber(entry.metrics.dmIntervalPValue80, 3),
        ]),
      );
      const beats = result.results.filter(
        (entry) =>
          entry.model !== 'naive' &&
          !NAIVE_POINT_MODEL_TYPES.includes(entry.modelType) &&
          (entry.metrics.mase ?? Infinity) < 1 &&
          (entry.metrics.dmStatistic ?? 0) < 0 &&
          (entry.metrics.dmPValue ?? 1) < 0.05,
      );
      const sharper = result.results.filter(
        (entry) =>
          entry.model !== 'naive' &&
          (entry.metrics.intervalSkill80 ?? 0) > 0 &&
          (entry.metrics.dmIntervalPValue80 ?? 1) < 0.05,
      );
      process.stdout.write(
        `\nMASE below 1 beats naive; DM p below 0.05 says the difference is unlikely to be chance. ` +
          (beats.length > 0
            ? `Significantly better than naive: ${beats.map((entry) => entry.model).join(', ')}.\n`
            : 'No model beats naive significantly here.\n') +
          `Interval skill is 1 − interval score / naive's with plain conformal bands; IS80 DM p below 0.05 says the bands differ from naive's by more than chance. ` +
          (sharper.length > 0
            ? `Significantly better bands: ${sharper.map((entry) => entry.model).join(', ')}.\n`
            : 'No model has significantly better bands here.\n'),
      );
    });
  });
}
