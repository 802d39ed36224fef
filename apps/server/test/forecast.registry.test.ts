import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { modelVersionSchema } from '@runecast/contracts';
import { buildFeatureMatrix } from '../src/features/feature-matrix.ts';
import { fingerprintCandles } from '../src/models/registry/data-fingerprint.ts';
import { ModelRegistryService } from '../src/forecasting/model-registry.ts';
import type { NewModelVersion } from '../src/store/model.port.ts';
import type { Database } from '../src/store/database.port.ts';
import type { ForecastingStore, Store } from '../src/store/store.ts';
import { openStoreWithDatabase } from '../src/store/testing/store-with-database.ts';
import { fittedArtifact, marketCandles } from './forecast.fixtures.ts';

const SERIES = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h' as const };
const START_MS = Date.UTC(2024, 0, 1);

describe('model registry', () => {
  let store: Store;
  let db: Database;
  let forecasting: ForecastingStore;
  let registry: ModelRegistryService;
  let base: NewModelVersion;
  const candles = marketCandles({ symbol: 'BTC/USDT', count: 400, seed: 5, startTimeMs: START_MS });

  before(async () => {
    ({ store, db } = await openStoreWithDatabase());
    forecasting = store;
    registry = new ModelRegistryService(forecasting.models);
    const { artifact, featureNames } = await fittedArtifact(candles, 240);
    base = {
      modelType: 'naive',
      series: SERIES,
      horizonMinutes: 240,
      params: {},
      featureNames,
      trainingStartMs: candles[0]!.openTimeMs,
      trainingEndMs: candles.at(-1)!.openTimeMs,
      trainingCandles: candles.length,
      dataFingerprint: fingerprintCandles(SERIES, candles),
      metrics: { mase: 1, rmse: 10 },
      artifact,
    };
  });
  after(async () => store?.close());

  async function register(metrics: Record<string, number | null>, overrides: Partial<NewModelVersion> = {}) {
    return registry.register({ ...base, ...overrides, metrics });
  }

  test('stores versions with everything needed to reproduce them', async () => {
    const version = await register(
      { mase: 0.98, rmse: 9.5, dmPValue: null },
      { evaluation: { naive: { mase: 1 } }, jobId: null },
    );
    assert.equal(version.stage, 'candidate');
    assert.equal(version.series, 'binance:BTC/USDT:1h');
    assert.equal(version.trainingCandles, 400);
    assert.match(version.dataFingerprint, /^[0-9a-f]{64}$/);
    assert.equal(version.artifactBytes, base.artifact.length);
    assert.deepEqual(version.metrics, { mase: 0.98, rmse: 9.5, dmPValue: null });
    const { seriesKey: _seriesKey, ...record } = version;
    assert.equal(modelVersionSchema.safeParse(record).success, true, 'matches the shared contract');
    assert.deepEqual(await registry.get(version.id), version);
    await assert.rejects(
      register({ mase: 1 }, { dataFingerprint: 'not-a-hash' }),
      /dataFingerprint must be a SHA-256/,
    );
    await assert.rejects(register({ mase: 1 }, { artifact: new Uint8Array() }), /artifact must be non-empty/);
  });

  test('the fingerprint changes when any training candle changes', () => {
    const changed = candles.map((candle, index) =>
      index === 200 ? { ...candle, close: candle.close * 1.0001 } : candle,
    );
    assert.equal(fingerprintCandles(SERIES, candles), fingerprintCandles(SERIES, [...candles]));
    assert.notEqual(fingerprintCandles(SERIES, candles), fingerprintCandles(SERIES, changed));
    assert.notEqual(
      fingerprintCandles(SERIES, candles),
      fingerprintCandles({ ...SERIES, symbol: 'ETH/USDT' }, candles),
    );
  });

  test('a version loads back into a forecaster that predicts exactly what the original did', async () => {
    const version = await register({ mase: 1 });
    const forecaster = await registry.loadForecaster(version);
    try {
      const matrix = buildFeatureMatrix({ candles });
      const forecast = forecaster.predict({ matrix, originIndex: candles.length - 1 });
      assert.equal(forecast.point, candles.at(-1)!.close, 'naive forecasts the last close');
      assert.ok(
        forecast.intervals['80'].lower < forecast.point && forecast.point < forecast.intervals['80'].upper,
      );
    } finally {
      forecaster.dispose();
    }
    await db.query('UPDATE model_versions SET artifact = $2 WHERE id = $1', [
      version.id,
      new Uint8Array([1, 2, 3]),
    ]);
    await assert.rejects(registry.loadForecaster(version.id), /artifact does not match its SHA-256/);
  });

  test('best by a chosen metric, promote, and roll back through earlier production versions', async () => {
    const series = { ...SERIES, symbol: 'ETH/USDT' };
    const on = { series };
    const first = await register(
      { mase: 0.99, rmse: 10, r2: 0.01, coverage80: 0.7, directionalAccuracy: 0.52 },
      on,
    );
    const second = await register(
      { mase: 0.95, rmse: 12, r2: 0.05, coverage80: 0.83, directionalAccuracy: 0.5 },
      on,
    );
    const third = await register(
      { mase: 1.02, rmse: 11, r2: -0.1, coverage80: 0.9, directionalAccuracy: null },
      on,
    );
    const otherHorizon = await register({ mase: 0.5, rmse: 1 }, { series, horizonMinutes: 1440 });

    assert.equal((await registry.best(series, 240, 'mase'))?.id, second.id);
    assert.equal((await registry.best(series, 240, 'rmse'))?.id, first.id);
    assert.equal((await registry.best(series, 240, 'r2'))?.id, second.id, 'higher is better');
    assert.equal((await registry.best(series, 240, 'coverage80'))?.id, second.id, 'nearest to 80%');
    assert.equal(
      (await registry.best(series, 240, 'directionalAccuracy'))?.id,
      first.id,
      'versions without it are skipped',
    );
    assert.equal((await registry.best(series, 1440, 'mase'))?.id, otherHorizon.id);
    assert.deepEqual(
      (await registry.leaderboard(series, 240, 'mase')).map((version) => version.id),
      [second.id, first.id, third.id],
    );
    await assert.rejects(
      registry.best(series, 240, 'sharpe' as never),
      /metric "sharpe" cannot rank models; use one of mae, rmse/,
    );

    const promotedFirst = await registry.promote(first.id);
    assert.equal(promotedFirst.production.stage, 'production');
    assert.equal(promotedFirst.replaced, null);
    const promotedSecond = await registry.promote(second.id);
    assert.equal(promotedSecond.replaced?.id, first.id);
    assert.equal(promotedSecond.replaced?.stage, 'archived');
    assert.equal(
      (await registry.promote(second.id)).replaced,
      null,
      'promoting production again changes nothing',
    );
    await registry.promote(third.id);
    assert.equal((await registry.production(series, 240))?.id, third.id);
    assert.equal(await registry.production(series, 1440), null, 'other horizons are separate');
    assert.equal((await registry.get(second.id))?.stage, 'archived');
    assert.equal(
      (await registry.best(series, 240, 'mase'))?.id,
      third.id,
      'archived versions are not ranked by default',
    );
    assert.equal((await registry.best(series, 240, 'mase', { includeArchived: true }))?.id, second.id);

    const back = await registry.rollback(series, 240);
    assert.deepEqual([back.production.id, back.replaced?.id], [second.id, third.id]);
    const backAgain = await registry.rollback(series, 240);
    assert.deepEqual([backAgain.production.id, backAgain.replaced?.id], [first.id, second.id]);
    await assert.rejects(
      registry.rollback(series, 240),
      /version \d+ was the first production model; there is nothing to roll back to/,
    );
    await assert.rejects(
      registry.rollback({ ...series, symbol: 'XRP/USDT' }, 240),
      /has no production model to roll back/,
    );
    const history = await registry.promotions(series, 240);
    assert.deepEqual(
      history.map((entry) => [entry.action, entry.versionId, entry.previousVersionId]),
      [
        ['rollback', first.id, second.id],
        ['rollback', second.id, third.id],
        ['promote', third.id, second.id],
        ['promote', second.id, first.id],
        ['promote', first.id, null],
      ],
    );
    const production = await db.query<{ count: number }>(
      `SELECT count(*) AS count FROM model_versions WHERE symbol = 'ETH/USDT' AND horizon_minutes = 240 AND stage = 'production'`,
    );
    assert.equal(production[0]?.count, 1);
    await assert.rejects(
      db.query(`UPDATE model_versions SET stage = 'production' WHERE id = $1`, [third.id]),
      /model_versions_one_production/,
      'the store itself refuses two production versions',
    );
    await assert.rejects(registry.promote(999_999), /model version 999999 does not exist/);
  });

  test('promote if better: only when no worse than production on the metric', async () => {
    const series = { ...SERIES, symbol: 'SOL/USDT' };
    const first = await register({ mase: 0.97 }, { series });
    const decisionFirst = await registry.promoteIfBetter(first, 'mase');
    assert.equal(decisionFirst.promoted, true);
    assert.equal(decisionFirst.reason, 'no production version yet');
    const worse = await register({ mase: 0.99 }, { series });
    const decisionWorse = await registry.promoteIfBetter(worse, 'mase');
    assert.equal(decisionWorse.promoted, false);
    assert.match(decisionWorse.reason, /mase 0.99 is worse than production version \d+'s 0.97/);
    const better = await register({ mase: 0.9 }, { series });
    assert.equal((await registry.promoteIfBetter(better, 'mase')).promoted, true);
    assert.equal((await registry.production(series, 240))?.id, better.id);
    const none = await register({ rmse: 3 }, { series });
    assert.equal((await registry.promoteIfBetter(none, 'mase')).promoted, false);
  });

  test('without a production model, the error says how to get one', async () => {
    await assert.rejects(
      registry.requireProduction({ ...SERIES, symbol: 'ADA/USDT' }, 240),
      /binance:ADA\/USDT:1h has no production model for horizon 4h; train one \(runecast train --series binance:ADA\/USDT:1h --horizon 4h/,
    );
  });

  test('a point model that does not beat naive significantly is never production; naive is', async () => {
    const series = { ...SERIES, symbol: 'DOT/USDT' };
    const evaluation = { testFromMs: Date.UTC(2024, 0, 10), testToMs: Date.UTC(2024, 0, 17, 8) };
    const tie = await register(
      { mase: 0.98, dmStatistic: -0.4, dmPValue: 0.69 },
      { series, modelType: 'ridge', evaluation },
    );
    await assert.rejects(
      registry.promote(tie.id),
      /version \d+ \(ridge\) did not beat naive significantly on 2024-01-10 00:00 → 2024-01-17 08:00 UTC \(DM -0.40, p = 0.69\); only a model that beats naive/,
    );
    const untested = await register({ mase: 0.9 }, { series, modelType: 'ridge', evaluation });
    await assert.rejects(registry.promote(untested.id), /has no Diebold-Mariano test against naive/);

    // No production and no naive version: the decision says production must fall back to naive.
    const first = await registry.promoteIfBetter(tie, 'mase');
    assert.equal(first.promoted, false);
    assert.equal(first.needsNaiveFallback, true);
    assert.equal(
      first.notice,
      'no model beat naive on 2024-01-10 00:00 → 2024-01-17 08:00 UTC; showing naive',
    );
    assert.equal(await registry.production(series, 240), null);

    // With a naive version, it becomes production and the promotion record says why.
    const naive = await register(
      { mase: 1, dmStatistic: null, dmPValue: null },
      { series, modelType: 'naive-volatility' },
    );
    const fallback = await registry.promoteIfBetter(tie, 'mase');
    assert.equal(fallback.promoted, false);
    assert.equal(fallback.change?.production.id, naive.id);
    assert.match(
      fallback.reason,
      /did not beat naive significantly .*; no model beat naive on .*; showing naive/,
    );
    assert.equal((await registry.promotions(series, 240))[0]?.reason, first.notice);

    // A model that beats naive significantly replaces it; one that only ties it never does.
    const better = await register(
      { mase: 0.95, dmStatistic: -3.1, dmPValue: 0.002 },
      { series, modelType: 'ridge', evaluation },
    );
    assert.equal(
      (await registry.promoteBest(series, 240, 'mase')).production.id,
      better.id,
      'the untested version ranks first on MASE but may not be production',
    );
    const again = await registry.promoteIfBetter(tie, 'mase');
    assert.equal(again.promoted, false);
    assert.equal(again.notice, null, 'production beats naive, so nothing falls back');
    assert.equal((await registry.production(series, 240))?.id, better.id);
  });
});
