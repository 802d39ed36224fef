import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  forecastAccuracySchema,
  forecastJobKinds,
  forecastRecordSchema,
  type ForecastMadeMessage,
  type ForecastScoredMessage,
  type ScoreJobResult,
} from '@runecast/contracts';
import { createBus } from '../src/bus/create-bus.ts';
import type { Bus } from '../src/bus/bus.port.ts';
import { topicPattern } from '../src/bus/topics.ts';
import type { Candle } from '@runecast/market';
import { scoreDueForecasts } from '../src/forecasting/forecast-scoring.ts';
import { createForecastingRuntime, type ForecastingRuntime } from '../src/forecasting/forecasting-runtime.ts';
import type { NewForecast } from '../src/store/forecast.port.ts';
import type { Database } from '../src/store/database.port.ts';
import type { Store } from '../src/store/store.ts';
import { openStoreWithDatabase } from '../src/store/testing/store-with-database.ts';
import { fittedArtifact, marketCandles, storeCandles } from './forecast.fixtures.ts';

const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2024, 2, 1);
const SERIES = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1h' as const };
const at = (hour: number): number => START_MS + hour * HOUR_MS;

function candle(hour: number, close: number): Candle {
  return {
    ...SERIES,
    openTimeMs: at(hour),
    open: close,
    high: close + 1,
    low: close - 1,
    close,
    volume: 1,
    quoteVolume: null,
    tradeCount: null,
    closed: true,
  };
}

