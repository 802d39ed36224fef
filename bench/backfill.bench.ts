/**
 * Backfill speed: one year of 1m candles for one market from the emulator (simulated market,
 * no rate limit) through the real ccxt source, the backfill service and the store, beside the
 * bare transport (the same pages fetched and JSON-parsed, nothing else) in the same run.
 * Target: 50,000 candles/s or more, so real backfills are bound by the exchange's rate limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BackfillService } from '../apps/server/src/ingest/backfill.service.ts';
import { CcxtSource } from '../apps/server/src/sources/ccxt/ccxt.source.ts';
import { openStore } from '../apps/server/src/store/store.ts';
import { formatRate, printBenchTable, timed } from './bench-support.ts';

const DAYS = Number(process.env.BENCH_BACKFILL_DAYS ?? 365);
const DAY_MS = 86_400_000;

const EMULATOR_MAIN = fileURLToPath(new URL('../apps/exchange-emulator/src/main.ts', import.meta.url));

/** The emulator runs in its own process, as an exchange would: it must not share our event loop. */
async function startEmulatorProcess(startTime: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      EMULATOR_MAIN,
      '--simulated',
      '--paused',
      '--start',
      String(startTime),
      '--seed',
      '7',
      '--history-days',
      String(Math.min(365, DAYS + 1)),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolvePromise, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /emulator on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match?.[1]) resolvePromise(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${output}`)));
  });
  return { url, child };
}

export async function runBackfillBench(): Promise<void> {
  const startTime = Date.UTC(2025, 0, 1) + DAYS * DAY_MS;
  const { url, child } = await startEmulatorProcess(startTime);
  const emulator = { url, close: async () => void child.kill('SIGTERM') };
  const home = await mkdtemp(join(tmpdir(), 'runecast-backfill-bench-'));
  const sinceMs = startTime - DAYS * DAY_MS;
  const expected = DAYS * 1440;
  try {
    // Reference: the raw pages over HTTP, parsed, and nothing else.
    const transport = await timed(async () => {
      let count = 0;
      for (let cursor = sinceMs; cursor < startTime; cursor += 1000 * 60_000) {
        const response = await fetch(
          `${emulator.url}/binance/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${cursor}&limit=1000`,
        );
        const rows = (await response.json()) as unknown[];
        count += rows.length;
      }
      return count;
    });

    const store = await openStore({ dataDir: join(home, 'pg') });
    const source = new CcxtSource({
      exchange: 'binance',
      emulatorUrl: emulator.url,
      enableRateLimit: false,
      simulated: true,
    });
    try {
      const ours = await timed(() =>
        new BackfillService({ source, store }).backfill({
          series: { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' },
          sinceMs,
          untilMs: startTime,
        }),
      );
      const stored = await store.candles.countCandles({
        exchange: 'binance',
        symbol: 'BTC/USDT',
        timeframe: '1m',
      });
      if (stored !== expected) throw new Error(`stored ${stored} candles, expected ${expected}`);
      printBenchTable(
        `Backfill: ${DAYS} days of 1m BTC/USDT (${expected.toLocaleString('en-US')} candles) from the emulator (own process), no rate limit, PGlite on disk`,
        ['path', 'seconds', 'candles/s'],
        [
          [
            'ccxt source + backfill + validate + store (ours)',
            ours.seconds.toFixed(1),
            formatRate(expected, ours.seconds),
          ],
          [
            'raw HTTP pages + JSON.parse only',
            transport.seconds.toFixed(1),
            formatRate(transport.result, transport.seconds),
          ],
        ],
      );
      process.stdout.write('target: 50,000 candles/s or more\n');
    } finally {
      await source.close();
      await store.db.close();
    }
  } finally {
    await emulator.close();
    await rm(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runBackfillBench();
