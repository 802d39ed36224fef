import { sameOhlcv } from '@runecast/market';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { KlineFileError } from './kline-file-error.ts';
import { parseKlineFileName, klineTimeframeMs } from './kline-file-name.ts';
import { readKlineFile, type KlineFileFormat } from './kline-file.ts';
import type { KlineRow, KlineRowError } from './kline-row.ts';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
// Binance weeks open on Monday; 1970-01-05 was the first Monday after the epoch.
const WEEK_GRID_OFFSET_MS = 4 * DAY_MS;

/** True when `timeMs` is a candle open time of a `timeframeMs` series on the UTC grid. */
export function isOnKlineGrid(timeMs: number, timeframeMs: number): boolean {
  if (timeframeMs === WEEK_MS) return (timeMs - WEEK_GRID_OFFSET_MS) % WEEK_MS === 0;
  return timeMs % timeframeMs === 0;
}

export interface ReplayFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the scanned folder. */
  relativePath: string;
  format: KlineFileFormat;
  sizeBytes: number;
}

export interface ReplayFileReport {
  relativePath: string;
  rowCount: number;
  /** Rows left out: invalid values, or times off the timeframe grid. */
  errors: KlineRowError[];
}

/** A series after its files were read and merged: sorted by open time, one row per time. */
export interface LoadedReplaySeries {
  symbol: string;
  timeframe: string;
  timeframeMs: number;
  rows: KlineRow[];
  /** Open times of `rows`, for binary search. */
  openTimesMs: Float64Array;
  files: ReplayFileReport[];
  /** Rows dropped because another file (or the same one) had the same open time. */
  duplicateCount: number;
  /** Duplicates whose OHLCV differed; the row with the larger volume (the more complete candle) is kept. */
  conflictCount: number;
}

/** One (symbol, timeframe) series found in a folder; its rows are read on first `load()`. */
export interface ReplaySeries {
  symbol: string;
  base: string;
  quote: string;
  timeframe: string;
  timeframeMs: number;
  files: ReplayFile[];
  load(): Promise<LoadedReplaySeries>;
}

export interface ReplayDirectory {
  root: string;
  /** Sorted by symbol, then timeframe length. */
  series: ReplaySeries[];
  /** Files whose names are not kline file names (relative paths). */
  ignoredFiles: string[];
  find(symbol: string, timeframe: string): ReplaySeries | undefined;
}

export interface MergedKlineRows {
  rows: KlineRow[];
  duplicateCount: number;
  conflictCount: number;
}

function detailCount(row: KlineRow): number {
  return (row.quoteVolume === null ? 0 : 1) + (row.tradeCount === null ? 0 : 1);
}

/**
 * Merges rows of overlapping files: sorted by open time, one row per time. Repeats with equal
 * OHLCV are dropped, keeping the one that also carries quote volume and trade count; for differing
 * repeats the row with the larger volume wins, since a file cut while a candle was still open
 * holds a smaller, partial version of it.
 */
export function mergeKlineRows(rowSets: readonly (readonly KlineRow[])[]): MergedKlineRows {
  const all: KlineRow[] = [];
  for (const set of rowSets) for (const row of set) all.push(row);
  all.sort((left, right) => left.openTimeMs - right.openTimeMs);
  const rows: KlineRow[] = [];
  let duplicateCount = 0;
  let conflictCount = 0;
  for (const row of all) {
    const last = rows[rows.length - 1];
    if (last !== undefined && last.openTimeMs === row.openTimeMs) {
      duplicateCount += 1;
      if (sameOhlcv(last, row)) {
        if (detailCount(row) > detailCount(last)) rows[rows.length - 1] = row;
      } else {
        conflictCount += 1;
        if (row.volume > last.volume) rows[rows.length - 1] = row;
      }
      continue;
    }
    rows.push(row);
  }
  return { rows, duplicateCount, conflictCount };
}

async function listFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(directory: string): Promise<void> {
    const entries = await readdir(directory, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(directory, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() || entry.isSymbolicLink()) found.push(path);
    }
  }
  await walk(root);
  return found.sort();
}

async function loadSeries(series: Omit<ReplaySeries, 'load'>): Promise<LoadedReplaySeries> {
  const parsedFiles = await Promise.all(
    series.files.map(async (file) => ({
      file,
      parsed: await readKlineFile(file.path, { format: file.format }),
    })),
  );
  const reports: ReplayFileReport[] = [];
  const rowSets: KlineRow[][] = [];
  for (const { file, parsed } of parsedFiles) {
    const errors = [...parsed.errors];
    const onGrid: KlineRow[] = [];
    parsed.rows.forEach((row, index) => {
      if (isOnKlineGrid(row.openTimeMs, series.timeframeMs)) onGrid.push(row);
      else {
        errors.push({
          line: parsed.rowLines[index] ?? index + 1,
          message: `open time ${new Date(row.openTimeMs).toISOString()} is not on the ${series.timeframe} grid`,
        });
      }
    });
    errors.sort((left, right) => left.line - right.line);
    reports.push({ relativePath: file.relativePath, rowCount: onGrid.length, errors });
    rowSets.push(onGrid);
  }
  const merged = mergeKlineRows(rowSets);
  return {
    symbol: series.symbol,
    timeframe: series.timeframe,
    timeframeMs: series.timeframeMs,
    rows: merged.rows,
    openTimesMs: Float64Array.from(merged.rows, (row) => row.openTimeMs),
    files: reports,
    duplicateCount: merged.duplicateCount,
    conflictCount: merged.conflictCount,
  };
}

/**
 * Scans a folder recursively for kline files, groups them by (symbol, timeframe) from their
 * names, and returns the series without reading any rows: each series reads and merges its
 * files on the first `load()` (later calls share that result).
 */
export async function scanReplayDirectory(directory: string): Promise<ReplayDirectory> {
  const root = resolve(directory);
  let rootStat;
  try {
    rootStat = await stat(root);
  } catch (error) {
    throw new KlineFileError(`cannot read replay folder: ${(error as Error).message}`, root);
  }
  if (!rootStat.isDirectory()) throw new KlineFileError('replay folder is not a folder', root);
  const paths = await listFiles(root);
  const groups = new Map<string, Omit<ReplaySeries, 'load'>>();
  const ignoredFiles: string[] = [];
  for (const path of paths) {
    const name = parseKlineFileName(path);
    const timeframeMs = name ? klineTimeframeMs(name.timeframe) : null;
    if (name === null || timeframeMs === null) {
      ignoredFiles.push(relative(root, path));
      continue;
    }
    const key = `${name.symbol} ${name.timeframe}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        symbol: name.symbol,
        base: name.base,
        quote: name.quote,
        timeframe: name.timeframe,
        timeframeMs,
        files: [],
      };
      groups.set(key, group);
    }
    const fileStat = await stat(path);
    group.files.push({
      path,
      relativePath: relative(root, path),
      format: name.format,
      sizeBytes: fileStat.size,
    });
  }
  const series: ReplaySeries[] = [...groups.values()]
    .sort((left, right) => left.symbol.localeCompare(right.symbol) || left.timeframeMs - right.timeframeMs)
    .map((group) => {
      let loading: Promise<LoadedReplaySeries> | null = null;
      return {
        ...group,
        load(): Promise<LoadedReplaySeries> {
          loading ??= loadSeries(group);
          return loading;
        },
      };
    });
  return {
    root,
    series,
    ignoredFiles,
    find(symbol: string, timeframe: string): ReplaySeries | undefined {
      return series.find((entry) => entry.symbol === symbol && entry.timeframe === timeframe);
    },
  };
}
