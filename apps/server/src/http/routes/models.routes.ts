import {
  apiJobSchema,
  backtestJobPayloadSchema,
  backtestResultResponseSchema,
  bestModelQuerySchema,
  bestModelResponseSchema,
  jobParamsSchema,
  leaderboardQuerySchema,
  leaderboardResponseSchema,
  featureImportanceSchema,
  forecastEvidenceSchema,
  modelDetailResponseSchema,
  modelListQuerySchema,
  modelListResponseSchema,
  predictJobPayloadSchema,
  promoteBodySchema,
  rollbackBodySchema,
  stageChangeResponseSchema,
  trainJobPayloadSchema,
  tuneJobPayloadSchema,
  versionParamsSchema,
  type BacktestResult,
  type RegistryMetric,
} from '@runecast/contracts';
import {
  formatHorizon,
  formatSeriesKey,
  NotFoundError,
  parseSeriesKey,
  type SeriesKey,
} from '@runecast/market';
import { requireSeriesSpan } from '../../forecasting/forecasting-data.ts';
import { resolveSeriesHorizon } from '../../forecasting/handlers/handler-support.ts';
import { getForecasterDefinition, parseForecasterParams } from '../../models/forecaster.registry.ts';
import { NAIVE_POINT_MODEL_TYPES } from '../../models/naive.forecaster.ts';
import { naiveFallbackNotice, naiveGateVerdict } from '../../models/registry/naive-gate.ts';
import { describeAdaptiveBands } from '../../forecasting/adaptive-bands.ts';
import { walkForwardLabel } from '../../models/evaluation/walk-forward.ts';
import { parseVolatilitySpec } from '../../models/volatility/volatility.registry.ts';
import { type ModelVersion, type StageChange } from '../../store/model.port.ts';
import { metricLoss } from '../../forecasting/model-ranking.ts';
import { requestOrigin, type ApiApp, type ApiContext } from '../api-context.ts';
import { toApiModelSummary, naiveMetricsOf } from '../../forecasting/forecast-query.service.ts';
import { mayAccessOwned } from '../../auth/ownership.ts';
import { checkField, jobSummary, startJob, unprocessable, type ForecastingApi } from '../forecasting-api.ts';
import { HttpError } from '../http-errors.ts';

const tags = ['models'];
const DEFAULT_METRIC: RegistryMetric = 'mase';
const PREDICT_PRIORITY = 5;

function withoutEvidence(evaluation: Record<string, unknown>): Record<string, unknown> {
  const { evidence: _evidence, ...rest } = evaluation;
  return rest;
}

function stageChangeAnswer(change: StageChange) {
  return {
    production: toApiModelSummary(change.production),
    replaced: change.replaced ? toApiModelSummary(change.replaced) : null,
  };
}

/**
 * The model registry (list, one version, best, leaderboard, promote, roll back) and the jobs
 * that feed it (train, backtest, tune, predict).
 */
