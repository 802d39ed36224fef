import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { JobRecord } from '../src/store/job.port.ts';
import { buildFeatureMatrix } from '../src/features/feature-matrix.ts';
import { createForecastingRuntime, type ForecastingRuntime } from '../src/forecasting/forecasting-runtime.ts';
import type { TrainJobResult } from '../src/forecasting/handlers/train.handler.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { marketCandles, storeCandles } from './forecast.fixtures.ts';

const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2024, 0, 1);

describe('production falls back to naive when no model beats it', () => {
  let store: Store;
  let runtime: ForecastingRuntime;

  before(async () => {
    store = await openStore();
    runtime = createForecastingRuntime({ store });
  });
  after(async () => store?.close());

  async function train(
    symbol: string,
    candles: number,
    horizonMinutes: number,
    extra: Record<string, unknown> = { promote: 'if-better' },
  ): Promise<TrainJobResult> {
    await storeCandles(store, marketCandles({ symbol, count: candles, seed: 17, startTimeMs: START_MS }));
    await runtime.queue.enqueue('train', {
      series: `binance:${symbol}:1h`,
      horizonMinutes,
      modelType: 'ridge',
      fromMs: START_MS,
      toMs: START_MS + candles * HOUR_MS,
      ...extra,
    });
    const worker = runtime.createWorker({ kinds: ['train'] });
    const job = (await worker.runNext()) as JobRecord | null;
    assert.equal(job?.state, 'succeeded', job?.error ?? 'no job ran');
    return job!.result as TrainJobResult;
  }

  test('ridge on a random walk is refused; naive with volatility-scaled bands is trained and promoted', async () => {
    const result = await train('BTC/USDT', 1500, 240);
    assert.equal(result.promoted, false);
    assert.match(
      result.promotionReason,
      /^version \d+ \(ridge\) did not beat naive significantly on .* UTC \(DM [-0-9.]+, p = [0-9.e-]+\); no model beat naive on .* UTC; showing naive \(version (\d+), naive-volatility\)$/,
    );
    const series = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h' as const };
    const production = (await runtime.registry.production(series, 240))!;
    assert.equal(production.modelType, 'naive-volatility');
    assert.equal(production.metrics.mase, 1);
    assert.equal(typeof production.metrics.intervalSkill80, 'number');
    const [promotion] = await runtime.registry.promotions(series, 240);
    assert.match(promotion!.reason ?? '', /^no model beat naive on .* UTC; showing naive$/);
    // The refused candidate stays in the registry with its scores.
    const ridge = (await runtime.registry.get(result.modelVersionId))!;
    assert.equal(ridge.stage, 'candidate');
    assert.equal(typeof ridge.metrics.dmPValue, 'number');
    // The production model forecasts with bands scaled by its volatility model.
    const forecaster = await runtime.registry.loadForecaster(production);
    assert.ok(forecaster.calibrationResiduals().length > 0 && forecaster.modelType === 'naive-volatility');
    forecaster.dispose();
  });

  test('too short for the volatility model: plain naive is production, and the result says why', async () => {
    // HAR reads 22 horizons back: 528 hourly candles at 24h, more than this series leaves before its test.
    const result = await train('ETH/USDT', 600, 1440);
    assert.equal(result.promoted, false);
    assert.match(
      result.promotionReason,
      /naive-volatility could not be trained here: .*\(version \d+, naive\)$/,
    );
    const production = await runtime.registry.production(
      { exchange: 'binance', symbol: 'ETH/USDT', timeframe: '1h' },
      1440,
    );
    assert.equal(production?.modelType, 'naive');
  });

  test('any model can be trained with volatility-scaled bands; the version forecasts with them', async () => {
    const candles = marketCandles({ symbol: 'SOL/USDT', count: 1200, seed: 17, startTimeMs: START_MS });
    const result = await train('SOL/USDT', 1200, 240, { volatility: { modelType: 'garch' } });
    const version = (await runtime.registry.get(result.modelVersionId))!;
    assert.equal(version.modelType, 'ridge');
    assert.deepEqual(version.evaluation.volatility, {
      modelType: 'garch',
      params: { trainingWindowSteps: 2000, lookbackSteps: 500 },
    });
    assert.equal(typeof version.metrics.intervalSkill80, 'number');
    const forecaster = await runtime.registry.loadForecaster(version);
    const matrix = buildFeatureMatrix({ candles, featureNames: forecaster.featureNames });
    const forecast = forecaster.predict({ matrix, originIndex: matrix.rows.length - 1 });
    assert.ok(forecast.bandScale > 0 && forecast.bandScale !== 1, `band scale ${forecast.bandScale}`);
    forecaster.dispose();
  });
});
