import type { Command } from 'commander';
import { createBus } from '../../bus/create-bus.ts';
import {
  formatSeriesKey,
  isValidExchangeId,
  isValidSymbol,
  parseTimeframe,
  type Timeframe,
} from '@runecast/market';
import { BackfillService } from '../../ingest/backfill.service.ts';
import { SourceRegistry } from '../../sources/source-registry.ts';
import { parseTimeFlag } from '../arguments.ts';
import { configFor } from '../command-config.ts';
import { withStore } from '../open-store.ts';
import { isoTime, printJson } from '../output.ts';
import { createProgressBar } from '../progress-bar.ts';
import { UsageError } from '../usage-error.ts';

interface BackfillOptions {
  exchange: string;
  symbol: string;
  timeframe: string;
  since: string;
  until?: string;
  json?: boolean;
  progress: boolean;
}

export function registerBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description('Fetch candle history from the exchange into the store, resuming from the coverage ledger')
    .requiredOption('--exchange <id>', 'ccxt exchange id, e.g. binance, kraken, coinbase')
    .requiredOption('--symbol <BASE/QUOTE>', 'market symbol, e.g. BTC/USDT')
    .option('--timeframe <tf>', 'candle timeframe', '1m')
    .requiredOption('--since <time>', 'first candle wanted (ISO-8601, UTC)')
    .option('--until <time>', 'end of the range, exclusive (default: up to the exchange’s current candle)')
    .option('--no-progress', 'do not draw a progress bar')
    .option('--json', 'print the result as JSON')
    .action(async (options: BackfillOptions, command: Command) => {
      const config = configFor(command);
      if (!isValidExchangeId(options.exchange))
        throw new UsageError(`--exchange "${options.exchange}" is not an exchange id like binance`);
      const symbol = options.symbol.toUpperCase();
      if (!isValidSymbol(symbol))
        throw new UsageError(`--symbol "${options.symbol}" must look like BASE/QUOTE, e.g. BTC/USDT`);
      let timeframe: Timeframe;
      try {
        timeframe = parseTimeframe(options.timeframe);
      } catch (error) {
        throw new UsageError(`--timeframe: ${(error as Error).message}`);
      }
      const sinceMs = parseTimeFlag('--since', options.since);
      const untilMs = options.until === undefined ? undefined : parseTimeFlag('--until', options.until);
      if (untilMs !== undefined && untilMs <= sinceMs) throw new UsageError('--until must be after --since');

      const sources = new SourceRegistry({
        defaults: config.emulatorUrl ? { emulatorUrl: config.emulatorUrl } : {},
      });
      let source;
      try {
        source = sources.get(options.exchange);
      } catch (error) {
        throw new UsageError(`--exchange: ${(error as Error).message}`);
      }
      const bus = await createBus(config.busUrl ?? undefined);
      const series = { exchange: options.exchange, symbol, timeframe };
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const bar = createProgressBar(`backfill ${formatSeriesKey(series)}`, options.progress && !options.json);
      try {
        const result = await withStore(config, async (store) => {
          const service = new BackfillService({ source, store, bus });
          return service.backfill({
            series,
            sinceMs,
            ...(untilMs === undefined ? {} : { untilMs }),
            signal: abort.signal,
            onProgress: (progress) =>
              bar.update(
                progress.percent,
                `${progress.candlesWritten} candles, up to ${isoTime(progress.doneMs)}`,
              ),
          });
        });
        bar.stop();
        const summary = {
          series: formatSeriesKey(series),
          from: isoTime(result.fromMs),
          to: isoTime(result.doneMs),
          state: result.state,
          candlesWritten: result.candlesWritten,
          pages: result.pages,
          retries: result.retries,
          rateLimited: result.rateLimited,
          rejectedRows: result.rejectedRows,
          faults: result.faults,
          missingRanges: result.missingRanges.map((range) => ({
            from: isoTime(range.startMs),
            to: isoTime(range.endMs),
          })),
          caughtUp: result.caughtUp,
          simulated: source.simulated,
        };
        if (options.json) printJson(summary);
        else {
          process.stdout.write(
            `${summary.series}: ${summary.state}, ${summary.candlesWritten} candles written from ${summary.from} to ${summary.to}` +
              ` (${summary.pages} pages, ${summary.retries} retries, ${summary.missingRanges.length} missing ranges)\n`,
          );
        }
        if (result.state === 'failed') process.exitCode = 1;
      } finally {
        bar.stop();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await bus.close();
        await sources.close();
      }
    });
}
