import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createForecastingRuntime, type ForecastingRuntime } from '../src/forecasting/forecasting-runtime.ts';
import { queueMissingProductionModels } from '../src/forecasting/model-bootstrap.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { marketCandles, storeCandles } from './forecast.fixtures.ts';

const BTC = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h' as const };
const ETH = { exchange: 'binance', symbol: 'ETH/USDT', timeframe: '1h' as const };
const START_MS = Date.UTC(2024, 0, 1);

let store: Store;
let runtime: ForecastingRuntime;

before(async () => {
  store = await openStore();
  runtime = createForecastingRuntime({ store });
  await storeCandles(
    store,
    marketCandles({ symbol: 'BTC/USDT', count: 600, seed: 3, startTimeMs: START_MS }),
  );
});
after(() => store.close());

test('a first training is queued once per tracked series and horizon with candles, and not twice', async () => {
  const tracked = [
    { series: BTC, horizonsMinutes: [240, 1440] },
    // No candles stored for ETH yet: nothing to train on, nothing queued.
    { series: ETH, horizonsMinutes: [240] },
  ];
  const options = { modelType: 'ridge', lookbackMs: 20 * 86_400_000 };
  const queued = await queueMissingProductionModels(runtime, tracked, options);
  assert.equal(queued.length, 2);
  const jobs = await Promise.all(queued.map((id) => runtime.queue.require(id)));
  assert.deepEqual(jobs.map((job) => [job.kind, job.state]).sort(), [
    ['train', 'queued'],
    ['train', 'queued'],
  ]);
  const payloads = jobs.map(
    (job) =>
      job.payload as { horizonMinutes: number; promote: string; walkForward: { trainWindowSteps: number } },
  );
  assert.deepEqual(
    payloads.map((payload) => payload.horizonMinutes).sort((left, right) => left - right),
    [240, 1440],
  );
  for (const payload of payloads) {
    assert.equal(payload.promote, 'if-better');
    assert.ok(payload.walkForward.trainWindowSteps >= 6 * (payload.horizonMinutes / 60));
  }
  assert.deepEqual(
    await queueMissingProductionModels(runtime, tracked, options),
    [],
    'queued jobs are not queued twice',
  );
});

test('with a first model type, it is queued too, ahead of the others, once', async () => {
  const SOL = { exchange: 'binance', symbol: 'SOL/USDT', timeframe: '1h' as const };
  await storeCandles(
    store,
    marketCandles({ symbol: 'SOL/USDT', count: 600, seed: 5, startTimeMs: START_MS }),
  );
  const tracked = [{ series: SOL, horizonsMinutes: [240] }];
  const options = { modelType: 'ridge', firstModelType: 'naive-volatility', lookbackMs: 20 * 86_400_000 };
  const queued = await queueMissingProductionModels(runtime, tracked, options);
  const jobs = await Promise.all(queued.map((id) => runtime.queue.require(id)));
  const types = jobs.map((job) => (job.payload as { modelType: string }).modelType);
  assert.deepEqual(types, ['naive-volatility', 'ridge']);
  assert.ok(jobs[0]!.priority > jobs[1]!.priority, 'the first model runs ahead of the others');
  assert.deepEqual(await queueMissingProductionModels(runtime, tracked, options), [], 'not queued twice');
});
