import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scanReplayDirectory } from '@runecast/market-files';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
export const DOG_PRICE_FILE = 'runes/DOG_GO_TO_THE_MOON-price-usd-1d.json';
export const DOG_METRICS_FILE = 'runes/DOG_GO_TO_THE_MOON-onchain-metrics-1d.json';

/** One real daily value: the day (UTC midnight) and its value. */
export interface DailyValue {
  dayMs: number;
  value: number;
}

/** Real BTC/USDT candles (hourly or coarser) used to turn USD prices into sats. */
export interface BtcCandle {
  openTimeMs: number;
  durationMs: number;
  open: number;
  close: number;
}

export interface RuneReplayData {
  /** Daily USD closes of DOG per day, sorted, no gaps. */
  dogPriceUsd: DailyValue[];
  /** Daily total holders of DOG (rows with a positive count only), sorted. */
  dogHolders: DailyValue[];
  /** Real BTC/USDT candles, sorted by open time, without overlaps. */
  btc: BtcCandle[];
  files: string[];
}

function dayOf(date: string): number {
  const dayMs = Date.parse(`${date}T00:00:00Z`);
  if (!Number.isFinite(dayMs)) throw new Error(`not a date: ${date}`);
  return dayMs;
}

/**
 * Reads the real runes data of a replay folder: DOG's daily USD closes, its daily holders, and
 * BTC/USDT candles of one hour or longer (minute files are not read: hours are enough for sats).
 * Returns null without the `runes/` price file. A price or holder count of 0 is a source fault and
 * is dropped (the 2026-06-30 metrics row), never read as a value.
 */
export async function loadRuneReplay(directory: string): Promise<RuneReplayData | null> {
  const priceFile = join(directory, DOG_PRICE_FILE);
  if (!existsSync(priceFile)) return null;
  const files = [DOG_PRICE_FILE];
  const prices = JSON.parse(await readFile(priceFile, 'utf8')) as Record<string, unknown>;
  const dogPriceUsd = Object.entries(prices)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] > 0)
    .map(([date, value]) => ({ dayMs: dayOf(date), value }))
    .sort((left, right) => left.dayMs - right.dayMs);
  if (dogPriceUsd.length < 2) throw new Error(`${priceFile} holds fewer than two daily prices`);

  let dogHolders: DailyValue[] = [];
  const metricsFile = join(directory, DOG_METRICS_FILE);
  if (existsSync(metricsFile)) {
    files.push(DOG_METRICS_FILE);
    const metrics = JSON.parse(await readFile(metricsFile, 'utf8')) as {
      daily?: { date: string; total_holders?: unknown }[];
    };
    dogHolders = (metrics.daily ?? [])
      .filter(
        (row): row is { date: string; total_holders: number } =>
          typeof row.total_holders === 'number' && row.total_holders > 0,
      )
      .map((row) => ({ dayMs: dayOf(row.date), value: row.total_holders }))
      .sort((left, right) => left.dayMs - right.dayMs);
  }

  const btc: BtcCandle[] = [];
  const replay = await scanReplayDirectory(directory).catch(() => null);
  const btcSeries = (replay?.series ?? [])
    .filter((series) => series.symbol === 'BTC/USDT' && series.timeframeMs >= HOUR_MS)
    .sort((left, right) => left.timeframeMs - right.timeframeMs);
  for (const series of btcSeries) {
    const loaded = await series.load();
    files.push(...series.files.map((file) => file.relativePath));
    for (const row of loaded.rows) {
      btc.push({
        openTimeMs: row.openTimeMs,
        durationMs: series.timeframeMs,
        open: row.open,
        close: row.close,
      });
    }
  }
  btc.sort((left, right) => left.openTimeMs - right.openTimeMs || left.durationMs - right.durationMs);
  const withoutOverlaps: BtcCandle[] = [];
  for (const candle of btc) {
    const last = withoutOverlaps[withoutOverlaps.length - 1];
    if (last && candle.openTimeMs < last.openTimeMs + last.durationMs) continue;
    withoutOverlaps.push(candle);
  }
  return { dogPriceUsd, dogHolders, btc: withoutOverlaps, files };
}

export { DAY_MS };
