import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createForecastingRuntime, type ForecastingRuntime } from '../src/forecasting/forecasting-runtime.ts';
import { sleep } from '../src/jobs/job-queue.ts';
import { waitForLeaderLock } from '../src/store/leader-lock.ts';
import type { Store } from '../src/store/store.ts';
import type { Database } from '../src/store/database.port.ts';
import { openStoreWithDatabase } from '../src/store/testing/store-with-database.ts';
import { fittedArtifact, marketCandles, storeCandles } from './forecast.fixtures.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2024, 0, 1);
const SERIES_TEXT = 'binance:BTC/USDT:1h';

describe('forecasting jobs on PostgreSQL', { timeout: 120_000 }, () => {
  let drop: () => Promise<void>;
  const stores: Store[] = [];
  const databases: Database[] = [];
  let runtimes: ForecastingRuntime[];

  before(async () => {
    const created = await createTestPostgresDatabase();
    drop = created.drop;
    for (let index = 0; index < 3; index += 1) {
      const { store, db } = await openStoreWithDatabase({ url: created.url });
      stores.push(store);
      databases.push(db);
    }
    runtimes = stores.map((store) => createForecastingRuntime({ store }));
    const candles = marketCandles({ symbol: 'BTC/USDT', count: 1200, seed: 21, startTimeMs: START_MS });
    await storeCandles(stores[0]!, candles);
  });
  after(async () => {
    for (const store of stores) await store.close();
    await drop?.();
  });

  test('only one scheduler acts at a time across connections', async () => {
    const [first, second, third] = runtimes as [ForecastingRuntime, ForecastingRuntime, ForecastingRuntime];
    const candles = marketCandles({ symbol: 'BTC/USDT', count: 400, seed: 21, startTimeMs: START_MS });
    for (const horizonMinutes of [240, 480, 720]) {
      const { artifact } = await fittedArtifact(candles, horizonMinutes);
      const version = await first.registry.register({
        modelType: 'naive',
        series: { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h' },
        horizonMinutes,
        params: {},
        featureNames: [],
        trainingStartMs: START_MS,
        trainingEndMs: START_MS + 399 * HOUR_MS,
        trainingCandles: 400,
        dataFingerprint: 'a'.repeat(64),
        metrics: { mase: 1 },
        artifact,
      });
      await first.registry.promote(version.id);
    }
    const schedulers = runtimes.map((runtime) => runtime.createScheduler());

    // While another process holds the scheduler lock, a tick does nothing.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holder = databases[2]!.transaction(async (transaction) => {
      await waitForLeaderLock(transaction, 'scheduler');
      locked();
      await released;
    });
    await lockTaken;
    const blocked = await schedulers[0]!.tick();
    assert.equal(blocked.leader, false);
    assert.deepEqual(blocked.predictJobIds, []);
    release();
    await holder;

    const ticks = await Promise.all(schedulers.map((scheduler) => scheduler.tick()));
    const leaders = ticks.filter((tick) => tick.leader);
    assert.ok(leaders.length >= 1, JSON.stringify(ticks));
    const predictJobs = await third.queue.list({ kinds: ['predict'] });
    assert.equal(
      predictJobs.length,
      3,
      'one predict job per production model, however many schedulers ticked',
    );
    assert.equal(new Set(leaders.flatMap((tick) => tick.predictJobIds)).size, 3);
    // The queued predict jobs are taken by whichever worker comes first, each once.
    const workers = runtimes.map((runtime) => runtime.createWorker({ kinds: ['predict'] }));
    const ran = await Promise.all(
      workers.map(async (worker) => {
        const done = [];
        for (let job = await worker.runNext(); job; job = await worker.runNext()) done.push(job);
        return done;
      }),
    );
    assert.equal(ran.flat().length, 3);
    for (const job of ran.flat()) assert.equal(job.state, 'succeeded', job.error ?? '');
    const forecasts = await second.forecasting.forecasts.listForecasts();
    assert.equal(forecasts.length, 3);
  });

  test('a running backtest stops when cancelled, from another connection', async () => {
    const [runner, canceller] = runtimes as [ForecastingRuntime, ForecastingRuntime];
    const { job } = await runner.queue.enqueue('backtest', {
      series: SERIES_TEXT,
      horizonMinutes: 240,
      fromMs: START_MS + 300 * HOUR_MS,
      toMs: START_MS + 1200 * HOUR_MS,
      models: [{ modelType: 'arima' }, { modelType: 'ridge' }, { modelType: 'drift' }],
      walkForward: { retrainEverySteps: 24 },
    });
    const worker = runner.createWorker({ progressIntervalMs: 20 });
    const running = worker.runJob(job.id);
    for (;;) {
      const current = await canceller.queue.require(job.id);
      if ((current.progress.percent ?? 0) > 5) break;
      assert.notEqual(current.state, 'succeeded', 'the backtest finished before it could be cancelled');
      await sleep(20);
    }
    const flagged = await canceller.queue.cancel(job.id);
    assert.equal(flagged.cancelRequested, true, JSON.stringify(flagged));
    const finished = await running;
    assert.equal(finished?.state, 'cancelled');
    assert.ok((finished?.progress.percent ?? 100) < 100);
    assert.equal((await canceller.queue.require(job.id)).result, null);
  });
});
