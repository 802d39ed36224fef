import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Candle, closeOnlyCandle, type MetricPoint } from '@runecast/market';

/** File names of the daily DOG•GO•TO•THE•MOON data in a replay folder's `runes/`. */
export const DOG_DAILY_FILES = {
  priceUsd: 'DOG_GO_TO_THE_MOON-price-usd-1d.json',
  onchainMetrics: 'DOG_GO_TO_THE_MOON-onchain-metrics-1d.json',
} as const;

/** Where the imported series go: the dataset is DogData's, so its source id is `dogdata`. */
export const DOG_DAILY_SOURCE = 'dogdata';
export const DOG_DAILY_SYMBOL = 'DOG•GO•TO•THE•MOON/USD';

// Fields a source fault writes as 0 for a day it lacks (the 2026-06-30 row): zero is no value.
const ZERO_MEANS_MISSING = new Set([
  'current_price',
  'mvrv_ratio',
  'supply_in_profit_pct',
  'supply_in_loss_pct',
]);

export interface RuneDailyImport {
  /** Daily USD closes as close-only candles (open = high = low = close, no volume): what the file holds. */
  candles: Candle[];
  /** On-chain metrics per day (holders, UTXOs, concentration, ages, MVRV…), at each day's start. */
  points: MetricPoint[];
  /** Rows left out, with the reason. */
  problems: { file: string; row: string; reason: string }[];
}

function dayStartMs(date: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const timeMs = Date.parse(`${date}T00:00:00Z`);
  return Number.isNaN(timeMs) ? null : timeMs;
}

/**
 * Reads the daily DOG•GO•TO•THE•MOON files: USD per DOG (an exchange pair's daily close, labelled
 * by the day in its source's local time, so a day may be shifted by one against UTC) and on-chain
 * holder metrics. Nothing is filled in: a missing day stays missing, a bad row is reported.
 */
export async function readRuneDailyFiles(folder: string): Promise<RuneDailyImport> {
  const result: RuneDailyImport = { candles: [], points: [], problems: [] };
  const pricePath = join(folder, DOG_DAILY_FILES.priceUsd);
  const prices = JSON.parse(await readFile(pricePath, 'utf8')) as unknown;
  if (prices === null || typeof prices !== 'object' || Array.isArray(prices)) {
    throw new TypeError(`${pricePath}: want one object of "YYYY-MM-DD": price`);
  }
  for (const [date, value] of Object.entries(prices)) {
    const openTimeMs = dayStartMs(date);
    if (openTimeMs === null || typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      result.problems.push({
        file: DOG_DAILY_FILES.priceUsd,
        row: date,
        reason: `not a day and a positive price (${String(value)})`,
      });
      continue;
    }
    result.candles.push(
      closeOnlyCandle(
        { exchange: DOG_DAILY_SOURCE, symbol: DOG_DAILY_SYMBOL, timeframe: '1d' },
        openTimeMs,
        value,
      ),
    );
  }
  result.candles.sort((a, b) => a.openTimeMs - b.openTimeMs);

  const metricsPath = join(folder, DOG_DAILY_FILES.onchainMetrics);
  const metrics = JSON.parse(await readFile(metricsPath, 'utf8')) as { daily?: unknown };
  if (!Array.isArray(metrics.daily)) throw new TypeError(`${metricsPath}: want {"daily": [ … ]}`);
  for (const row of metrics.daily as Record<string, unknown>[]) {
    const date = typeof row.date === 'string' ? row.date : '';
    const timeMs = dayStartMs(date);
    if (timeMs === null) {
      result.problems.push({
        file: DOG_DAILY_FILES.onchainMetrics,
        row: date || '?',
        reason: 'no valid date',
      });
      continue;
    }
    for (const [field, value] of Object.entries(row)) {
      if (field === 'date' || typeof value !== 'number' || !Number.isFinite(value)) continue;
      if (value === 0 && ZERO_MEANS_MISSING.has(field)) {
        result.problems.push({
          file: DOG_DAILY_FILES.onchainMetrics,
          row: date,
          reason: `${field} is 0: treated as missing`,
        });
        continue;
      }
      const metric = field === 'total_holders' ? 'holders' : field;
      result.points.push({ source: DOG_DAILY_SOURCE, symbol: DOG_DAILY_SYMBOL, metric, timeMs, value });
    }
  }
  return result;
}
