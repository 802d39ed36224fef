import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { onDemandForecastResultSchema } from '@runecast/contracts';
import { type RunningEmulator, startEmulator } from '@runecast/exchange-emulator';
import { type Candle, systemClock, UnsupportedError } from '@runecast/market';
import type { SnapshotPolling } from '../src/forecasting/handlers/on-demand-forecast.handler.ts';
import { createSnapshotPolling } from '../src/ingest/snapshot-polling.ts';
import type { JobWorker } from '../src/jobs/job-worker.ts';
import { createLogger } from '../src/observability/logger.ts';
import { EMULATED_GENIIDATA_DATASOURCE, registerRunesSources } from '../src/sources/runes/runes-sources.ts';
import { SourceRegistry } from '../src/sources/source-registry.ts';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';

const FIVE_MINUTES_MS = 5 * 60_000;

/** A rune's 5m poll candles as the collector would have stored them over a few days. */
function polledCandles(exchange: string, symbol: string, count: number, endMs: number): Candle[] {
  let price = 3.5;
  const firstMs = Math.floor(endMs / FIVE_MINUTES_MS) * FIVE_MINUTES_MS - count * FIVE_MINUTES_MS;
  return Array.from({ length: count }, (_, index) => {
    const open = price;
    price *= Math.exp(0.004 * Math.sin(index * 1.7) + 0.003 * Math.cos(index * 0.31));
    return {
      exchange,
      symbol,
      timeframe: '5m' as const,
      openTimeMs: firstMs + index * FIVE_MINUTES_MS,
      open,
      high: Math.max(open, price),
      low: Math.min(open, price),
      close: price,
      volume: 0,
      quoteVolume: null,
      tradeCount: null,
      closed: true,
    };
  });
}

describe('on-demand forecast of a rune by name', { timeout: 120_000 }, () => {
  let emulator: RunningEmulator;
  let sources: SourceRegistry;
  let harness: ApiHarness;
  let worker: JobWorker;
  let token: string;
  let polling: SnapshotPolling | null = null;

  before(async () => {
    emulator = await startEmulator({ paused: true, seed: 5, simulatedRuneCount: 12 });
    sources = new SourceRegistry();
    const providers = registerRunesSources(sources, {
      providers: ['ordiscan', 'unisat'],
      emulatorUrl: emulator.url,
      simulated: true,
      geniiDataDatasource: EMULATED_GENIIDATA_DATASOURCE,
      apiKey: async () => 'test-key',
    });
    harness = await createApiHarness({
      environment: { RUNECAST_RUNES_PROVIDERS: providers.join(',') },
      dependencies: { snapshotSources: (id) => sources.snapshots(id), runesProviders: providers },
      onDemand: {
        sources: (exchange) => {
          throw new UnsupportedError(`no exchange ${exchange} in this test`);
        },
        // Polls go to the harness's own store, which exists only once the harness does.
        snapshots: {
          pollTimeframe: (id) => polling?.pollTimeframe(id) ?? null,
          pollNow: async (series, signal) => polling?.pollNow(series, signal),
        },
      },
    });
    polling = createSnapshotPolling({
      sources,
      store: harness.store,
      bus: null,
      clock: systemClock,
      logger: createLogger('silent'),
    });
    token = (await harness.createUser()).token;
    worker = harness.forecasting.createWorker({ pollIntervalMs: 50 });
  });

  after(async () => {
    await worker?.stop();
    await harness?.close();
    await sources?.close();
    await emulator?.close();
  });

  const ask = async (name: string, body: Record<string, unknown>) =>
    harness.request({
      method: 'POST',
      url: `/api/v1/runes/${encodeURIComponent(name)}/forecast`,
      token,
      body,
    });

  test('bad input is refused before any job: horizon, model type, unknown rune', async () => {
    assert.equal((await ask('DOG•GO•TO•THE•MOON', { horizonMinutes: 60 })).statusCode, 400);
    assert.equal((await ask('DOG•GO•TO•THE•MOON', { modelType: 'oracle' })).statusCode, 422);
    assert.equal((await ask('dog-go', {})).statusCode, 400);
    const unknown = await ask('NOSUCHRUNEATALL', {});
    assert.equal(unknown.statusCode, 422, unknown.body);
    assert.match(unknown.body, /does not know the rune NOSUCHRUNEATALL/);
  });

  test('a new rune is tracked and polled now; the job says when it will have enough to forecast', async () => {
    const response = await ask('dog.go.to.the.moon', { horizonMinutes: 240 });
    assert.equal(response.statusCode, 202, response.body);
    const job = response.json() as { id: string; kind: string };
    assert.equal(job.kind, 'forecast-on-demand');
    worker.start();
    const done = await harness.forecasting.queue.waitForJob(job.id, {
      pollIntervalMs: 50,
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal(done.state, 'failed');
    assert.match(
      done.error ?? '',
      /gives no history, only one candle per 5m poll, so a tracked rune has enough in about \d+ h/,
    );
    const markets = await harness.store.markets.listMarkets();
    assert.ok(
      markets.some((market) => market.exchange === 'ordiscan' && market.symbol === 'DOG•GO•TO•THE•MOON/SATS'),
    );
    const polled = await harness.store.candles.latestCandle({
      exchange: 'ordiscan',
      symbol: 'DOG•GO•TO•THE•MOON/SATS',
      timeframe: '5m',
    });
    assert.ok(polled !== null && polled.close > 0, 'the poll is stored as a candle');
  });

  test('a tracked rune with days of polls is trained and forecast 4 h ahead', async () => {
    const symbol = 'DOG•GO•TO•THE•MOON/SATS';
    const candles = polledCandles('ordiscan', symbol, 900, systemClock.now());
    await harness.store.candles.upsertCandles(candles);
    await harness.store.coverage.markFetched(
      { exchange: 'ordiscan', symbol, timeframe: '5m' },
      { startMs: candles[0]!.openTimeMs, endMs: candles.at(-1)!.openTimeMs + FIVE_MINUTES_MS },
      candles.map((candle) => candle.openTimeMs),
    );
    const response = await ask('DOGGOTOTHEMOON', { horizonMinutes: 240 });
    assert.equal(response.statusCode, 202, response.body);
    const { id } = response.json() as { id: string };
    const done = await harness.forecasting.queue.waitForJob(id, {
      pollIntervalMs: 50,
      signal: AbortSignal.timeout(60_000),
    });
    assert.equal(done.state, 'succeeded', done.error ?? '');
    const result = onDemandForecastResultSchema.parse(done.result);
    assert.equal(result.trained, true);
    assert.equal(result.forecast.series, 'ordiscan:DOG•GO•TO•THE•MOON/SATS:5m');
    assert.equal(result.forecast.targetTimeMs - result.forecast.issuedAtMs, 240 * 60_000);
    assert.ok(
      result.forecast.lower80 < result.forecast.point && result.forecast.point < result.forecast.upper80,
    );
  });
});
