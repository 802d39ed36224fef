import { stat } from 'node:fs/promises';
import {
  DOG_DAILY_FILES,
  KLINE_FILE_FORMATS,
  KlineFileError,
  readKlineFile,
  readRuneDailyFiles,
  type KlineFormatOption,
} from '@runecast/market-files';
import type { Command } from 'commander';
import {
  type Candle,
  isOnGrid,
  isValidExchangeId,
  isValidSymbol,
  parseTimeframe,
  type Timeframe,
  timeframeMs,
  type TimeRange,
  ValidationError,
} from '@runecast/market';
import { storeRuneDaily } from '../../ingest/rune-daily-import.ts';
import { parseChoice } from '../arguments.ts';
import type { Config } from '../../config/config.ts';
import { configFor } from '../command-config.ts';
import { withStore } from '../open-store.ts';
import { printJson } from '../output.ts';
import { UsageError } from '../usage-error.ts';

interface ImportOptions {
  file?: string;
  exchange?: string;
  symbol?: string;
  timeframe?: string;
  runes?: string;
  format: string;
  skipBad?: boolean;
  json?: boolean;
}

const ERRORS_SHOWN = 20;

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'Load a kline file (Binance CSV or freqtrade JSON, gzip or not) into the store, or with --runes the daily DOG•GO•TO•THE•MOON files',
    )
    .option('--file <path>', 'kline file to read')
    .option('--exchange <id>', 'exchange the candles came from, e.g. binance')
    .option('--symbol <BASE/QUOTE>', 'market symbol, e.g. BTC/USDT')
    .option('--timeframe <tf>', 'timeframe of the candles in the file, e.g. 1h')
    .option(
      '--runes <folder>',
      `a folder with ${DOG_DAILY_FILES.priceUsd} and ${DOG_DAILY_FILES.onchainMetrics} (e.g. $RUNECAST_REPLAY_DIR/runes)`,
    )
    .option('--format <format>', `auto, ${KLINE_FILE_FORMATS.join(' or ')}`, 'auto')
    .option('--skip-bad', 'store the good rows and report the bad ones instead of storing nothing')
    .option('--json', 'print the result as JSON')
    .action(async (options: ImportOptions, command: Command) => {
      const config = configFor(command);
      if (options.runes !== undefined) {
        await importRuneDailyFiles(config, options.runes, options.json === true);
        return;
      }
      for (const flag of ['file', 'exchange', 'symbol', 'timeframe'] as const) {
        if (options[flag] === undefined) {
          throw new UsageError(`--${flag} is required (or --runes <folder> for the daily runes files)`);
        }
      }
      const file = options.file as string;
      const exchange = options.exchange as string;
      if (!isValidExchangeId(exchange))
        throw new UsageError(`--exchange "${exchange}" is not an exchange id like binance`);
      const symbol = (options.symbol as string).toUpperCase();
      if (!isValidSymbol(symbol))
        throw new UsageError(`--symbol "${options.symbol}" must look like BASE/QUOTE, e.g. BTC/USDT`);
      let timeframe: Timeframe;
      try {
        timeframe = parseTimeframe(options.timeframe as string);
      } catch (error) {
        throw new UsageError(`--timeframe: ${(error as Error).message}`);
      }
      const format = parseChoice<KlineFormatOption>('--format', options.format, [
        'auto',
        ...KLINE_FILE_FORMATS,
      ]);
      const fileStat = await stat(file).catch(() => null);
      if (!fileStat?.isFile()) throw new UsageError(`--file "${file}" does not exist or is not a file`);

      let parsed;
      try {
        parsed = await readKlineFile(file, { format });
      } catch (error) {
        // A file that cannot be read as a whole (empty, truncated gzip, unknown format) is bad
        // input: one line naming the file and what is wrong, no stack trace.
        if (error instanceof KlineFileError) throw new ValidationError(error.message);
        throw error;
      }
      const errors = [...parsed.errors];
      const candles: Candle[] = [];
      const candleLines: number[] = [];
      parsed.rows.forEach((row, index) => {
        const line = parsed.rowLines[index] ?? index + 1;
        if (!isOnGrid(row.openTimeMs, timeframe)) {
          errors.push({
            line,
            message: `open time ${new Date(row.openTimeMs).toISOString()} is not on the ${timeframe} grid`,
          });
          return;
        }
        candles.push({ exchange, symbol, timeframe, ...row, closed: true });
        candleLines.push(line);
      });
      errors.sort((left, right) => left.line - right.line);

      if (errors.length > 0) {
        const shown = errors.slice(0, ERRORS_SHOWN).map((error) => `  line ${error.line}: ${error.message}`);
        const more = errors.length > ERRORS_SHOWN ? `\n  … and ${errors.length - ERRORS_SHOWN} more` : '';
        process.stderr.write(`${file}: ${errors.length} bad row(s)\n${shown.join('\n')}${more}\n`);
        if (!options.skipBad) {
          throw new UsageError(
            `nothing was imported; fix the file or pass --skip-bad to store the ${candles.length} good rows`,
          );
        }
      }
      if (candles.length === 0) throw new UsageError(`${file} holds no valid candles; nothing was imported`);
      refuseWiderSpacing(file, candles, candleLines, errors, timeframe);

      const series = { exchange, symbol, timeframe };
      const written = await withStore(config, async (store) => {
        // An imported file is the exchange's complete record for its span: slots without a
        // candle in it are recorded as empty (no trades), not missing, except around rejected
        // rows, whose slots the file did not prove and a later backfill must fetch.
        const count = await store.candles.upsertCandles(candles);
        for (const range of provenRanges(candles, candleLines, errors, timeframe)) {
          const openTimes = candles
            .filter((candle) => candle.openTimeMs >= range.startMs && candle.openTimeMs < range.endMs)
            .map((candle) => candle.openTimeMs);
          await store.coverage.markFetched(series, range, openTimes);
        }
        return count;
      });
      const result = {
        series: `${exchange}:${symbol}:${timeframe}`,
        file,
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

/**
 * Refuses a file whose candles are never as close together as the timeframe says (a 5m file
 * imported as 1m): its span would be recorded as four empty minutes out of every five.
 */
function refuseWiderSpacing(
  file: string,
  candles: readonly Candle[],
  candleLines: readonly number[],
  rejected: readonly { line: number }[],
  timeframe: Timeframe,
): void {
  const rejectedLines = new Set(rejected.map((error) => error.line));
  // Only neighbours in the file with no rejected row between them say how far apart candles are.
  let closestMs = Number.POSITIVE_INFINITY;
  for (let index = 1; index < candles.length; index += 1) {
    const gapMs = Math.abs(candles[index]!.openTimeMs - candles[index - 1]!.openTimeMs);
    if (gapMs === 0) continue;
    let between = false;
    for (let line = candleLines[index - 1]! + 1; line < candleLines[index]! && !between; line += 1) {
      between = rejectedLines.has(line);
    }
    if (!between) closestMs = Math.min(closestMs, gapMs);
  }
  const stepMs = timeframeMs(timeframe);
  if (Number.isFinite(closestMs) && closestMs > stepMs) {
    const minutes = closestMs / 60_000;
    throw new ValidationError(
      `${file}: its candles are at least ${Number.isInteger(minutes) ? `${minutes} minutes` : `${closestMs} ms`} apart, wider than --timeframe ${timeframe}; nothing was imported (is it a file of another timeframe?)`,
    );
  }
}

/**
 * The ranges an import may record in the ledger: from the first to the end of the last good
 * candle, less the stretch between the good candles on either side of each rejected row (the
 * file had something there, so those slots are missing, not empty).
 */
function provenRanges(
  candles: readonly Candle[],
  candleLines: readonly number[],
  rejected: readonly { line: number }[],
  timeframe: Timeframe,
): TimeRange[] {
  const stepMs = timeframeMs(timeframe);
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  for (const candle of candles) {
    startMs = Math.min(startMs, candle.openTimeMs);
    endMs = Math.max(endMs, candle.openTimeMs + stepMs);
  }
  const holes: TimeRange[] = [];
  for (const { line } of rejected) {
    let before = -1;
    while (before + 1 < candleLines.length && candleLines[before + 1]! < line) before += 1;
    const previous = candles[before];
    const next = candles[before + 1];
    const lowMs = previous === undefined ? startMs - stepMs : previous.openTimeMs;
    const highMs = next === undefined ? endMs : next.openTimeMs;
    const [fromMs, toMs] = lowMs <= highMs ? [lowMs, highMs] : [highMs, lowMs];
    if (toMs > fromMs + stepMs) holes.push({ startMs: fromMs + stepMs, endMs: toMs });
  }
  holes.sort((left, right) => left.startMs - right.startMs);
  const ranges: TimeRange[] = [];
  let cursorMs = startMs;
  for (const hole of holes) {
    if (hole.endMs <= cursorMs) continue;
    if (hole.startMs > cursorMs) ranges.push({ startMs: cursorMs, endMs: Math.min(hole.startMs, endMs) });
    cursorMs = Math.max(cursorMs, hole.endMs);
  }
  if (cursorMs < endMs) ranges.push({ startMs: cursorMs, endMs });
  return ranges.filter((range) => range.endMs > range.startMs);
}

/** Imports the daily DOG•GO•TO•THE•MOON files of a folder (see `importRuneDaily`). */
async function importRuneDailyFiles(config: Config, folder: string, json: boolean): Promise<void> {
  const folderStat = await stat(folder).catch(() => null);
  if (!folderStat?.isDirectory()) throw new UsageError(`--runes "${folder}" is not a folder`);
  let read;
  try {
    read = await readRuneDailyFiles(folder);
  } catch (error) {
    throw new UsageError(`--runes "${folder}": ${(error as Error).message}`);
  }
  if (read.candles.length === 0)
    throw new UsageError(`--runes "${folder}" holds no daily prices; nothing was imported`);
  const result = await withStore(config, (store) => storeRuneDaily(store, read));
  if (json) printJson(result);
  else {
    process.stdout.write(
      `imported ${result.days} daily closes into ${result.series} (${result.firstDay} to ${result.lastDay}) and ${result.metricPoints} on-chain metric points; ${result.problems.length} value(s) left out\n`,
    );
  }
}