export function registerModelRoutes(app: ApiApp, context: ApiContext, api: ForecastingApi): void {
  const { runtime } = api;
  const { registry } = runtime;
  const market = runtime.dependencies.market;

  /** Checks a series and horizon of a job body: the series has candles, the horizon fits its timeframe. */
  const checkSeriesHorizon = async (seriesText: string, horizonMinutes: number): Promise<SeriesKey> => {
    const series = parseSeriesKey(seriesText);
    await checkField('body.series', () => requireSeriesSpan(market, series));
    await checkField('body.horizonMinutes', () => resolveSeriesHorizon(seriesText, horizonMinutes));
    return series;
  };
  const checkModel = async (
    field: string,
    modelType: string,
    params: Record<string, unknown> | undefined,
  ) => {
    await checkField(`${field}.modelType`, () => getForecasterDefinition(modelType));
    await checkField(`${field}.params`, () => parseForecasterParams(modelType, params));
  };
  const checkCrossAssets = async (crossAssets: readonly string[]) => {
    for (const [index, key] of crossAssets.entries()) {
      await checkField(`body.crossAssets.${index}`, () => requireSeriesSpan(market, parseSeriesKey(key)));
    }
  };
  const findVersion = async (field: string, id: number): Promise<ModelVersion> => {
    const version = await registry.get(id);
    if (version === null) {
      throw new HttpError(404, 'not_found', `${field}: model version ${id} does not exist`, { field, id });
    }
    return version;
  };
  const requireVersion = (id: number) => findVersion('params.versionId', id);

  app.get(
    '/models',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Registered model versions, newest first, filtered by series, horizon, stage and model type',
        querystring: modelListQuerySchema,
        response: { 200: modelListResponseSchema },
      },
    },
    async (request) => {
      const { series, horizon, stage, modelType, limit } = request.query;
      const versions = await registry.list({
        ...(series === undefined ? {} : { series: parseSeriesKey(series) }),
        ...(horizon === undefined ? {} : { horizonMinutes: horizon }),
        ...(stage === undefined ? {} : { stage }),
        ...(modelType === undefined ? {} : { modelType }),
        limit: limit ?? 500,
      });
      return { models: versions.map(toApiModelSummary) };
    },
  );

  app.get(
    '/models/best',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'The best non-archived version of a series and horizon by a metric of its walk-forward evaluation',
        querystring: bestModelQuerySchema,
        response: { 200: bestModelResponseSchema },
      },
    },
    async (request) => {
      const { series, horizon, modelType } = request.query;
      const metric = request.query.metric ?? DEFAULT_METRIC;
      const best = await registry.best(parseSeriesKey(series), horizon, metric, {
        ...(modelType === undefined ? {} : { modelType }),
      });
      if (best === null) {
        throw new NotFoundError(
          `${series} has no ${modelType ?? ''}${modelType ? ' ' : ''}model version with a ${metric} at horizon ${formatHorizon(horizon)}; train one first`,
          { series, horizonMinutes: horizon },
        );
      }
      return { metric, model: toApiModelSummary(best) };
    },
  );

  app.get(
    '/models/leaderboard',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Non-archived versions of a series and horizon ranked by a metric (default MASE), with live accuracy; naive always listed when one exists',
        querystring: leaderboardQuerySchema,
        response: { 200: leaderboardResponseSchema },
      },
    },
    async (request) => {
      const { series, horizon } = request.query;
      const metric = request.query.metric ?? DEFAULT_METRIC;
      const key = parseSeriesKey(series);
      const ranked: ModelVersion[] = await registry.leaderboard(key, horizon, metric);
      if (!ranked.some((version) => version.modelType === 'naive')) {
        // The yardstick stays on the board even when its version was archived.
        const [naive] = await registry.list({
          series: key,
          horizonMinutes: horizon,
          modelType: 'naive',
          limit: 1,
        });
        if (naive) ranked.push(naive);
      }
      const accuracy = new Map(
        (await runtime.forecasting.forecasts.accuracy({ series: key, horizonMinutes: horizon })).map(
          (entry) => [entry.modelVersionId, entry],
        ),
      );
      const production = ranked.find((version) => version.stage === 'production');
      const refused = ranked
        .filter((version) => !naiveGateVerdict(version).beatsNaive)
        .sort((left, right) => right.id - left.id);
      const notice =
        production && NAIVE_POINT_MODEL_TYPES.includes(production.modelType) && refused.length > 0
          ? naiveFallbackNotice(refused[0]!)
          : null;
      return {
        series: formatSeriesKey(key),
        horizonMinutes: horizon,
        metric,
        notice,
        entries: ranked.map((version, index) => ({
          rank: index + 1,
          model: toApiModelSummary(version),
          score: metricLoss(metric, version.metrics) === null ? null : version.metrics[metric]!,
          accuracy: accuracy.get(version.id) ?? null,
          naiveGate: naiveGateVerdict(version),
        })),
      };
    },
  );

  app.get(
    '/models/:versionId',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'One model version: every metric of its evaluation beside naive’s, its training job and loss curve, its live accuracy and stage history',
        params: versionParamsSchema,
        response: { 200: modelDetailResponseSchema },
      },
    },
    async (request) => {
      const version = await requireVersion(request.params.versionId);
      const trainingJob = version.jobId ? await runtime.queue.get(version.jobId) : null;
      // Versions are shared; the job that trained one belongs to whoever started it.
      const job =
        trainingJob !== null && mayAccessOwned(request.principal!, trainingJob.ownerUserId, 'read')
          ? trainingJob
          : null;
      const [accuracy] = await runtime.forecasting.forecasts.accuracy({ modelVersionId: version.id });
      const adaptiveStates = await runtime.forecasting.forecasts.adaptiveConformalStates(version.id);
      const promotions = (await registry.promotions(version.seriesKey, version.horizonMinutes)).filter(
        (entry) => entry.versionId === version.id || entry.previousVersionId === version.id,
      );
      return {
        model: {
          id: version.id,
          modelType: version.modelType,
          series: version.series,
          horizonMinutes: version.horizonMinutes,
          params: version.params,
          featureNames: version.featureNames,
          featureSettings: version.featureSettings,
          crossAssetSeries: version.crossAssetSeries,
          trainingStartMs: version.trainingStartMs,
          trainingEndMs: version.trainingEndMs,
          trainingCandles: version.trainingCandles,
          dataFingerprint: version.dataFingerprint,
          metrics: version.metrics,
          // The evidence is served parsed below, once.
          evaluation: withoutEvidence(version.evaluation),
          artifactBytes: version.artifactBytes,
          artifactSha256: version.artifactSha256,
          stage: version.stage,
          createdAtMs: version.createdAtMs,
          stageChangedAtMs: version.stageChangedAtMs,
          jobId: version.jobId,
        },
        naiveMetrics: naiveMetricsOf(version),
        naiveGate: naiveGateVerdict(version),
        training: {
          job: job ? jobSummary(job) : null,
          lossHistory: trainingJob?.lossHistory ?? [],
        },
        accuracy: accuracy ?? null,
        adaptiveBands: describeAdaptiveBands(adaptiveStates),
        // Versions trained before importance was measured, and models without feature rows, have none.
        featureImportance:
          featureImportanceSchema.safeParse(version.evaluation.featureImportance).data ?? null,
        evidence: forecastEvidenceSchema.safeParse(version.evaluation.evidence).data ?? null,
        promotions,
      };
    },
  );

  app.post(
    '/models/:versionId/promote',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary:
          'Make a version the production model of its series and horizon; the one it replaces is archived',
        params: versionParamsSchema,
        body: promoteBodySchema,
        response: { 200: stageChangeResponseSchema },
      },
    },
    async (request) => {
      const version = await requireVersion(request.params.versionId);
      const change = await registry.promote(
        version.id,
        request.body?.reason ?? `promoted by ${request.principal?.email ?? 'an admin'}`,
      );
      await context.auth.audit.record({
        actor: request.principal,
        action: 'model.promote',
        target: `model-version:${version.id}`,
        outcome: 'success',
        origin: requestOrigin(request),
        details: {
          series: version.series,
          horizonMinutes: version.horizonMinutes,
          replaced: change.replaced?.id ?? null,
        },
      });
      api.metrics.modelsChanged();
      return stageChangeAnswer(change);
    },
  );

  app.post(
    '/models/rollback',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary:
          'Put back the version that was production before the current one of a series and horizon (409 when there is none)',
        body: rollbackBodySchema,
        response: { 200: stageChangeResponseSchema },
      },
    },
    async (request) => {
      const { series, horizonMinutes, reason } = request.body;
      const key = parseSeriesKey(series);
      await checkField('body.horizonMinutes', () => resolveSeriesHorizon(series, horizonMinutes));
      const change = await registry.rollback(
        key,
        horizonMinutes,
        reason ?? `rolled back by ${request.principal?.email ?? 'an admin'}`,
      );
      await context.auth.audit.record({
        actor: request.principal,
        action: 'model.rollback',
        target: `${series}@${formatHorizon(horizonMinutes)}`,
        outcome: 'success',
        origin: requestOrigin(request),
        details: { production: change.production.id, replaced: change.replaced?.id ?? null },
      });
      api.metrics.modelsChanged();
      return stageChangeAnswer(change);
    },
  );

  app.post(
    '/models/train',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Start a training job: walk-forward evaluation beside naive, a fit on the whole range, calibrated intervals, a new registered version',
        body: trainJobPayloadSchema,
        response: { 202: apiJobSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      await checkSeriesHorizon(body.series, body.horizonMinutes);
      await checkModel('body', body.modelType, body.params);
      await checkCrossAssets(body.crossAssets);
      return startJob(api, reply, 'train', body);
    },
  );

  app.post(
    '/models/backtest',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Start a backtest job: a walk-forward of several models, naive always included; read its result at /models/backtests/{jobId}',
        body: backtestJobPayloadSchema,
        response: { 202: apiJobSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      await checkSeriesHorizon(body.series, body.horizonMinutes);
      const seen = new Set<string>();
      for (const [index, model] of body.models.entries()) {
        const label = walkForwardLabel(model);
        if (seen.has(label)) {
          throw unprocessable(`body.models.${index}.modelType`, `model ${label} is listed twice`);
        }
        seen.add(label);
        await checkModel(`body.models.${index}`, model.modelType, model.params);
        if (model.volatility) {
          try {
            parseVolatilitySpec(model.volatility);
          } catch (error) {
            throw unprocessable(`body.models.${index}.volatility`, (error as Error).message);
          }
        }
      }
      await checkCrossAssets(body.crossAssets);
      return startJob(api, reply, 'backtest', body);
    },
  );

  app.post(
    '/models/tune',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Start a tuning job: random search over the model’s declared parameter space, each trial scored walk-forward',
        body: tuneJobPayloadSchema,
        response: { 202: apiJobSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      await checkSeriesHorizon(body.series, body.horizonMinutes);
      await checkModel('body', body.modelType, body.baseParams);
      await checkCrossAssets(body.crossAssets);
      return startJob(api, reply, 'tune', body);
    },
  );

  app.post(
    '/models/predict',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Start a predict job: forecast from the latest candles with a version (default the production one of the series and horizon) into the ledger',
        body: predictJobPayloadSchema,
        response: { 202: apiJobSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      let version: ModelVersion;
      if (body.modelVersionId !== undefined) {
        version = await findVersion('body.modelVersionId', body.modelVersionId);
        if (body.series !== undefined && body.series !== version.series) {
          throw unprocessable(
            'body.series',
            `version ${version.id} forecasts ${version.series}, not ${body.series}`,
          );
        }
        if (body.horizonMinutes !== undefined && body.horizonMinutes !== version.horizonMinutes) {
          throw unprocessable(
            'body.horizonMinutes',
            `version ${version.id} forecasts ${formatHorizon(version.horizonMinutes)} ahead, not ${formatHorizon(body.horizonMinutes)}`,
          );
        }
      } else {
        const horizonMinutes = body.horizonMinutes!;
        const series = await checkSeriesHorizon(body.series!, horizonMinutes);
        const production = await registry.production(series, horizonMinutes);
        if (production === null) {
          const candidates = await registry.list({ series, horizonMinutes, limit: 5 });
          const hint =
            candidates.length > 0
              ? `promote one of versions ${candidates.map((candidate) => candidate.id).join(', ')} (POST /api/v1/models/{versionId}/promote) or give modelVersionId`
              : 'train one first (POST /api/v1/models/train)';
          throw new HttpError(
            404,
            'not_found',
            `body.series: ${body.series} has no production model for horizon ${formatHorizon(horizonMinutes)}; ${hint}`,
            { field: 'body.series' },
          );
        }
        version = production;
      }
      if (body.modelType !== undefined && body.modelType !== version.modelType) {
        throw unprocessable(
          'body.modelType',
          `version ${version.id} is ${version.modelType}, not ${body.modelType}`,
        );
      }
      // The job names its version, market, horizon and model, so its row says what it forecasts
      // (the production version is the one when asked).
      const payload = {
        modelVersionId: version.id,
        series: version.series,
        horizonMinutes: version.horizonMinutes,
        modelType: version.modelType,
      };
      return startJob(api, reply, 'predict', payload, { priority: PREDICT_PRIORITY });
    },
  );

  app.get(
    '/models/backtests/:jobId',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'A backtest job with its result (one row of metrics per model, naive first) once it has succeeded',
        params: jobParamsSchema,
        response: { 200: backtestResultResponseSchema },
      },
    },
    async (request) => {
      const job = await checkField('params.jobId', () => runtime.queue.require(request.params.jobId));
      if (!mayAccessOwned(request.principal!, job.ownerUserId, 'read')) {
        throw new HttpError(404, 'not_found', `params.jobId: job ${job.id} does not exist`, {
          field: 'params.jobId',
        });
      }
      if (job.kind !== 'backtest') {
        throw new HttpError(
          404,
          'not_found',
          `params.jobId: job ${job.id} is a ${job.kind} job, not a backtest`,
          {
            field: 'params.jobId',
          },
        );
      }
      return {
        job: jobSummary(job),
        result: job.state === 'succeeded' ? (job.result as BacktestResult) : null,
      };
    },
  );
}
