// HTTP API throughput on loopback with autocannon: candle history (one week of 1m candles)
// cached and uncached, and the latest candle cached, beside a trivial JSON route that passes
// through the same authentication, rate limits and hooks, all on one server in one run.
// Run: node --import tsx bench/api.bench.ts  (RUNECAST_BENCH_DATABASE_URL=postgres://… for PostgreSQL)
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { RouteModule } from '../apps/server/src/http/api-context.ts';
import { createApiHarness, minuteCandles } from '../apps/server/test/support/http/api-harness.ts';
import type { ForecastingRuntime } from '../apps/server/src/forecasting/forecasting-runtime.ts';
import { runLoad, type LoadRequest } from './bench-support.ts';

export interface ApiBenchOptions {
  /** `postgres://…` to serve from PostgreSQL; default embedded PGlite. */
  databaseUrl?: string;
  durationSeconds?: number;
  connections?: number;
}

export interface ApiBenchRow {
  scenario: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Requests per second relative to the trivial route. */
  ratio: number;
  errors: number;
}

const WEEK_MINUTES = 7 * 24 * 60;
const START_MS = Date.UTC(2025, 5, 2);

/** A route doing no work beyond what every API route does (auth, limits, metrics, serialization). */
const pingRoutes: RouteModule = {
  name: 'bench',
  register(app) {
    app.get(
      '/bench/ping',
      {
        config: { access: 'user' },
        schema: { hide: true, response: { 200: z.object({ ok: z.boolean() }) } },
      },
      async () => ({ ok: true }),
    );
  },
};

export async function runApiBench(options: ApiBenchOptions = {}): Promise<ApiBenchRow[]> {
  const databaseUrl = options.databaseUrl ?? process.env.RUNECAST_BENCH_DATABASE_URL;
  const durationSeconds = options.durationSeconds ?? 5;
  const connections = options.connections ?? 10;
  const harness = await createApiHarness({
    ...(databaseUrl ? { databaseUrl } : {}),
    limits: { perIp: 10_000_000, perUser: 10_000_000 },
    dependencies: { routes: [pingRoutes] },
  });
  try {
    await harness.store.candles.upsertCandles(minuteCandles('binance', 'BTC/USDT', START_MS, WEEK_MINUTES));
    const token = await harness.adminToken();
    await harness.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = harness.app.server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    const weekEndMs = START_MS + WEEK_MINUTES * 60_000;
    const weekUrl = `/api/v1/candles?series=binance:BTC/USDT:1m&from=${START_MS}&to=${weekEndMs}&limit=${WEEK_MINUTES}`;
    const latestUrl = '/api/v1/candles/latest?series=binance:BTC/USDT:1m';
    const latestForecastUrl = '/api/v1/forecasts/latest?series=binance:BTC/USDT:1m&horizon=60';
    await makeOneForecast(harness.forecasting, weekEndMs);

    const measure = async (scenario: string, path: string, unique = false) => {
      const load: LoadRequest = {
        url: `${base}${path}`,
        connections,
        durationSeconds,
        token,
        ...(unique ? { uniqueLimitsFrom: { basePath: path, firstLimit: WEEK_MINUTES + 1 } } : {}),
      };
      const result = await runLoad(load);
      return {
        scenario,
        requestsPerSecond: result.requestsPerSecond,
        p50Ms: result.p50Ms,
        p99Ms: result.p99Ms,
        errors: result.errors,
      };
    };

    // Warm up code paths and the cache before measuring.
    await measure('warm-up', weekUrl);
    const measured = [
      await measure('trivial JSON route (same auth and hooks)', '/api/v1/bench/ping'),
      await measure('candle history, 1 week of 1m, cached', weekUrl),
      await measure('candle history, 1 week of 1m, uncached', weekUrl, true),
      await measure('latest candle, cached', latestUrl),
      await measure('latest forecast, cached', latestForecastUrl),
    ];
    const trivial = measured[0]!.requestsPerSecond;
    const rows = measured.map((row) => ({
      ...row,
      ratio: trivial > 0 ? row.requestsPerSecond / trivial : 0,
    }));
    printTable(rows, { connections, durationSeconds, engine: databaseUrl ? 'PostgreSQL' : 'PGlite' });
    return rows;
  } finally {
    await harness.close();
  }
}

/** Trains and promotes a naive model on the stored week and writes one forecast to the ledger. */
async function makeOneForecast(forecasting: ForecastingRuntime, weekEndMs: number): Promise<void> {
  const worker = forecasting.createWorker({ pollIntervalMs: 50 });
  worker.start();
  try {
    const series = 'binance:BTC/USDT:1m';
    const wait = (id: string) =>
      forecasting.queue.waitForJob(id, { pollIntervalMs: 50, signal: AbortSignal.timeout(120_000) });
    const train = await forecasting.queue.enqueue('train', {
      series,
      horizonMinutes: 60,
      modelType: 'naive',
      fromMs: START_MS,
      toMs: weekEndMs,
      promote: 'always',
    });
    const trained = await wait(train.job.id);
    if (trained.state !== 'succeeded') throw new Error(`training for the bench failed: ${trained.error}`);
    const predict = await forecasting.queue.enqueue('predict', { series, horizonMinutes: 60 });
    const predicted = await wait(predict.job.id);
    if (predicted.state !== 'succeeded') throw new Error(`forecast for the bench failed: ${predicted.error}`);
  } finally {
    await worker.stop();
  }
}

function printTable(
  rows: ApiBenchRow[],
  settings: { connections: number; durationSeconds: number; engine: string },
): void {
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'vs trivial', 'errors'];
  const body = rows.map((row) => [
    row.scenario,
    row.requestsPerSecond.toFixed(0),
    row.p50Ms.toFixed(1),
    row.p99Ms.toFixed(1),
    `${(row.ratio * 100).toFixed(0)}%`,
    String(row.errors),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => cells[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  process.stdout.write(
    `\nHTTP API on loopback (${settings.engine}, ${settings.connections} connections, ${settings.durationSeconds} s each)\n`,
  );
  process.stdout.write(`${line(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n`);
  for (const cells of body) process.stdout.write(`${line(cells)}\n`);
  const cachedWeek = rows[1]!;
  const latestForecast = rows[4]!;
  process.stdout.write(
    `targets: week cached p99 ${cachedWeek.p99Ms.toFixed(1)} ms (< 25 ms: ${cachedWeek.p99Ms < 25 ? 'met' : 'missed'}); ` +
      `latest forecast cached ${(latestForecast.ratio * 100).toFixed(0)}% of trivial (>= 60%: ${latestForecast.ratio >= 0.6 ? 'met' : 'missed'})\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runApiBench();
}
