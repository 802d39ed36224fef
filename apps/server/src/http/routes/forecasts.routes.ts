import {
  apiJobSchema,
  forecastAccuracyQuerySchema,
  forecastAccuracyResponseSchema,
  forecastHistoryQuerySchema,
  forecastHistoryResponseSchema,
  latestForecastQuerySchema,
  latestForecastResponseSchema,
  onDemandForecastJobKind,
  onDemandForecastJobPayloadSchema,
  runeForecastBodySchema,
  runeParamsSchema,
} from '@runecast/contracts';
import { formatSeriesKey, parseSeriesKey, RunecastError, type SeriesKey } from '@runecast/market';
import { RUNES_POLL_TIMEFRAME } from '../../sources/runes/runes-timing.ts';
import { getForecasterDefinition } from '../../models/forecaster.registry.ts';
import { resolveSeriesHorizon } from '../../forecasting/handlers/handler-support.ts';
import { jsonText, type ApiApp, type ApiContext } from '../api-context.ts';
import { checkField, startJob, unprocessable, type ForecastingApi } from '../forecasting-api.ts';
import { HttpError } from '../http-errors.ts';

const tags = ['forecasts'];
const JSON_TYPE = 'application/json; charset=utf-8';
/** On-demand forecasts are asked for by someone waiting: they run before routine work. */
const ON_DEMAND_PRIORITY = 10;

