import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  apiJobSchema,
  backtestResultResponseSchema,
  forecastHistoryResponseSchema,
  latestForecastResponseSchema,
  leaderboardResponseSchema,
  modelDetailResponseSchema,
  modelListResponseSchema,
  stageChangeResponseSchema,
  type ApiJob,
} from '@runecast/contracts';
import type { Candle } from '@runecast/market';
import { generateSyntheticCandles } from '../../../src/features/synthetic-candles.ts';
import type { JobWorker } from '../../../src/jobs/job-worker.ts';
import type { JobRecord } from '../../../src/store/job.port.ts';
import { createApiHarness, type ApiHarness, type ApiHarnessOptions } from './api-harness.ts';
import { openEventStreamClient } from './event-stream-client.ts';

const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2024, 0, 1);
const SERIES = 'binance:BTC/USDT:1h';
const SERIES_QUERY = encodeURIComponent(SERIES);
const CANDLES = 600;
const TRAIN_RANGE = { fromMs: START_MS, toMs: START_MS + CANDLES * HOUR_MS };

type Json = Record<string, unknown>;

function hourlyCandles(count: number, seed: number, startTimeMs = START_MS): Candle[] {
  return generateSyntheticCandles({ count, seed, timeframe: '1h', startTimeMs, startPrice: 30_000 }).map(
    (candle) => ({ ...candle, exchange: 'binance', symbol: 'BTC/USDT' }),
  );
}

