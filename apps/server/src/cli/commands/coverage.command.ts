import type { Command } from 'commander';
import { formatSeriesKey, parseSeriesKey, type SeriesKey } from '@runecast/market';
import { configFor } from '../command-config.ts';
import { withStore } from '../open-store.ts';
import { isoTime, printJson, printTable } from '../output.ts';
import { UsageError } from '../usage-error.ts';

interface CoverageOptions {
  series?: string;
  json?: boolean;
}

export function registerCoverageCommand(program: Command): void {
  program
    .command('coverage')
    .description('Show each series and its complete, empty (no trades) and missing time ranges')
    .option('--series <key>', 'only this series, e.g. binance:BTC/USDT:1m')
    .option('--json', 'print as JSON')
    .action(async (options: CoverageOptions, command: Command) => {
      const config = configFor(command);
      let only: SeriesKey | null = null;
      if (options.series) {
        try {
          only = parseSeriesKey(options.series);
        } catch (error) {
          throw new UsageError(`--series: ${(error as Error).message}`);
        }
      }
      const report = await withStore(config, async (store) => {
        const allSeries = only ? [only] : await store.coverage.listSeries();
        return Promise.all(
          allSeries.map(async (series) => {
            const ranges = await store.coverage.listCoverage(series);
            const candleCount = await store.candles.countCandles(series);
            return { series: formatSeriesKey(series), candles: candleCount, ranges };
          }),
        );
      });
      if (options.json) {
        printJson(
          report.map((item) => ({
            ...item,
            ranges: item.ranges.map((range) => ({
              ...range,
              start: isoTime(range.startMs),
              end: isoTime(range.endMs),
            })),
          })),
        );
        return;
      }
      if (report.length === 0) {
        process.stdout.write('no series recorded yet (run runecast backfill, import or up)\n');
        return;
      }
      for (const item of report) {
        const missing = item.ranges.filter((range) => range.state === 'missing').length;
        process.stdout.write(`\n${item.series}: ${item.candles} candles, ${missing} missing range(s)\n`);
        printTable(
          ['state', 'from', 'to', 'minutes'],
          item.ranges.map((range) => [
            range.state,
            isoTime(range.startMs),
            isoTime(range.endMs),
            Math.round((range.endMs - range.startMs) / 60_000),
          ]),
        );
      }
    });
}
