import type { Command } from 'commander';
import { registryMetrics } from '@runecast/contracts';
import { RunecastError, ValidationError } from '@runecast/market';
import type { StageChange } from '../../store/model.port.ts';
import type { RankingMetric } from '../../forecasting/model-ranking.ts';
import { parseChoice } from '../arguments.ts';
import { configFor } from '../command-config.ts';
import { printJson } from '../output.ts';
import { UsageError } from '../usage-error.ts';
import {
  formatHorizon,
  formatNumber,
  parseHorizonFlag,
  parsePositiveIntegerFlag,
  parseSeriesFlag,
  withForecasting,
} from './forecast-command-support.ts';

interface PromoteOptions {
  modelVersion?: string;
  series?: string;
  horizon?: string;
  best?: boolean;
  rollback?: boolean;
  metric: string;
  json?: boolean;
}

export function registerPromoteCommand(program: Command): void {
  program
    .command('promote')
    .description(
      'Make a model version the production model of its series and horizon (the previous one is archived), or roll back',
    )
    .option('--model-version <id>', 'the version to promote (see runecast models)')
    .option('--series <key>', 'with --best or --rollback: the series, e.g. binance:BTC/USDT:1h')
    .option('--horizon <h>', 'with --best or --rollback: the horizon, e.g. 24h')
    .option('--best', 'promote the best version of the series and horizon by --metric')
    .option('--rollback', 'put back the version that was production before the current one')
    .option('--metric <name>', `metric for --best (${registryMetrics.join(', ')})`, 'mase')
    .option('--json', 'print the change as JSON')
    .action(async (options: PromoteOptions, command: Command) => {
      const config = configFor(command);
      const modes = [
        options.modelVersion !== undefined,
        options.best === true,
        options.rollback === true,
      ].filter(Boolean);
      if (modes.length !== 1) {
        throw new UsageError(
          'say what to promote: --model-version ID, or --series S --horizon H with --best or --rollback',
        );
      }
      const versionId = parsePositiveIntegerFlag('--model-version', options.modelVersion);
      const metric = parseChoice('--metric', options.metric, registryMetrics) as RankingMetric;
      let target: { series: ReturnType<typeof parseSeriesFlag>; horizonMinutes: number } | null = null;
      if (versionId === undefined) {
        if (options.series === undefined || options.horizon === undefined) {
          throw new UsageError(`--${options.best ? 'best' : 'rollback'} needs --series and --horizon`);
        }
        const series = parseSeriesFlag(options.series);
        target = { series, horizonMinutes: parseHorizonFlag(options.horizon, series) };
      }
      const change: StageChange = await withForecasting(config, async ({ runtime }) => {
        try {
          if (versionId !== undefined) {
            await runtime.registry.require(versionId);
            return await runtime.registry.promote(versionId, 'promoted by hand');
          }
          if (options.best)
            return await runtime.registry.promoteBest(target!.series, target!.horizonMinutes, metric);
          return await runtime.registry.rollback(
            target!.series,
            target!.horizonMinutes,
            'rolled back by hand',
          );
        } catch (error) {
          // Nothing to promote or roll back is a matter of input, not a failure of Runecast.
          if (error instanceof RunecastError && (error.code === 'not_found' || error.code === 'conflict')) {
            throw new ValidationError(error.message);
          }
          throw error;
        }
      });
      if (options.json) {
        printJson({
          production: { ...change.production, seriesKey: undefined },
          replaced: change.replaced ? { ...change.replaced, seriesKey: undefined } : null,
        });
        return;
      }
      const production = change.production;
      process.stdout.write(
        `${production.series} at ${formatHorizon(production.horizonMinutes)}: version ${production.id} (${production.modelType}, ` +
          `MASE ${formatNumber(production.metrics.mase)}) is production` +
          (change.replaced
            ? `; version ${change.replaced.id} (${change.replaced.modelType}) archived\n`
            : '\n'),
      );
    });
}