/** Writes candles and records them in the coverage ledger, as an import does. */
async function importCandles(harness: ApiHarness, candles: readonly Candle[]): Promise<void> {
  await harness.store.candles.upsertCandles(candles);
  await harness.store.coverage.markFetched(
    { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h' },
    { startMs: candles[0]!.openTimeMs, endMs: candles.at(-1)!.openTimeMs + HOUR_MS },
    candles.map((candle) => candle.openTimeMs),
  );
}

/** The error answer's code, and the field its message names first. */
function errorOf(body: string): { code: string; message: string } {
  const parsed = JSON.parse(body) as { error: { code: string; message: string } };
  return parsed.error;
}

/**
 * The forecast, model and job routes doing their job on one store engine: training through the
 * API with a real worker, the registry, promote and roll back, predictions and the ledger, job
 * progress streams, cancelling, the cache, metrics, and refusals of bad input.
 */
export function describeForecastingRoutes(
  name: string,
  createOptions: () => Promise<{ options: ApiHarnessOptions; cleanup: () => Promise<void> }>,
): void {
  describe(`forecasting API on ${name}`, { timeout: 120_000 }, () => {
    let harness: ApiHarness;
    let cleanup: () => Promise<void> = async () => undefined;
    let worker: JobWorker | null = null;
    let adminToken: string;
    let userToken: string;
    let port: number;
    let ridgeVersionId: number;
    let naiveVersionId: number;
    /** Naive with volatility-scaled bands: what may be production when ridge does not beat naive. */
    let volatilityVersionId: number;
    let trainJobId: string;

    before(async () => {
      const created = await createOptions();
      cleanup = created.cleanup;
      harness = await createApiHarness({
        ...created.options,
        forecastingApi: { jobPollIntervalMs: 100, metricsDebounceMs: 50 },
      });
      adminToken = await harness.adminToken();
      userToken = (await harness.createUser()).token;
      await importCandles(harness, hourlyCandles(CANDLES, 7));
      await harness.app.listen({ host: '127.0.0.1', port: 0 });
      port = (harness.app.server.address() as AddressInfo).port;
    });

    after(async () => {
      await worker?.stop();
      await harness?.close();
      await cleanup();
    });

    const call = (method: string, url: string, token: string | undefined, body?: unknown) =>
      harness.request({ method, url, token, body });
    const startWorker = () => {
      worker ??= harness.forecasting.createWorker({ pollIntervalMs: 50, concurrency: 2 });
      worker.start();
    };
    const stopWorker = async () => {
      await worker?.stop();
      worker = null;
    };
    const waitForJob = (id: string): Promise<JobRecord> =>
      harness.forecasting.queue.waitForJob(id, { pollIntervalMs: 50, signal: AbortSignal.timeout(60_000) });
    const startJob = async (url: string, body: unknown, token = userToken): Promise<ApiJob> => {
      const response = await call('POST', url, token, body);
      assert.equal(response.statusCode, 202, response.body);
      const job = apiJobSchema.parse(response.json());
      assert.equal(response.headers.location, `/api/v1/jobs/${job.id}`);
      return job;
    };

    test('train through the API: 202 with the job, progress streamed, a registered version', async () => {
      const all = await openEventStreamClient(
        port,
        `/api/v1/jobs/events?kind=train&ticket=${await harness.streamTicket(userToken)}`,
      );
      await all.waitFor((event) => event.event === 'ready');
      const job = await startJob('/api/v1/models/train', {
        series: SERIES,
        horizonMinutes: 240,
        modelType: 'ridge',
        ...TRAIN_RANGE,
      });
      assert.equal(job.state, 'queued');
      assert.equal(job.kind, 'train');
      trainJobId = job.id;

      // The job's own stream opens before any worker runs, so it sees the whole run.
      const stream = await openEventStreamClient(
        port,
        `/api/v1/jobs/${job.id}/events?ticket=${await harness.streamTicket(userToken)}`,
      );
      assert.equal(stream.statusCode, 200);
      const first = await stream.waitFor((event) => event.event === 'job');
      assert.equal(first.data.state, 'queued');
      startWorker();
      await stream.waitFor((event) => event.event === 'end', 60_000);
      await stream.ended;
      const progress = stream.events.filter((event) => event.event === 'progress');
      const percents = progress
        .map((event) => event.data.percent)
        .filter((value) => typeof value === 'number');
      assert.ok(new Set(percents).size >= 3, `progress percents ${JSON.stringify(percents)}`);
      assert.ok(progress.some((event) => event.data.state === 'running'));
      const last = stream.events.filter((event) => event.event === 'job').at(-1)!;
      assert.equal(last.data.state, 'succeeded', JSON.stringify(last.data.error));
      assert.equal((last.data.result as Json).modelType, 'ridge');
      ridgeVersionId = (last.data.result as Json).modelVersionId as number;

      await all.waitFor(
        (event) =>
          event.event === 'progress' && event.data.jobId === job.id && event.data.state === 'succeeded',
      );
      all.close();

      const fetched = await call('GET', `/api/v1/jobs/${job.id}`, userToken);
      assert.equal(fetched.statusCode, 200);
      const record = apiJobSchema.parse(fetched.json());
      assert.equal(record.progress.percent, 100);
      assert.deepEqual(record.lossHistory, []);
      assert.equal((record.result as Json).modelVersionId, ridgeVersionId);

      const naive = await startJob('/api/v1/models/train', {
        series: SERIES,
        horizonMinutes: 240,
        modelType: 'naive',
        ...TRAIN_RANGE,
      });
      const naiveDone = await waitForJob(naive.id);
      assert.equal(naiveDone.state, 'succeeded', naiveDone.error ?? '');
      naiveVersionId = (naiveDone.result as { modelVersionId: number }).modelVersionId;

      const scaled = await startJob('/api/v1/models/train', {
        series: SERIES,
        horizonMinutes: 240,
        modelType: 'naive-volatility',
        ...TRAIN_RANGE,
      });
      const scaledDone = await waitForJob(scaled.id);
      assert.equal(scaledDone.state, 'succeeded', scaledDone.error ?? '');
      volatilityVersionId = (scaledDone.result as { modelVersionId: number }).modelVersionId;
    });

    test('the registry: list with filters, one version with its evaluation, best, leaderboard', async () => {
      const list = modelListResponseSchema.parse(
        (await call('GET', `/api/v1/models?series=${SERIES_QUERY}&horizon=4h`, userToken)).json(),
      );
      assert.deepEqual(
        list.models.map((model) => model.id),
        [volatilityVersionId, naiveVersionId, ridgeVersionId],
      );
      assert.ok(list.models.every((model) => model.stage === 'candidate'));
      assert.ok(list.models[2]!.naiveMetrics !== null, 'naive’s metrics on the same origins');
      const ridgeOnly = (await call('GET', '/api/v1/models?modelType=ridge', userToken)).json() as Json;
      assert.deepEqual(
        (ridgeOnly.models as Json[]).map((model) => model.id),
        [ridgeVersionId],
      );
      const none = (await call('GET', '/api/v1/models?stage=production', userToken)).json() as Json;
      assert.deepEqual(none.models, []);

      const detail = await call('GET', `/api/v1/models/${ridgeVersionId}`, userToken);
      assert.equal(detail.statusCode, 200, detail.body);
      const parsed = modelDetailResponseSchema.parse(detail.json());
      for (const metric of ['mae', 'rmse', 'mape', 'mase', 'r2', 'coverage80', 'coverage95', 'pinball']) {
        assert.ok(metric in parsed.model.metrics, `metric ${metric}`);
      }
      assert.ok('forecasts' in parsed.model.evaluation, 'evaluation forecasts for charts');
      // The evidence charts read the same figures as the table: the strategy's last equity is its return.
      assert.ok(parsed.evidence !== null, 'evidence of the walk-forward');
      assert.ok(!('evidence' in parsed.model.evaluation), 'served once, parsed');
      assert.equal(parsed.evidence.origins, parsed.model.evaluation.origins);
      assert.ok(
        Math.abs(
          parsed.evidence.series.strategyEquity.at(-1)! -
            1 -
            (parsed.model.metrics.strategyTotalReturn as number),
        ) < 1e-9,
      );
      assert.equal(
        parsed.evidence.pitHistogram.reduce((sum, count) => sum + count, 0),
        parsed.evidence.origins,
      );
      assert.equal(parsed.naiveMetrics?.mase, 1);
      assert.equal(parsed.training.job?.id, trainJobId);
      assert.deepEqual(parsed.training.lossHistory, []);
      assert.equal(parsed.accuracy, null);
      // Before any scored forecast the bands are issued at their nominal coverage.
      assert.deepEqual(
        parsed.adaptiveBands.map((band) => [
          band.nominalCoverage,
          band.issuingCoverage,
          band.outcomes,
          band.liveCoverage,
        ]),
        [
          [0.8, 0.8, 0, null],
          [0.95, 0.95, 0, null],
        ],
      );
      // Permutation importance on the validation window: one entry per feature, most important first.
      assert.ok(parsed.featureImportance !== null, 'ridge reads feature rows');
      assert.deepEqual(
        parsed.featureImportance.features.map((entry) => entry.feature).sort(),
        [...parsed.model.featureNames].sort(),
      );
      assert.ok(parsed.featureImportance.rows > 0 && parsed.featureImportance.repeats === 5);
      assert.ok(parsed.featureImportance.validationFromMs >= (parsed.model.evaluation.testFromMs as number));
      // Ridge on a random walk: it does not beat naive significantly, and the detail says so.
      assert.equal(parsed.naiveGate.beatsNaive, false);
      assert.match(parsed.naiveGate.reason, /\(ridge\) did not beat naive significantly on /);
      for (const metric of [
        'intervalScore80',
        'intervalScore95',
        'crps',
        'intervalSkill80',
        'dmIntervalPValue80',
      ]) {
        assert.equal(typeof parsed.model.metrics[metric], 'number', `metric ${metric}`);
      }

      const best = await call(
        'GET',
        `/api/v1/models/best?series=${SERIES_QUERY}&horizon=240&metric=mae`,
        userToken,
      );
      assert.equal(best.statusCode, 200, best.body);
      const bestId = (best.json() as { model: { id: number } }).model.id;
      const maes = new Map(list.models.map((model) => [model.id, model.metrics.mae!]));
      assert.equal(maes.get(bestId), Math.min(...maes.values()));

      const board = leaderboardResponseSchema.parse(
        (
          await call(
            'GET',
            `/api/v1/models/leaderboard?series=${SERIES_QUERY}&horizon=4h&metric=rmse`,
            userToken,
          )
        ).json(),
      );
      assert.equal(board.entries.length, 3);
      assert.deepEqual(
        board.entries.map((entry) => entry.rank),
        [1, 2, 3],
      );
      assert.ok(board.entries[0]!.score! <= board.entries[1]!.score!);
      assert.ok(board.entries[1]!.score! <= board.entries[2]!.score!);
      assert.ok(board.entries.some((entry) => entry.model.modelType === 'naive'));
      assert.equal(board.notice, null, 'nothing is production yet');
    });

    test('promote and roll back: admin only, 409 when there is nothing to roll back to', async () => {
      const forbidden = await call('POST', `/api/v1/models/${ridgeVersionId}/promote`, userToken, {});
      assert.equal(forbidden.statusCode, 403);
      const forbiddenRollback = await call('POST', '/api/v1/models/rollback', userToken, {
        series: SERIES,
        horizonMinutes: 240,
      });
      assert.equal(forbiddenRollback.statusCode, 403);

      const nothing = await call('POST', '/api/v1/models/rollback', adminToken, {
        series: SERIES,
        horizonMinutes: 240,
      });
      assert.equal(nothing.statusCode, 409, nothing.body);
      assert.equal(errorOf(nothing.body).code, 'conflict');

      const first = await call('POST', `/api/v1/models/${naiveVersionId}/promote`, adminToken, {
        reason: 'baseline',
      });
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(stageChangeResponseSchema.parse(first.json()).replaced, null);
      // A point model that does not beat naive significantly is never production.
      const refused = await call('POST', `/api/v1/models/${ridgeVersionId}/promote`, adminToken);
      assert.ok(refused.statusCode === 400 || refused.statusCode === 422, refused.body);
      assert.match(errorOf(refused.body).message, /did not beat naive significantly/);
      const second = stageChangeResponseSchema.parse(
        (await call('POST', `/api/v1/models/${volatilityVersionId}/promote`, adminToken)).json(),
      );
      assert.equal(second.production.id, volatilityVersionId);
      assert.equal(second.replaced?.id, naiveVersionId);
      assert.equal(second.replaced?.stage, 'archived');

      // Naive stays on the board after being archived; the board says why production is naive.
      const board = leaderboardResponseSchema.parse(
        (await call('GET', `/api/v1/models/leaderboard?series=${SERIES_QUERY}&horizon=4h`, userToken)).json(),
      );
      assert.ok(board.entries.some((entry) => entry.model.id === naiveVersionId));
      assert.match(
        board.notice ?? '',
        /^no model beat naive on \d{4}-\d\d-\d\d \d\d:\d\d → .* UTC; showing naive$/,
      );
      const ridgeEntry = board.entries.find((entry) => entry.model.id === ridgeVersionId)!;
      assert.equal(ridgeEntry.naiveGate.beatsNaive, false);

      const rolledBack = stageChangeResponseSchema.parse(
        (
          await call('POST', '/api/v1/models/rollback', adminToken, { series: SERIES, horizonMinutes: 240 })
        ).json(),
      );
      assert.equal(rolledBack.production.id, naiveVersionId);
      assert.equal(rolledBack.replaced?.id, volatilityVersionId);
      const again = await call('POST', '/api/v1/models/rollback', adminToken, {
        series: SERIES,
        horizonMinutes: 240,
      });
      assert.equal(again.statusCode, 409);

      const detail = modelDetailResponseSchema.parse(
        (await call('GET', `/api/v1/models/${naiveVersionId}`, userToken)).json(),
      );
      assert.deepEqual(
        detail.promotions.map((entry) => entry.action),
        ['rollback', 'promote', 'promote'],
      );
      const audit = (await call('GET', '/api/v1/admin/audit-log?limit=20', adminToken)).json() as {
        entries: { action: string }[];
      };
      assert.ok(audit.entries.some((entry) => entry.action === 'model.rollback'));
      assert.ok(audit.entries.some((entry) => entry.action === 'model.promote'));

      // Naive with volatility-scaled bands is production again for what follows.
      await call('POST', `/api/v1/models/${volatilityVersionId}/promote`, adminToken);
    });

    test('predict, then the latest forecast (cached, dropped by the next forecast), the live stream and history with scores', async () => {
      const live = await openEventStreamClient(
        port,
        `/api/v1/stream?series=${SERIES_QUERY}&book=false&candles=false&ticket=${await harness.streamTicket(userToken)}`,
      );
      await live.waitFor((event) => event.event === 'ready');
      const empty = latestForecastResponseSchema.parse(
        (await call('GET', `/api/v1/forecasts/latest?series=${SERIES_QUERY}&horizon=4h`, userToken)).json(),
      );
      assert.deepEqual(empty.forecasts, []);

      const predict = await startJob('/api/v1/models/predict', { series: SERIES, horizonMinutes: 240 });
      // The job row can say which market and model: the production version is named in the job.
      const predictPayload = predict.payload as Record<string, unknown>;
      assert.equal(predictPayload.modelVersionId, volatilityVersionId);
      assert.equal(predictPayload.series, SERIES);
      assert.equal(typeof predictPayload.modelType, 'string');
      const done = await waitForJob(predict.id);
      assert.equal(done.state, 'succeeded', done.error ?? '');
      const madeId = (done.result as { forecast: { id: number } }).forecast.id;
      const pushed = await live.waitFor((event) => event.event === 'forecast');
      assert.equal(pushed.data.id, madeId);
      live.close();

      const hitsBefore = await cacheHits();
      const latest = latestForecastResponseSchema.parse(
        (await call('GET', `/api/v1/forecasts/latest?series=${SERIES_QUERY}&horizon=4h`, userToken)).json(),
      );
      assert.equal(latest.forecasts.length, 1);
      const forecast = latest.forecasts[0]!;
      assert.equal(forecast.id, madeId);
      assert.equal(forecast.modelVersionId, volatilityVersionId);
      assert.ok(forecast.lower95 <= forecast.lower80 && forecast.lower80 <= forecast.point);
      assert.ok(forecast.point <= forecast.upper80 && forecast.upper80 <= forecast.upper95);
      assert.equal(forecast.inputEndMs, START_MS + (CANDLES - 1) * HOUR_MS);
      assert.equal(forecast.targetTimeMs, START_MS + (CANDLES + 4) * HOUR_MS);
      const again = await call(
        'GET',
        `/api/v1/forecasts/latest?series=${SERIES_QUERY}&horizon=4h`,
        userToken,
      );
      assert.equal(again.json().forecasts[0].id, madeId);
      assert.ok((await cacheHits()) > hitsBefore, 'the second read is a cache hit');
      const everyHorizon = latestForecastResponseSchema.parse(
        (await call('GET', `/api/v1/forecasts/latest?series=${SERIES_QUERY}`, userToken)).json(),
      );
      assert.deepEqual(
        everyHorizon.forecasts.map((item) => item.id),
        [madeId],
      );

      // A forecast by another version replaces the cached answer at once.
      const byNaive = await startJob('/api/v1/models/predict', { modelVersionId: naiveVersionId });
      assert.deepEqual(
        [
          (byNaive.payload as { series: string }).series,
          (byNaive.payload as { horizonMinutes: number }).horizonMinutes,
        ],
        [SERIES, 240],
      );
      const naiveDone = await waitForJob(byNaive.id);
      assert.equal(naiveDone.state, 'succeeded', naiveDone.error ?? '');
      const naiveForecastId = (naiveDone.result as { forecast: { id: number } }).forecast.id;
      await waitUntil(async () => {
        const response = await call(
          'GET',
          `/api/v1/forecasts/latest?series=${SERIES_QUERY}&horizon=4h`,
          userToken,
        );
        return response.json().forecasts[0].id === naiveForecastId;
      });

      // The target candles arrive; the scheduler scores both forecasts against them and naive.
      await importCandles(harness, hourlyCandles(CANDLES + 10, 7).slice(CANDLES));
      const tick = await harness.forecasting.createScheduler({ tracked: () => [] }).tick();
      const scoring = await waitForJob(tick.scoreJobId!);
      assert.equal(scoring.state, 'succeeded', scoring.error ?? '');
      assert.equal((scoring.result as { scored: number }).scored, 2);
      const history = forecastHistoryResponseSchema.parse(
        (
          await call(
            'GET',
            `/api/v1/forecasts?series=${SERIES_QUERY}&horizon=4h&scored=true&limit=10`,
            userToken,
          )
        ).json(),
      );
      assert.equal(history.forecasts.length, 2);
      for (const row of history.forecasts) {
        assert.equal(typeof row.actualClose, 'number');
        assert.ok(Math.abs(row.error! - (row.point - row.actualClose!)) < 1e-6);
        assert.ok(Math.abs(row.naiveError! - (row.lastClose - row.actualClose!)) < 1e-6);
      }
      assert.equal(history.summary.scored, 2);
      assert.ok(history.summary.naiveMae! > 0);
      const limited = (
        await call('GET', `/api/v1/forecasts?series=${SERIES_QUERY}&limit=1`, userToken)
      ).json();
      assert.equal(limited.forecasts.length, 1);
      const byVersion = (
        await call('GET', `/api/v1/forecasts?modelVersionId=${volatilityVersionId}`, userToken)
      ).json();
      assert.deepEqual(
        byVersion.forecasts.map((row: Json) => row.id),
        [madeId],
      );

      const accuracy = (
        await call('GET', `/api/v1/forecasts/accuracy?series=${SERIES_QUERY}`, userToken)
      ).json() as {
        accuracy: { modelVersionId: number; scored: number; relativeMae: number | null }[];
      };
      assert.deepEqual(
        accuracy.accuracy.map((entry) => [entry.modelVersionId, entry.scored]).sort(),
        [
          [volatilityVersionId, 1],
          [naiveVersionId, 1],
        ].sort(),
      );
      const naiveAccuracy = accuracy.accuracy.find((entry) => entry.modelVersionId === naiveVersionId)!;
      assert.equal(naiveAccuracy.relativeMae, 1, 'naive is naive on its own forecasts');
    });

    test('backtest through the API and its result; jobs list with filters', async () => {
      const job = await startJob('/api/v1/models/backtest', {
        series: SERIES,
        horizonMinutes: 240,
        fromMs: START_MS + 400 * HOUR_MS,
        toMs: START_MS + CANDLES * HOUR_MS,
        models: [{ modelType: 'drift' }, { modelType: 'drift', volatility: { modelType: 'ewma' } }],
      });
      const done = await waitForJob(job.id);
      assert.equal(done.state, 'succeeded', done.error ?? '');
      const response = await call('GET', `/api/v1/models/backtests/${job.id}`, userToken);
      assert.equal(response.statusCode, 200, response.body);
      const parsed = backtestResultResponseSchema.parse(response.json());
      assert.deepEqual(
        parsed.result?.results.map((row) => row.model),
        ['naive', 'drift', 'drift+ewma'],
      );
      assert.equal(parsed.result?.results[0]!.metrics.mase, 1);
      assert.equal(parsed.result?.results[0]!.metrics.intervalSkill80, 0, 'naive is the interval reference');
      assert.deepEqual(parsed.result?.results[2]!.volatility, {
        modelType: 'ewma',
        params: { lambda: 0.94, lookbackSteps: 250 },
      });
      for (const row of parsed.result?.results ?? []) {
        assert.ok((row.metrics.intervalScore80 ?? 0) > 0 && (row.metrics.crps ?? 0) > 0, row.model);
        assert.equal(row.evidence?.origins, parsed.result?.origins, `${row.model} evidence`);
        assert.ok(
          Math.abs(row.evidence!.series.buyAndHoldEquity.at(-1)! - 1 - row.metrics.buyAndHoldReturn!) < 1e-9,
        );
      }
      const scaled = parsed.result?.results[2]!.metrics;
      assert.ok(scaled?.dmIntervalPValue80 !== null && scaled!.dmIntervalPValue80! >= 0);
      const notBacktest = await call('GET', `/api/v1/models/backtests/${trainJobId}`, userToken);
      assert.equal(notBacktest.statusCode, 404);
      assert.match(errorOf(notBacktest.body).message, /params\.jobId/);

      const trains = (await call('GET', '/api/v1/jobs?kind=train&state=succeeded', userToken)).json() as {
        jobs: { kind: string; state: string }[];
      };
      assert.equal(trains.jobs.length, 3);
      assert.ok(trains.jobs.every((item) => item.kind === 'train' && item.state === 'succeeded'));
      const page = (await call('GET', '/api/v1/jobs?limit=2', userToken)).json() as {
        jobs: { id: string; createdAtMs: number }[];
        nextBeforeMs: number | null;
      };
      assert.equal(page.jobs.length, 2);
      assert.equal(page.nextBeforeMs, page.jobs[1]!.createdAtMs);
    });

    test('cancel: a queued job at once, a running one at its next report, a finished one is a 409', async () => {
      await stopWorker();
      const queued = await startJob('/api/v1/models/train', {
        series: SERIES,
        horizonMinutes: 240,
        modelType: 'ridge',
        ...TRAIN_RANGE,
      });
      const cancelled = await call('POST', `/api/v1/jobs/${queued.id}/cancel`, userToken);
      assert.equal(cancelled.statusCode, 200, cancelled.body);
      assert.equal(cancelled.json().state, 'cancelled');
      const twice = await call('POST', `/api/v1/jobs/${queued.id}/cancel`, userToken);
      assert.equal(twice.statusCode, 409);
      assert.match(errorOf(twice.body).message, /already been cancelled/);

      const slow = await startJob('/api/v1/models/tune', {
        series: SERIES,
        horizonMinutes: 240,
        modelType: 'ridge',
        ...TRAIN_RANGE,
        trials: 200,
      });
      const stream = await openEventStreamClient(
        port,
        `/api/v1/jobs/${slow.id}/events?ticket=${await harness.streamTicket(userToken)}`,
      );
      startWorker();
      await stream.waitFor((event) => event.event === 'progress' && event.data.state === 'running', 30_000);
      const asked = await call('POST', `/api/v1/jobs/${slow.id}/cancel`, userToken);
      assert.equal(asked.statusCode, 200, asked.body);
      const end = await stream.waitFor((event) => event.event === 'end', 30_000);
      assert.equal(end.data.state, 'cancelled');
      assert.equal((await harness.forecasting.queue.require(slow.id)).state, 'cancelled');
    });

    test('/metrics counts forecasts and finished jobs and scores the production model', async () => {
      await waitUntil(async () =>
        /runecast_model_score\{[^}]*model="naive-volatility"/.test(await metricsText()),
      );
      const text = await metricsText();
      assert.match(
        text,
        /runecast_forecasts_total\{series="binance:BTC\/USDT:1h",horizon="4h",model="naive-volatility"\} 1/,
      );
      assert.match(text, /runecast_jobs_finished_total\{type="train",state="succeeded"\} 3/);
      assert.match(text, /runecast_jobs_finished_total\{type="tune",state="cancelled"\} 1/);
      assert.match(text, /runecast_job_duration_seconds_count\{type="train"\} 3/);
      assert.match(
        text,
        /runecast_model_score\{series="binance:BTC\/USDT:1h",horizon="4h",model="naive-volatility",metric="mase"\}/,
      );
      assert.match(text, /runecast_jobs\{type="train",state="queued"\} 0/);
    });

    test('bad input answers 400, 404, 409 or 422 naming the field', async () => {
      const train = (body: Json) => call('POST', '/api/v1/models/train', userToken, body);
      const valid = { series: SERIES, horizonMinutes: 240, modelType: 'ridge', ...TRAIN_RANGE };
      const cases: {
        response: Promise<{ statusCode: number; body: string }>;
        status: number;
        field: RegExp;
      }[] = [
        {
          response: train({ ...valid, horizonMinutes: 90 }),
          status: 422,
          field: /^body\.horizonMinutes: .*try 1h or 2h/,
        },
        {
          response: train({ ...valid, walkForward: { adaptiveConformalGamma: 1.5 } }),
          status: 400,
          field: /^body\.walkForward\.adaptiveConformalGamma: /,
        },
        {
          response: train({ ...valid, series: 'binance:ETH/USDT:1h' }),
          status: 422,
          field: /^body\.series: unknown series/,
        },
        {
          response: train({ ...valid, modelType: 'crystal-ball' }),
          status: 422,
          field: /^body\.modelType: /,
        },
        { response: train({ ...valid, params: { lambda: -1 } }), status: 422, field: /^body\.params: / },
        { response: train({ ...valid, modelType: undefined }), status: 400, field: /^body\.modelType/ },
        { response: train({ ...valid, toMs: valid.fromMs }), status: 400, field: /^body\.toMs/ },
        { response: train({ ...valid, surprise: 1 }), status: 400, field: /^body/ },
        {
          response: call('POST', '/api/v1/models/backtest', userToken, {
            ...TRAIN_RANGE,
            series: SERIES,
            horizonMinutes: 240,
            models: [{ modelType: 'ridge' }, { modelType: 'ridge' }],
          }),
          status: 422,
          field: /^body\.models\.1\.modelType: /,
        },
        {
          response: call('POST', '/api/v1/models/predict', userToken, { modelVersionId: 999_999 }),
          status: 404,
          field: /^body\.modelVersionId: /,
        },
        {
          response: call('POST', '/api/v1/models/predict', userToken, { series: SERIES, horizonMinutes: 60 }),
          status: 404,
          field: /^body\.series: .*no production model/,
        },
        {
          response: call('GET', '/api/v1/models/999999', userToken),
          status: 404,
          field: /^params\.versionId: /,
        },
        { response: call('GET', '/api/v1/models/abc', userToken), status: 400, field: /^params\.versionId/ },
        { response: call('GET', '/api/v1/jobs/not-a-job', userToken), status: 400, field: /^params\.jobId/ },
        {
          response: call('GET', '/api/v1/jobs/00000000-0000-4000-8000-000000000000', userToken),
          status: 404,
          field: /^params\.jobId: /,
        },
        {
          response: call('POST', '/api/v1/jobs/00000000-0000-4000-8000-000000000000/cancel', userToken),
          status: 404,
          field: /^params\.jobId: /,
        },
        {
          response: call('GET', '/api/v1/jobs?state=sleeping', userToken),
          status: 400,
          field: /^query\.state/,
        },
        {
          response: call('GET', `/api/v1/forecasts/latest?series=${SERIES_QUERY}&horizon=90m`, userToken),
          status: 422,
          field: /^query\.horizon: /,
        },
        {
          response: call('GET', `/api/v1/forecasts/latest?series=${SERIES_QUERY}&horizon=soon`, userToken),
          status: 400,
          field: /^query\.horizon/,
        },
        {
          response: call('GET', `/api/v1/forecasts?from=2024-02-01&to=2024-01-01`, userToken),
          status: 400,
          field: /^query\.from/,
        },
        {
          response: call('GET', `/api/v1/models/best?series=${SERIES_QUERY}&horizon=8h`, userToken),
          status: 404,
          field: /no model version/,
        },
        {
          response: call(
            'GET',
            `/api/v1/models/leaderboard?series=${SERIES_QUERY}&horizon=4h&metric=vibes`,
            userToken,
          ),
          status: 400,
          field: /^query\.metric/,
        },
        {
          response: call('POST', '/api/v1/forecasts/on-demand', userToken, {
            exchange: 'binance',
            symbol: 'DOGE/USDT',
            timeframe: '1h',
            horizonMinutes: 240,
          }),
          status: 422,
          field: /^body\.symbol: binance does not list DOGE\/USDT/,
        },
        {
          response: call('POST', '/api/v1/forecasts/on-demand', userToken, {
            exchange: 'nowhere',
            symbol: 'BTC/USDT',
            timeframe: '1h',
            horizonMinutes: 240,
          }),
          status: 422,
          field: /^body\.exchange: /,
        },
        {
          response: call('POST', '/api/v1/forecasts/on-demand', userToken, {
            exchange: 'binance',
            symbol: 'BTC/USDT',
            timeframe: '1h',
            horizonMinutes: 30,
          }),
          status: 422,
          field: /^body\.horizonMinutes: /,
        },
      ];
      for (const [index, item] of cases.entries()) {
        const response = await item.response;
        assert.equal(response.statusCode, item.status, `case ${index}: ${response.body}`);
        assert.match(errorOf(response.body).message, item.field, `case ${index}`);
      }
    });

    async function cacheHits(): Promise<number> {
      const match = /runecast_cache_hits_total\{cache="forecasts"\} (\d+)/.exec(await metricsText());
      return match ? Number(match[1]) : 0;
    }

    async function metricsText(): Promise<string> {
      return (await call('GET', '/metrics', undefined)).body;
    }
  });
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
