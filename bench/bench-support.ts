import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
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
