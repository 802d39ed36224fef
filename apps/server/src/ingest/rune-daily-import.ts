import { access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DOG_DAILY_FILES,
  DOG_DAILY_SOURCE,
  DOG_DAILY_SYMBOL,
  readRuneDailyFiles,
  type RuneDailyImport,
} from '@runecast/market-files';
import { type Clock, defaultHorizonsMinutes, type Timeframe, ValidationError } from '@runecast/market';
import type { Store } from '../store/store.ts';

const DAY_MS = 86_400_000;

/**
 * Imported daily series are forecast at the daily defaults (1 and 7 days ahead), and their first
 * model trains on up to this much history rather than the days an exchange market backfills.
 */
export const IMPORTED_DAILY_SERIES = {
  timeframe: '1d' as Timeframe,
  horizonsMinutes: defaultHorizonsMinutes('1d'),
  trainingLookbackMs: 1_000 * DAY_MS,
};

/** Sources whose series come from imported files, never from a live collector. */
export const IMPORTED_SOURCES: ReadonlySet<string> = new Set([DOG_DAILY_SOURCE]);

export interface RuneDailyImportResult {
  series: string;
  days: number;
  firstDay: string;
  lastDay: string;
  candlesWritten: number;
  metricPoints: number;
  metricPointsWritten: number;
  problems: RuneDailyImport['problems'];
}

/**
 * Stores the daily DOG•GO•TO•THE•MOON files of a folder: close-only daily USD candles as
 * `dogdata:DOG•GO•TO•THE•MOON/USD:1d` (each run of consecutive days marked complete, a day between
 * runs left missing) and the on-chain metrics as metric points of the same instrument. Running
 * it again writes nothing new.
 */
export async function importRuneDaily(store: Store, folder: string): Promise<RuneDailyImportResult> {
  return storeRuneDaily(store, await readRuneDailyFiles(folder));
}

/** `importRuneDaily` of files read already. */
export async function storeRuneDaily(store: Store, read: RuneDailyImport): Promise<RuneDailyImportResult> {
  const { candles, points, problems } = read;
  const first = candles[0];
  const last = candles.at(-1);
  if (first === undefined || last === undefined) {
    throw new ValidationError('the daily rune files hold no daily prices; nothing was imported');
  }
  const candlesWritten = await store.candles.upsertCandles(candles);
  const series = { exchange: first.exchange, symbol: first.symbol, timeframe: '1d' as const };
  const runs: {
    series: typeof series;
    range: { startMs: number; endMs: number };
    candleOpenTimesMs: number[];
  }[] = [];
  let runStart = 0;
  for (let index = 1; index <= candles.length; index += 1) {
    const previous = candles[index - 1]!;
    if (index < candles.length && candles[index]!.openTimeMs === previous.openTimeMs + DAY_MS) continue;
    const openTimes = candles.slice(runStart, index).map((candle) => candle.openTimeMs);
    runs.push({
      series,
      range: { startMs: openTimes[0]!, endMs: previous.openTimeMs + DAY_MS },
      candleOpenTimesMs: openTimes,
    });
    runStart = index;
  }
  await store.coverage.markFetchedMany(runs);
  const metricPointsWritten = await store.metricPoints.upsertPoints(points);
  return {
    series: `${series.exchange}:${series.symbol}:1d`,
    days: candles.length,
    firstDay: new Date(first.openTimeMs).toISOString().slice(0, 10),
    lastDay: new Date(last.openTimeMs).toISOString().slice(0, 10),
    candlesWritten,
    metricPoints: points.length,
    metricPointsWritten,
    problems,
  };
}

/**
 * Offline, with a replay folder that holds the daily rune files under `runes/`: imports them and
 * tracks the series, so a fresh installation forecasts a rune on real data at once (a rune's own
 * poll series needs days of polls before a model can train on it). Returns the import, or null
 * when the folder has no such files.
 */
export async function importReplayRuneHistory(
  store: Store,
  replayDir: string,
  clock: Clock,
): Promise<RuneDailyImportResult | null> {
  const folder = join(replayDir, 'runes');
  const present = await access(join(folder, DOG_DAILY_FILES.priceUsd)).then(
    () => true,
    () => false,
  );
  if (!present) return null;
  const result = await importRuneDaily(store, folder);
  const [base = DOG_DAILY_SYMBOL, quote = 'USD'] = DOG_DAILY_SYMBOL.split('/');
  if ((await store.markets.getMarket(DOG_DAILY_SOURCE, DOG_DAILY_SYMBOL)) === null) {
    await store.markets.upsertMarkets([
      {
        exchange: DOG_DAILY_SOURCE,
        symbol: DOG_DAILY_SYMBOL,
        base,
        quote,
        type: 'other',
        active: true,
        pricePrecision: null,
        amountPrecision: null,
        addedAtMs: clock.now(),
      },
    ]);
  }
  return result;
}