describe('forecast ledger and scheduler', () => {
  let store: Store;
  let db: Database;
  let bus: Bus;
  let runtime: ForecastingRuntime;
  let versionId: number;

  before(async () => {
    ({ store, db } = await openStoreWithDatabase());
    bus = await createBus();
    runtime = createForecastingRuntime({ store, bus });
    const history = marketCandles({ symbol: 'LTC/USDT', count: 300, seed: 9, startTimeMs: at(-300) });
    const { artifact } = await fittedArtifact(history, 120);
    const version = await runtime.registry.register({
      modelType: 'naive',
      series: SERIES,
      horizonMinutes: 120,
      params: {},
      featureNames: [],
      trainingStartMs: history[0]!.openTimeMs,
      trainingEndMs: history.at(-1)!.openTimeMs,
      trainingCandles: history.length,
      dataFingerprint: '0'.repeat(64),
      metrics: { mase: 1 },
      artifact,
    });
    versionId = version.id;
  });
  after(async () => {
    await bus?.close();
    await store?.close();
  });

  function forecastFrom(originHour: number, lastClose: number, bands: number[]): NewForecast {
    const [lower95, lower80, point, upper80, upper95] = bands as [number, number, number, number, number];
    return {
      series: SERIES,
      horizonMinutes: 120,
      modelVersionId: versionId,
      modelType: 'naive',
      madeAtMs: at(originHour + 1) + 5_000,
      inputStartMs: at(originHour - 100),
      inputEndMs: at(originHour),
      issuedAtMs: at(originHour + 1),
      targetTimeMs: at(originHour + 3),
      lastClose,
      point,
      lower80,
      upper80,
      lower95,
      upper95,
    };
  }

  test('scores forecasts against the actual close and naive, with hand-checked figures', async () => {
    const ledger = runtime.forecasting.forecasts;
    // Closes: hour 3 → 100, hour 4 → 102, hour 5 → 105, hour 6 → 100.
    await store.candles.upsertCandles([candle(3, 100), candle(4, 102), candle(5, 105), candle(6, 100)]);
    // A: from the close of hour 3 (100), 2h ahead: the close of hour 5 (105). Point 103, 80% [101, 104], 95% [99, 106].
    const a = await ledger.insertForecast(forecastFrom(3, 100, [99, 101, 103, 104, 106]));
    // B: from the close of hour 4 (102) to the close of hour 6 (100). Point 101, 80% [100.5, 101.5], 95% [99, 103].
    const b = await ledger.insertForecast(forecastFrom(4, 102, [99, 100.5, 101, 101.5, 103]));
    // C: target (close of hour 8) not stored yet. D: target time still in the future.
    const c = await ledger.insertForecast(forecastFrom(6, 100, [95, 98, 100, 102, 105]));
    const d = await ledger.insertForecast(forecastFrom(20, 100, [95, 98, 100, 102, 105]));
    assert.equal(a.created, true);
    const again = await ledger.insertForecast(forecastFrom(3, 100, [1, 2, 3, 4, 5]));
    assert.equal(again.created, false, 'one forecast per version and origin candle');
    assert.equal(again.forecast.id, a.forecast.id);
    assert.equal(again.forecast.point, 103);
    await assert.rejects(
      ledger.insertForecast(forecastFrom(30, 100, [99, 101, 103, 100, 106])),
      /bands must nest/,
    );

    const sweep = await scoreDueForecasts({ candles: store.candles, forecasts: ledger }, { nowMs: at(12) });
    assert.deepEqual(
      sweep.scored.map((forecast) => forecast.id).sort(),
      [a.forecast.id, b.forecast.id].sort(),
    );
    assert.equal(sweep.waiting, 1, 'C waits for its candle; D is not due');
    const scoredA = (await ledger.getForecast(a.forecast.id))!;
    assert.equal(scoredA.actualClose, 105);
    assert.equal(scoredA.error, -2);
    assert.equal(scoredA.naiveError, -5);
    assert.equal(scoredA.hit80, false);
    assert.equal(scoredA.hit95, true);
    assert.equal(scoredA.scoredAtMs, at(12));
    const scoredB = (await ledger.getForecast(b.forecast.id))!;
    assert.deepEqual(
      [scoredB.actualClose, scoredB.error, scoredB.naiveError, scoredB.hit80, scoredB.hit95],
      [100, 1, 2, false, true],
    );
    assert.equal((await ledger.getForecast(c.forecast.id))?.scoredAtMs, null);
    assert.equal((await ledger.getForecast(d.forecast.id))?.scoredAtMs, null);
    const { seriesKey: _seriesKey, ...record } = scoredA;
    assert.equal(forecastRecordSchema.safeParse(record).success, true);

    // Scoring is once only, whatever the candle says later.
    await store.candles.upsertCandles([candle(5, 110)]);
    const second = await scoreDueForecasts({ candles: store.candles, forecasts: ledger }, { nowMs: at(13) });
    assert.equal(second.scored.length, 0);
    assert.equal((await ledger.getForecast(a.forecast.id))?.actualClose, 105);

    // MAE (2 + 1) / 2 = 1.5; RMSE √((4 + 1) / 2); naive MAE (5 + 2) / 2 = 3.5; both calls right.
    const [accuracy] = await ledger.accuracy({ modelVersionId: versionId });
    assert.equal(accuracy?.scored, 2);
    assert.equal(accuracy?.mae, 1.5);
    assert.equal(accuracy?.rmse, Math.sqrt(2.5));
    assert.equal(accuracy?.naiveMae, 3.5);
    assert.ok(Math.abs(accuracy!.relativeMae! - 1.5 / 3.5) < 1e-12);
    assert.equal(accuracy?.coverage80, 0);
    assert.equal(accuracy?.coverage95, 1);
    // Interval scores: A's 80% band [101, 104] misses 105 by 1 → 3 + 10 = 13, B's [100.5, 101.5]
    // misses 100 by ½ → 1 + 5 = 6: mean 9.5. Both 95% bands hold: widths 7 and 4, mean 5.5.
    assert.equal(accuracy?.intervalScore80, 9.5);
    assert.equal(accuracy?.intervalScore95, 5.5);
    assert.equal(accuracy?.directionalAccuracy, 1);
    assert.equal(accuracy?.series, 'binance:LTC/USDT:1h');
    assert.equal(forecastAccuracySchema.safeParse(accuracy).success, true);
    const recent = await ledger.recentAccuracy(versionId, 1);
    assert.equal(recent?.scored, 1);
    assert.equal(recent?.mae, 1, 'the most recent scored forecast is B');
    const windowed = await ledger.accuracy({ series: SERIES, sinceTargetMs: at(7) });
    assert.equal(windowed[0]?.scored, 1);
    const view = await db.query<{ scored: number; mae: number; naive_mae: number }>(
      'SELECT scored, mae, naive_mae FROM forecast_accuracy WHERE model_version_id = $1',
      [versionId],
    );
    assert.deepEqual(view, [{ scored: 2, mae: 1.5, naive_mae: 3.5 }]);
    await db.query('DELETE FROM forecasts');
    await db.query(`DELETE FROM candles WHERE symbol = 'LTC/USDT'`);
  });

  test('a tick queues one score job at a time and a worker scores the due forecasts with it', async () => {
    const ledger = runtime.forecasting.forecasts;
    await store.candles.upsertCandles([candle(3, 100), candle(4, 102), candle(5, 105)]);
    // Due (target: the close of hour 5), and not due (target: the close of hour 8, not stored).
    const due = await ledger.insertForecast(forecastFrom(3, 100, [99, 101, 103, 104, 106]));
    const waiting = await ledger.insertForecast(forecastFrom(6, 105, [95, 98, 100, 102, 105]));
    const scheduler = runtime.createScheduler({ tracked: () => [] });
    const first = await scheduler.tick();
    const second = await scheduler.tick();
    assert.equal(first.leader, true);
    assert.ok(first.scoreJobId !== null);
    assert.equal(second.scoreJobId, first.scoreJobId, 'no second score job while one is queued');
    const pending = await runtime.queue.list({ kinds: ['score'], states: ['queued', 'running'] });
    assert.deepEqual(
      pending.map((job) => job.id),
      [first.scoreJobId],
    );
    assert.equal((await ledger.getForecast(due.forecast.id))?.actualClose, null, 'the tick scores nothing');

    assert.deepEqual(
      forecastJobKinds.filter((kind) => !runtime.queue.knownKinds().includes(kind)),
      [],
      'a worker runs every kind the contracts list, score included',
    );
    const announced: ForecastScoredMessage[] = [];
    const announcements = await bus.subscribe<ForecastScoredMessage>(
      topicPattern('forecastsScored'),
      (message) => {
        announced.push(message.data);
      },
    );
    const worker = runtime.createWorker({ kinds: ['score'] });
    const ran = await worker.runNext();
    assert.equal(ran?.id, first.scoreJobId);
    assert.equal(ran?.state, 'succeeded', ran?.error ?? '');
    assert.deepEqual(ran?.result, { scored: 1, waitingForCandles: 1 });
    const scored = (await ledger.getForecast(due.forecast.id))!;
    assert.equal(scored.actualClose, 105);
    assert.equal(scored.error, 103 - 105);
    assert.equal(scored.naiveError, 100 - 105);
    assert.equal((await ledger.getForecast(waiting.forecast.id))?.actualClose, null);
    await bus.flush();
    await announcements.unsubscribe();
    // The sweep announces the version's recent accuracy, for rules on models behind naive.
    assert.deepEqual(
      announced.map((message) => [message.modelVersionId, message.scored, message.relativeMae]),
      [[due.forecast.modelVersionId, 1, 2 / 5]],
    );

    const third = await scheduler.tick();
    assert.ok(
      third.scoreJobId !== null && third.scoreJobId !== first.scoreJobId,
      'the next tick queues a new one',
    );
    assert.deepEqual((await worker.runNext())?.result, { scored: 0, waitingForCandles: 1 });
    await scheduler.stop();
    await worker.stop();
    await db.query('DELETE FROM forecasts');
    await db.query(`DELETE FROM candles WHERE symbol = 'LTC/USDT'`);
  });

  test('the scheduler forecasts with the production model, publishes it, and scores it later', async () => {
    await storeCandles(
      store,
      marketCandles({ symbol: 'LTC/USDT', count: 300, seed: 9, startTimeMs: at(-300) }),
    );
    await runtime.registry.promote(versionId);
    const published: ForecastMadeMessage[] = [];
    await bus.subscribe<ForecastMadeMessage>(topicPattern('forecasts'), (message) => {
      published.push(message.data);
    });
    let nowMs = at(0) + 60_000;
    const worker = runtime.createWorker();
    const scheduler = runtime.createScheduler({
      inlineWorker: worker,
      now: () => nowMs,
      retrainCron: '0 3 * * *',
      tracked: () => [
        { series: SERIES, horizonsMinutes: [120, 240] },
        { series: { ...SERIES, symbol: 'XRP/USDT' }, horizonsMinutes: [120] },
      ],
    });
    const first = await scheduler.tick();
    assert.equal(first.leader, true);
    assert.equal(first.predictJobIds.length, 1);
    assert.deepEqual(first.withoutModel, ['binance:LTC/USDT:1h@240', 'binance:XRP/USDT:1h@120']);
    assert.deepEqual(first.retrainJobIds, [], 'the retrain schedule starts counting at the first tick');
    const predictJob = await runtime.queue.require(first.predictJobIds[0]!);
    assert.equal(predictJob.state, 'succeeded');
    const [made] = await runtime.forecasting.forecasts.listForecasts({ series: SERIES });
    assert.equal(made?.modelVersionId, versionId);
    assert.equal(made?.inputEndMs, at(-1), 'from the last closed candle');
    assert.equal(made?.targetTimeMs, at(2));
    assert.equal(made?.point, made?.lastClose, 'naive forecasts the last close');
    await bus.flush();
    assert.equal(published.length, 1);
    assert.equal(published[0]?.id, made?.id);

    // Nothing new to forecast from: the same candle yields the same ledger entry, not a second one.
    const second = await scheduler.tick();
    assert.equal(second.predictJobIds.length, 1);
    assert.equal((await runtime.forecasting.forecasts.listForecasts({ series: SERIES })).length, 1);

    // Time passes, candles arrive, the forecast is scored; the retrain schedule comes due.
    await store.candles.upsertCandles([candle(0, 50), candle(1, 52)]);
    nowMs = at(4);
    const third = await scheduler.tick();
    const scoreJob = await runtime.queue.require(third.scoreJobId!);
    assert.equal(scoreJob.kind, 'score');
    assert.equal(scoreJob.state, 'succeeded', 'the inline worker ran the score job');
    assert.equal((scoreJob.result as ScoreJobResult).scored, 1);
    assert.equal(third.retrainJobIds.length, 1);
    const scored = (await runtime.forecasting.forecasts.getForecast(made!.id))!;
    assert.equal(scored.actualClose, 52);
    assert.equal(scored.naiveError, scored.lastClose - 52);
    assert.equal(scored.error, scored.point - 52);
    const retrain = await runtime.queue.require(third.retrainJobIds[0]!);
    assert.equal(retrain.kind, 'train');
    assert.equal(retrain.state, 'queued');
    assert.deepEqual(
      {
        series: (retrain.payload as Record<string, unknown>).series,
        modelType: (retrain.payload as Record<string, unknown>).modelType,
        promote: (retrain.payload as Record<string, unknown>).promote,
        toMs: (retrain.payload as Record<string, unknown>).toMs,
      },
      { series: 'binance:LTC/USDT:1h', modelType: 'naive', promote: 'if-better', toMs: at(4) },
    );
    const fourth = await scheduler.tick();
    assert.deepEqual(fourth.retrainJobIds, [], 'once per schedule occurrence');
    await scheduler.stop();
    await worker.stop();
  });
});
