import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { onDemandForecastResultSchema, latestForecastResponseSchema } from '@runecast/contracts';
import { startEmulator, type RunningEmulator } from '@runecast/exchange-emulator';
import { createApiHarness, type ApiHarness } from './support/http/api-harness.ts';
import { openEventStreamClient } from './support/http/event-stream-client.ts';
import { describeForecastingRoutes } from './support/http/forecasting-routes.contract.ts';
import type { JobWorker } from '../src/jobs/job-worker.ts';
import { SourceRegistry } from '../src/sources/source-registry.ts';

describeForecastingRoutes('PGlite', async () => ({ options: {}, cleanup: async () => undefined }));

describe(
  'on-demand forecast of a market the store has never seen, against the exchange emulator',
  { timeout: 90_000 },
  () => {
    let emulator: RunningEmulator;
    let sources: SourceRegistry;
    let harness: ApiHarness;
    let worker: JobWorker;
    let token: string;
    let port: number;

    before(async () => {
      emulator = await startEmulator({
        speed: 60,
        simulatedHistoryDays: 2,
        simulatedSymbols: ['BTC/USDT', 'ETH/USDT'],
        seed: 17,
      });
      sources = new SourceRegistry({
        defaults: { emulatorUrl: emulator.url, simulated: true, enableRateLimit: false },
      });
      const lookup = (exchange: string) => sources.get(exchange);
      harness = await createApiHarness({
        dependencies: { sources: lookup },
        onDemand: { sources: lookup, historyCandles: 600 },
        forecastingApi: { jobPollIntervalMs: 100 },
      });
      token = (await harness.createUser()).token;
      worker = harness.forecasting.createWorker({ pollIntervalMs: 50 });
      await harness.app.listen({ host: '127.0.0.1', port: 0 });
      port = (harness.app.server.address() as AddressInfo).port;
    });

    after(async () => {
      await worker?.stop();
      await harness?.close();
      await sources?.close();
      await emulator?.close();
    });

    const onDemand = async (
      body: Record<string, unknown> = {
        exchange: 'binance',
        symbol: 'ETH/USDT',
        timeframe: '1m',
        horizonMinutes: 5,
      },
    ) => {
      const response = await harness.request({
        method: 'POST',
        url: '/api/v1/forecasts/on-demand',
        token,
        body,
      });
      assert.equal(response.statusCode, 202, response.body);
      return response.json() as { id: string; kind: string; state: string };
    };

    test('backfills, trains and forecasts with moving progress, then answers the latest forecast', async () => {
      const job = await onDemand();
      assert.equal(job.kind, 'forecast-on-demand');
      assert.equal((await onDemand()).id, job.id, 'asking again while it waits returns the same job');
      const stream = await openEventStreamClient(
        port,
        `/api/v1/jobs/${job.id}/events?ticket=${await harness.streamTicket(token)}`,
      );
      await stream.waitFor((event) => event.event === 'job');
      worker.start();
      const end = await stream.waitFor((event) => event.event === 'end', 60_000);
      assert.equal(end.data.state, 'succeeded', JSON.stringify(stream.events.at(-2)?.data.error));

      const progress = stream.events
        .filter((event) => event.event === 'progress' && event.data.state === 'running')
        .map((event) => ({
          percent: event.data.percent as number | null,
          message: String(event.data.message),
        }));
      const percents = progress
        .map((item) => item.percent)
        .filter((percent): percent is number => percent !== null);
      assert.ok(new Set(percents).size >= 5, `percents ${JSON.stringify(percents)}`);
      for (let index = 1; index < percents.length; index += 1) {
        assert.ok(
          percents[index]! >= percents[index - 1]!,
          `progress went back: ${JSON.stringify(percents)}`,
        );
      }
      const steps = ['backfilling', 'training', 'predicting'].map((step) =>
        progress.findIndex((item) => item.message.startsWith(step)),
      );
      assert.ok(
        steps.every((index) => index >= 0),
        JSON.stringify(progress.map((item) => item.message)),
      );
      assert.deepEqual(
        [...steps].sort((left, right) => left - right),
        steps,
        'the steps come in order',
      );

      const finalJob = stream.events.filter((event) => event.event === 'job').at(-1)!;
      const result = onDemandForecastResultSchema.parse(finalJob.data.result);
      assert.equal(result.trained, true);
      assert.equal(result.modelType, 'ridge');
      assert.ok(result.candlesBackfilled >= 550, `backfilled ${result.candlesBackfilled}`);
      assert.equal(result.backfillWarning, null);
      assert.equal(result.forecast.series, 'binance:ETH/USDT:1m');
      assert.equal(result.forecast.targetTimeMs - result.forecast.issuedAtMs, 5 * 60_000);

      const latest = latestForecastResponseSchema.parse(
        (
          await harness.request({
            method: 'GET',
            url: `/api/v1/forecasts/latest?series=${encodeURIComponent('binance:ETH/USDT:1m')}&horizon=5m`,
            token,
          })
        ).json(),
      );
      assert.equal(latest.forecasts[0]?.id, result.forecast.id);

      // A second request soon after reuses the version just trained.
      const second = await onDemand();
      assert.notEqual(second.id, job.id);
      const done = await harness.forecasting.queue.waitForJob(second.id, {
        pollIntervalMs: 50,
        signal: AbortSignal.timeout(30_000),
      });
      assert.equal(done.state, 'succeeded', done.error ?? '');
      const reused = onDemandForecastResultSchema.parse(done.result);
      assert.equal(reused.trained, false);
      assert.equal(reused.modelVersionId, result.modelVersionId);
    });

    test('short histories: naive when too short for ridge, a clear failure when too short for any model', async () => {
      worker.start();
      // Two days of emulated history: 192 quarter hours, 48 hours.
      const quarterHours = await onDemand({
        exchange: 'binance',
        symbol: 'BTC/USDT',
        timeframe: '15m',
        horizonMinutes: 15,
      });
      const hours = await onDemand({
        exchange: 'binance',
        symbol: 'BTC/USDT',
        timeframe: '1h',
        horizonMinutes: 60,
      });
      const wait = (id: string) =>
        harness.forecasting.queue.waitForJob(id, { pollIntervalMs: 50, signal: AbortSignal.timeout(30_000) });
      const naive = await wait(quarterHours.id);
      assert.equal(naive.state, 'succeeded', naive.error ?? '');
      const result = onDemandForecastResultSchema.parse(naive.result);
      assert.equal(result.modelType, 'naive');
      assert.match(result.modelChoice, /too few for ridge/);
      const failed = await wait(hours.id);
      assert.equal(failed.state, 'failed');
      assert.equal(failed.attempts, 1, 'too little data is not retried');
      assert.match(failed.error ?? '', /too little data: binance:BTC\/USDT:1h has \d+ closed candles/);
    });
  },
);
