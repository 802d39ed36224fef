import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Candle, type MetricPoint, ValidationError } from '@runecast/market';
import { crossAssetFeatureName } from '../features/feature-matrix.ts';
import { openStore, type Store } from '../store/store.ts';
import { loadMetricCandles, loadSeriesMatrix } from './forecasting-data.ts';

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2026, 0, 1);
const series = { exchange: 'dogdata', symbol: 'DOG•GO•TO•THE•MOON/USD', timeframe: '1d' as const };
const HOLDERS = 'dogdata:DOG•GO•TO•THE•MOON/USD:1d:total_holders';

function day(index: number, close: number): Candle {
  return {
    ...series,
    openTimeMs: START_MS + index * DAY_MS,
    open: close,
    high: close,
    low: close,
    close,
    volume: 0,
    quoteVolume: null,
    tradeCount: null,
    closed: true,
  };
}

function holders(timeMs: number, value: number): MetricPoint {
  return { source: 'dogdata', symbol: series.symbol, metric: 'total_holders', timeMs, value };
}

describe('metric series as cross assets', () => {
  let store: Store;
  before(async () => {
    store = await openStore({ url: 'memory://' });
    await store.candles.upsertCandles(Array.from({ length: 60 }, (_, index) => day(index, 1 + index / 100)));
    await store.coverage.markFetched(
      series,
      { startMs: START_MS, endMs: START_MS + 60 * DAY_MS },
      Array.from({ length: 60 }, (_, index) => START_MS + index * DAY_MS),
    );
    // Holders from day 10 on, two readings on day 20 (the later one counts), none on days 30–34.
    const points: MetricPoint[] = [];
    for (let index = 10; index < 60; index += 1) {
      if (index >= 30 && index < 35) continue;
      points.push(holders(START_MS + index * DAY_MS, 1_000 + index * 10));
    }
    points.push(holders(START_MS + 20 * DAY_MS + 3_600_000, 5_000));
    await store.metricPoints.upsertPoints(points);
  });
  after(async () => {
    await store.close();
  });

  test('a slot takes the last value inside it; slots without one are absent, never filled', async () => {
    const candles = await loadMetricCandles(
      store,
      { ...series, metric: 'total_holders' },
      { startMs: START_MS, endMs: START_MS + 60 * DAY_MS },
    );
    assert.equal(candles.length, 45);
    assert.equal(candles[0]!.openTimeMs, START_MS + 10 * DAY_MS);
    assert.equal(candles.find((candle) => candle.openTimeMs === START_MS + 20 * DAY_MS)?.close, 5_000);
    assert.equal(candles.filter((candle) => candle.openTimeMs === START_MS + 32 * DAY_MS).length, 0);
    assert.ok(candles.every((candle) => candle.closed && candle.open === candle.close));
  });

  test('its log growth becomes a feature, known only from the slot of each reading on', async () => {
    const { matrix } = await loadSeriesMatrix(store, {
      series,
      range: { startMs: START_MS, endMs: START_MS + 60 * DAY_MS },
      crossAssets: [HOLDERS],
      purpose: 'a test',
      minimumCandles: 10,
    });
    const column = matrix.featureNames.indexOf(crossAssetFeatureName(HOLDERS, 'logReturn1'));
    assert.ok(column >= 0, matrix.featureNames.join(', '));
    const at = (index: number) => matrix.rows[index]![column]!;
    assert.ok(Number.isNaN(at(10)), 'no growth before a second reading');
    assert.ok(Math.abs(at(11) - Math.log(1_110 / 1_100)) < 1e-12);
    assert.ok(Math.abs(at(20) - Math.log(5_000 / 1_190)) < 1e-12, 'the day takes its last reading');
    assert.equal(at(31), 0, 'a day without a reading carries the last known value');
    assert.ok(Math.abs(at(35) - Math.log(1_350 / 1_290)) < 1e-12);
  });

  test('values that are not positive, and metrics with no values, are refused with the reason', async () => {
    await store.metricPoints.upsertPoints([
      { source: 'dogdata', symbol: series.symbol, metric: 'balance_delta', timeMs: START_MS, value: -3 },
    ]);
    const range = { startMs: START_MS, endMs: START_MS + 60 * DAY_MS };
    await assert.rejects(
      loadSeriesMatrix(store, {
        series,
        range,
        crossAssets: ['dogdata:DOG•GO•TO•THE•MOON/USD:1d:balance_delta'],
        purpose: 'a test',
        minimumCandles: 10,
      }),
      (error: unknown) =>
        error instanceof ValidationError && /must be positive; it is -3/.test(error.message),
    );
    await assert.rejects(
      loadSeriesMatrix(store, {
        series,
        range,
        crossAssets: ['dogdata:DOG•GO•TO•THE•MOON/USD:1d:sales'],
        purpose: 'a test',
        minimumCandles: 10,
      }),
      /has no values/,
    );
  });
});
