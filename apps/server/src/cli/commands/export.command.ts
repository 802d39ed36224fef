import type { Command } from 'commander';
import { type Candle, formatSeriesKey, parseSeriesKey, type SeriesKey } from '@runecast/market';
import { parseChoice, parseTimeFlag } from '../arguments.ts';
import { configFor } from '../command-config.ts';
import { withStore } from '../open-store.ts';
import { UsageError } from '../usage-error.ts';

interface ExportOptions {
  series: string;
  from: string;
  to: string;
  format: string;
}

type CandleRow = Pick<
  Candle,
  'openTimeMs' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'quoteVolume' | 'tradeCount'
>;

const CSV_HEADER = 'open_time_ms,open,high,low,close,volume,quote_volume,trade_count';

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'Print the candles of a series as CSV or JSON (larger timeframes derived from stored 1m candles)',
    )
    .requiredOption('--series <key>', 'series like binance:BTC/USDT:1h')
    .requiredOption('--from <time>', 'first open time (ISO-8601, UTC)')
    .requiredOption('--to <time>', 'end of the range, exclusive (ISO-8601, UTC)')
    .option(
      '--format <format>',
      'csv or json ([[openTimeMs,open,high,low,close,volume],…], which import reads)',
      'csv',
    )
    .action(async (options: ExportOptions, command: Command) => {
      const config = configFor(command);
      let series: SeriesKey;
      try {
        series = parseSeriesKey(options.series);
      } catch (error) {
        throw new UsageError(`--series: ${(error as Error).message}`);
      }
      const startMs = parseTimeFlag('--from', options.from);
      const endMs = parseTimeFlag('--to', options.to);
      if (endMs <= startMs) throw new UsageError('--to must be after --from');
      const format = parseChoice('--format', options.format, ['csv', 'json'] as const);

      const rows: CandleRow[] = await withStore(config, async (store) => {
        const range = { startMs, endMs };
        const stored = await store.candles.listCandles(series, range);
        if (stored.length > 0 || series.timeframe === '1m') return stored;
        return store.candles.deriveCandles(series, range);
      });
      if (rows.length === 0) {
        process.stderr.write(
          `no candles stored for ${formatSeriesKey(series)} in that range (see runecast coverage)\n`,
        );
      }
      if (format === 'json') {
        process.stdout.write('[');
        rows.forEach((row, index) => {
          process.stdout.write(
            `${index === 0 ? '' : ','}\n[${row.openTimeMs},${row.open},${row.high},${row.low},${row.close},${row.volume}]`,
          );
        });
        process.stdout.write('\n]\n');
        return;
      }
      const lines = [CSV_HEADER];
      for (const row of rows) {
        lines.push(
          `${row.openTimeMs},${row.open},${row.high},${row.low},${row.close},${row.volume},${row.quoteVolume ?? ''},${row.tradeCount ?? ''}`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
