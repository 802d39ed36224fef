import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Candle } from '@runecast/market';
import { parseFreqtradeJsonText } from '@runecast/market-files';
import autocannon from 'autocannon';
import { printTable } from '../apps/server/src/cli/output.ts';

/** Folder of real market data, or null (benchmarks then use generated data and say so). */
export function replayDirectory(): string | null {
  const folder = process.env.RUNECAST_REPLAY_DIR ? resolve(process.env.RUNECAST_REPLAY_DIR) : null;
  return folder && existsSync(folder) ? folder : null;
}

export function formatRate(count: number, seconds: number): string {
  return `${Math.round(count / seconds).toLocaleString('en-US')}/s`;
}

/** Prints an aligned table with a title; every benchmark reports this way. */
export function printBenchTable(
  title: string,
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  process.stdout.write(`\n${title}\n`);
  printTable(headers, rows);
}

export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { result, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** One load run of autocannon against a running server. */
export interface LoadRequest {
  /** Base URL, or the full URL of the one path asked for when neither option below is given. */
  url: string;
  connections: number;
  durationSeconds: number;
  /** Bearer token sent with every request. */
  token: string;
  /** Every request takes the next of these paths in turn. */
  paths?: readonly string[];
  /**
   * Give every request a `limit` never asked before (from `firstLimit` up), so each makes a new
   * cache key and is read from the store.
   */
  uniqueLimitsFrom?: { basePath: string; firstLimit: number };
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts and answers other than 2xx. */
  errors: number;
}

const LOAD_FLAG = '--generate-load';

/** Runs autocannon in this process; `runLoad` calls it in a process of its own. */
async function generateLoad(load: LoadRequest): Promise<LoadResult> {
  let counter = 0;
  const base = new URL(load.url);
  const nextPath = (): string | null => {
    if (load.paths !== undefined && load.paths.length > 0) {
      const path = load.paths[counter % load.paths.length]!;
      counter += 1;
      return path;
    }
    if (load.uniqueLimitsFrom !== undefined) {
      const path = new URL(load.uniqueLimitsFrom.basePath, base);
      path.searchParams.set('limit', String(load.uniqueLimitsFrom.firstLimit + counter));
      counter += 1;
      return `${path.pathname}${path.search}`;
    }
    return null;
  };
  const rotating = load.paths !== undefined || load.uniqueLimitsFrom !== undefined;
  const result = await autocannon({
    url: load.url,
    connections: load.connections,
    duration: load.durationSeconds,
    headers: { authorization: `Bearer ${load.token}` },
    ...(rotating
      ? {
          requests: [
            {
              setupRequest: (request: autocannon.Request) => ({
                ...request,
                path: nextPath() ?? request.path,
              }),
            },
          ],
        }
      : {}),
  });
  return {
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/**
 * Loads a server with autocannon in a process of its own, so generating the load does not take
 * CPU from the process that measures (or serves).
 */
export function runLoad(load: LoadRequest): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), LOAD_FLAG, JSON.stringify(load)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
      else resolve(JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as LoadResult);
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const loadIndex = process.argv.indexOf(LOAD_FLAG);
  if (loadIndex < 0) throw new Error(`bench-support.ts runs only as the load generator (${LOAD_FLAG} JSON)`);
  process.stdout.write(
    `${JSON.stringify(await generateLoad(JSON.parse(process.argv[loadIndex + 1]!) as LoadRequest))}\n`,
  );
}

/** Reads a freqtrade JSON file of 1h candles (`[[openTimeMs, open, high, low, close, volume], …]`), every row checked. */
export function readFreqtradeHourlyCandles(path: string, symbol: string): Candle[] {
  const parsed = parseFreqtradeJsonText(readFileSync(path, 'utf8'));
  if (parsed.errors.length > 0) throw new Error(`${path}: ${parsed.errors[0]!.message}`);
  return parsed.rows.map((row) => ({
    exchange: 'binance',
    symbol,
    timeframe: '1h',
    openTimeMs: row.openTimeMs,
    open: row.open,
    high: row.high,
    low: row.low,
    close: row.close,
    volume: row.volume,
    quoteVolume: null,
    tradeCount: null,
    closed: true,
  }));
}
