/**
 * Backfill speed: one year of 1m candles for one market from the emulator (simulated market,
 * no rate limit) through the real ccxt source, the backfill service and the store, beside the
 * bare transport (the same pages fetched and JSON-parsed, nothing else) in the same run.
 * Target: 50,000 candles/s or more, so real backfills are bound by the exchange's rate limit.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BackfillService } from '../apps/server/src/ingest/backfill.service.ts';
import { startEmulatorProcess } from '../apps/server/src/runtime/emulator-process.ts';
import { CcxtSource } from '../apps/server/src/sources/ccxt/ccxt.source.ts';
import { openStore } from '../apps/server/src/store/store.ts';
import { formatRate, printBenchTable, timed } from './bench-support.ts';

const DAYS = Number(process.env.BENCH_BACKFILL_DAYS ?? 365);
const DAY_MS = 86_400_000;

export async function runBackfillBench(): Promise<void> {
  const startTime = Date.UTC(2025, 0, 1) + DAYS * DAY_MS;
  // The emulator runs in its own process, as an exchange would: it must not share our event loop.
  const emulator = await startEmulatorProcess({
    extraArgs: [
      '--paused',
      '--start',
      String(startTime),
      '--seed',
      '7',
      '--history-days',
      String(Math.min(365, DAYS + 1)),
    ],
  });
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
      await store.close();
    }
  } finally {
    await emulator.close();
    await rm(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runBackfillBench();
