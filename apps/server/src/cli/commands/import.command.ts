import { stat } from 'node:fs/promises';
import { KLINE_FILE_FORMATS, readKlineFile, type KlineFormatOption } from '@runecast/market-files';
import type { Command } from 'commander';
import {
  type Candle,
  isOnGrid,
  isValidExchangeId,
  isValidSymbol,
  parseTimeframe,
  type Timeframe,
  timeframeMs,
} from '@runecast/market';
import { parseChoice } from '../arguments.ts';
import { configFor } from '../command-config.ts';
import { withStore } from '../open-store.ts';
import { printJson } from '../output.ts';
import { UsageError } from '../usage-error.ts';

interface ImportOptions {
  file: string;
  exchange: string;
  symbol: string;
  timeframe: string;
  format: string;
  skipBad?: boolean;
  json?: boolean;
}

const ERRORS_SHOWN = 20;

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('Load a kline file (Binance CSV or freqtrade JSON, gzip or not) into the store')
    .requiredOption('--file <path>', 'kline file to read')
    .requiredOption('--exchange <id>', 'exchange the candles came from, e.g. binance')
    .requiredOption('--symbol <BASE/QUOTE>', 'market symbol, e.g. BTC/USDT')
    .requiredOption('--timeframe <tf>', 'timeframe of the candles in the file, e.g. 1h')
    .option('--format <format>', `auto, ${KLINE_FILE_FORMATS.join(' or ')}`, 'auto')
    .option('--skip-bad', 'store the good rows and report the bad ones instead of storing nothing')
    .option('--json', 'print the result as JSON')
    .action(async (options: ImportOptions, command: Command) => {
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
      const format = parseChoice<KlineFormatOption>('--format', options.format, [
        'auto',
        ...KLINE_FILE_FORMATS,
      ]);
      const fileStat = await stat(options.file).catch(() => null);
      if (!fileStat?.isFile())
        throw new UsageError(`--file "${options.file}" does not exist or is not a file`);

      const parsed = await readKlineFile(options.file, { format });
      const errors = [...parsed.errors];
      const candles: Candle[] = [];
      parsed.rows.forEach((row, index) => {
        const line = parsed.rowLines[index] ?? index + 1;
        if (!isOnGrid(row.openTimeMs, timeframe)) {
          errors.push({
            line,
            message: `open time ${new Date(row.openTimeMs).toISOString()} is not on the ${timeframe} grid`,
          });
          return;
        }
        candles.push({ exchange: options.exchange, symbol, timeframe, ...row, closed: true });
      });
      errors.sort((left, right) => left.line - right.line);

      if (errors.length > 0) {
        const shown = errors.slice(0, ERRORS_SHOWN).map((error) => `  line ${error.line}: ${error.message}`);
        const more = errors.length > ERRORS_SHOWN ? `\n  … and ${errors.length - ERRORS_SHOWN} more` : '';
        process.stderr.write(`${options.file}: ${errors.length} bad row(s)\n${shown.join('\n')}${more}\n`);
        if (!options.skipBad) {
          throw new UsageError(
            `nothing was imported; fix the file or pass --skip-bad to store the ${candles.length} good rows`,
          );
        }
      }
      if (candles.length === 0)
        throw new UsageError(`${options.file} holds no valid candles; nothing was imported`);

      const series = { exchange: options.exchange, symbol, timeframe };
      const written = await withStore(config, async (store) => {
        // An imported file is the exchange's complete record for its span: slots without a
        // candle in it are recorded as empty (no trades), not missing.
        const openTimes = candles.map((candle) => candle.openTimeMs);
        let startMs = Number.POSITIVE_INFINITY;
        let lastOpenMs = Number.NEGATIVE_INFINITY;
        for (const openTimeMs of openTimes) {
          if (openTimeMs < startMs) startMs = openTimeMs;
          if (openTimeMs > lastOpenMs) lastOpenMs = openTimeMs;
        }
        const endMs = lastOpenMs + timeframeMs(timeframe);
        const count = await store.candles.upsertCandles(candles);
        await store.coverage.markFetched(series, { startMs, endMs }, openTimes);
        return count;
      });
      const result = {
        series: `${options.exchange}:${symbol}:${timeframe}`,
        file: options.file,
        format: parsed.format,
        rowsRead: parsed.rows.length + parsed.errors.length,
        rowsImported: candles.length,
        rowsWritten: written,
        badRows: errors.length,
        duplicateOrOutOfOrderRows: parsed.sequenceIssues.length,
      };
      if (options.json) printJson(result);
      else
        process.stdout.write(
          `imported ${result.rowsImported} candles into ${result.series} (${written} new or changed rows, ${errors.length} bad rows skipped)\n`,
        );
    });
}
