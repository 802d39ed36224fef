import type { Command } from 'commander';
import { modelStages, registryMetrics } from '@runecast/contracts';
import { type ModelStage, type ModelVersion } from '../../store/model.port.ts';
import { metricLoss, type RankingMetric } from '../../forecasting/model-ranking.ts';
import { parseChoice } from '../arguments.ts';
import { configFor } from '../command-config.ts';
import { isoTime, printJson, printTable } from '../output.ts';
import {
  formatHorizon,
  formatNumber,
  formatPercent,
  parseHorizonFlag,
  parsePositiveIntegerFlag,
  parseSeriesFlag,
  withForecasting,
} from './forecast-command-support.ts';
import { UsageError } from '../usage-error.ts';

interface ModelsOptions {
  series?: string;
  horizon?: string;
  stage?: string;
  metric: string;
  limit: string;
  json?: boolean;
}

export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .description('List the model registry: versions with their walk-forward metrics, stage and live accuracy')
    .option('--series <key>', 'only this series, e.g. binance:BTC/USDT:1h')
    .option('--horizon <h>', 'only this horizon (with --series)')
    .option('--stage <stage>', `only this stage (${modelStages.join(', ')})`)
    .option('--metric <name>', `order by this metric, best first (${registryMetrics.join(', ')})`, 'mase')
    .option('--limit <n>', 'at most this many versions', '100')
    .option('--json', 'print as JSON')
    .action(async (options: ModelsOptions, command: Command) => {
      const config = configFor(command);
      const series = options.series === undefined ? undefined : parseSeriesFlag(options.series);
      if (options.horizon !== undefined && series === undefined)
        throw new UsageError('--horizon needs --series');
      const horizonMinutes =
        options.horizon === undefined || !series ? undefined : parseHorizonFlag(options.horizon, series);
      const stage =
        options.stage === undefined ? undefined : parseChoice('--stage', options.stage, modelStages);
      const metric = parseChoice('--metric', options.metric, registryMetrics) as RankingMetric;
      const limit = parsePositiveIntegerFlag('--limit', options.limit)!;
      const rows = await withForecasting(config, async ({ runtime }) => {
        const versions = await runtime.registry.list({
          ...(series ? { series } : {}),
          ...(horizonMinutes === undefined ? {} : { horizonMinutes }),
          ...(stage === undefined ? {} : { stage: stage as ModelStage }),
          limit,
        });
        const accuracy = new Map(
          (await runtime.forecasting.forecasts.accuracy()).map((entry) => [entry.modelVersionId, entry]),
        );
        return sortForDisplay(versions, metric).map((version) => ({
          version,
          live: accuracy.get(version.id) ?? null,
        }));
      });
      if (options.json) {
        printJson(
          rows.map(({ version, live }) => ({ ...version, seriesKey: undefined, liveAccuracy: live })),
        );
        return;
      }
      if (rows.length === 0) {
        process.stdout.write('no model versions yet; train one with runecast train\n');
        return;
      }
      printTable(
        [
          'id',
          'model',
          'series',
          'horizon',
          'stage',
          'MASE',
          'RMSE',
          'DM p',
          'cov80',
          'naive MASE',
          'trained until',
          'live n',
          'live MAE/naive',
        ],
        rows.map(({ version, live }) => [
          version.id,
          version.modelType,
          version.series,
          formatHorizon(version.horizonMinutes),
          version.stage,
          formatNumber(version.metrics.mase),
          formatNumber(version.metrics.rmse),
          formatNumber(version.metrics.dmPValue, 3),
          formatPercent(version.metrics.coverage80),
          formatNumber((version.evaluation.naive as Record<string, number | null> | undefined)?.mase),
          isoTime(version.trainingEndMs),
          live?.scored ?? 0,
          formatNumber(live?.relativeMae ?? null),
        ]),
      );
    });
}

/** Grouped by series and horizon, production first, then best by the metric. */
function sortForDisplay(versions: ModelVersion[], metric: RankingMetric): ModelVersion[] {
  const loss = (version: ModelVersion): number =>
    metricLoss(metric, version.metrics) ?? Number.POSITIVE_INFINITY;
  const stageOrder = { production: 0, candidate: 1, archived: 2 } as const;
  return [...versions].sort(
    (left, right) =>
      left.series.localeCompare(right.series) ||
      left.horizonMinutes - right.horizonMinutes ||
      stageOrder[left.stage] - stageOrder[right.stage] ||
      loss(left) - loss(right) ||
      right.id - left.id,
  );
}