/** Latest forecasts, their history with errors, accuracy per model version, and on-demand forecasts. */
export function registerForecastRoutes(app: ApiApp, context: ApiContext, api: ForecastingApi): void {
  const { runtime } = api;

  app.get(
    '/forecasts/latest',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'The newest forecast of a series per horizon (or of one horizon): point, 80% and 95% bands, model version, input range, target time',
        querystring: latestForecastQuerySchema,
        response: { 200: latestForecastResponseSchema },
      },
    },
    async (request, reply) => {
      const { series, horizon } = request.query;
      const key = parseSeriesKey(series);
      if (horizon !== undefined)
        await checkField('query.horizon', () => resolveSeriesHorizon(series, horizon));
      const text = await api.forecasts.latest(key, horizon);
      return reply.type(JSON_TYPE).send(jsonText(text));
    },
  );

  app.get(
    '/forecasts',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Forecasts newest first, filtered by series, horizon, model version, issue time and whether scored; scored ones carry the actual close, the error and naive’s error',
        querystring: forecastHistoryQuerySchema,
        response: { 200: forecastHistoryResponseSchema },
      },
    },
    async (request) => {
      const { series, horizon, modelVersionId, from, to, scored, limit } = request.query;
      if (from !== undefined && to !== undefined && from >= to) {
        throw new HttpError(400, 'validation_failed', 'query.from: must be before query.to', {
          field: 'query.from',
        });
      }
      return api.forecasts.history({
        ...(series === undefined ? {} : { series: parseSeriesKey(series) }),
        ...(horizon === undefined ? {} : { horizonMinutes: horizon }),
        ...(modelVersionId === undefined ? {} : { modelVersionId }),
        ...(from === undefined ? {} : { issuedFromMs: from }),
        ...(to === undefined ? {} : { issuedToMs: to }),
        ...(scored === undefined ? {} : { scored }),
        limit: limit ?? 100,
      });
    },
  );

  app.get(
    '/forecasts/accuracy',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Accuracy of each model version’s scored forecasts (MAE, RMSE, naive’s MAE and the ratio, band coverage, direction), over all or since a time',
        querystring: forecastAccuracyQuerySchema,
        response: { 200: forecastAccuracyResponseSchema },
      },
    },
    async (request) => {
      const { series, horizon, modelVersionId, since } = request.query;
      const accuracy = await runtime.forecasting.forecasts.accuracy({
        ...(series === undefined ? {} : { series: parseSeriesKey(series) }),
        ...(horizon === undefined ? {} : { horizonMinutes: horizon }),
        ...(modelVersionId === undefined ? {} : { modelVersionId }),
        ...(since === undefined ? {} : { sinceTargetMs: since }),
      });
      return { accuracy };
    },
  );

  app.post(
    '/forecasts/on-demand',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Forecast any market of an exchange: starts a job that backfills its candles if the store lacks them, trains a model (or uses the production one), and forecasts; follow it at /jobs/{jobId}/events',
        body: onDemandForecastJobPayloadSchema,
        response: { 202: apiJobSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!runtime.queue.knownKinds().includes(onDemandForecastJobKind)) {
        throw new HttpError(
          503,
          'unavailable',
          'on-demand forecasts are not available: this server was started without exchange sources for them',
        );
      }
      const series = { exchange: body.exchange, symbol: body.symbol, timeframe: body.timeframe };
      const seriesText = formatSeriesKey(series);
      await checkField('body.horizonMinutes', () => resolveSeriesHorizon(seriesText, body.horizonMinutes));
      if (body.modelType !== undefined) {
        await checkField('body.modelType', () => getForecasterDefinition(body.modelType!));
      }
      await checkMarketListed(context, body.exchange, body.symbol);
      return startJob(api, reply, onDemandForecastJobKind, body, {
        priority: ON_DEMAND_PRIORITY,
        maxAttempts: 2,
        dedupeKey: `on-demand:${seriesText}@${body.horizonMinutes}:${body.modelType ?? 'auto'}`,
      });
    },
  );

  app.post(
    '/runes/:name/forecast',
    {
      config: { access: 'user' },
      schema: {
        tags: ['runes'],
        summary:
          "Forecast a rune 4 h or 24 h ahead: tracks it if it is not tracked, polls it now, trains a model when its series is long enough (or uses the production one) and forecasts; a rune's series has no history to fetch, so a new rune's job ends saying when it will have enough; follow it at /jobs/{jobId}/events",
        params: runeParamsSchema,
        body: runeForecastBodySchema,
        response: { 202: apiJobSchema },
      },
    },
    async (request, reply) => {
      if (!runtime.queue.knownKinds().includes(onDemandForecastJobKind)) {
        throw new HttpError(
          503,
          'unavailable',
          'on-demand forecasts are not available: this server was started without sources for them',
        );
      }
      const { horizonMinutes, modelType } = request.body;
      if (modelType !== undefined)
        await checkField('body.modelType', () => getForecasterDefinition(modelType));
      const { source, symbol } = await context.runes.ensureTracked(request.params.name);
      const series: SeriesKey = { exchange: source, symbol, timeframe: RUNES_POLL_TIMEFRAME };
      const seriesText = formatSeriesKey(series);
      return startJob(
        api,
        reply,
        onDemandForecastJobKind,
        { ...series, horizonMinutes, ...(modelType === undefined ? {} : { modelType }) },
        {
          priority: ON_DEMAND_PRIORITY,
          maxAttempts: 1,
          dedupeKey: `on-demand:${seriesText}@${horizonMinutes}:${modelType ?? 'auto'}`,
        },
      );
    },
  );
}

/**
 * Refuses a market the exchange does not list before a job is queued for it. Only when the
 * exchange answers: an unreachable one is left to the job, which retries and can fall back on
 * stored candles.
 */
async function checkMarketListed(context: ApiContext, exchange: string, symbol: string): Promise<void> {
  let markets: Awaited<ReturnType<ApiContext['markets']['exchangeMarkets']>>;
  try {
    markets = await context.markets.exchangeMarkets(exchange);
  } catch (error) {
    if (error instanceof RunecastError && error.code === 'not_found') {
      throw unprocessable('body.exchange', `no exchange "${exchange}" is supported`);
    }
    return;
  }
  if (markets.some((market) => market.symbol === symbol)) return;
  const [base] = symbol.split('/');
  const suggestions = markets
    .filter((market) => market.base === base)
    .slice(0, 5)
    .map((market) => market.symbol);
  throw unprocessable(
    'body.symbol',
    `${exchange} does not list ${symbol}${suggestions.length > 0 ? ` (it lists ${suggestions.join(', ')})` : ''}`,
    { suggestions },
  );
}
