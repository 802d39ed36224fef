import {
  candleHistoryQuerySchema,
  candleIndicatorsQuerySchema,
  candleIndicatorsResponseSchema,
  indicatorWarmupCandles,
  candleHistoryResponseSchema,
  coverageQuerySchema,
  coverageResponseSchema,
  coverageSeriesListResponseSchema,
  latestCandleResponseSchema,
  seriesQueryOnlySchema,
} from '@runecast/contracts';
import { formatSeriesKey, parseSeriesKey } from '@runecast/market';
import { jsonText, type RouteModule } from '../api-context.ts';

const tags = ['candles'];
const JSON_TYPE = 'application/json; charset=utf-8';

/** Candle history, latest candle and coverage of a series. */
export const candleRoutes: RouteModule = {
  name: 'candles',
  register(app, context) {
    const { candles } = context;

    app.get(
      '/candles',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Candles of a series as columns (times, open, high, low, close, volume), oldest first; larger timeframes are derived from 1m when not stored',
          querystring: candleHistoryQuerySchema,
          response: { 200: candleHistoryResponseSchema },
        },
      },
      async (request, reply) => {
        const { series, from, to, limit } = request.query;
        const text = await candles.history({ series: parseSeriesKey(series), fromMs: from, toMs: to, limit });
        return reply.type(JSON_TYPE).send(jsonText(text));
      },
    );

    app.get(
      '/candles/indicators',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Indicator series of a series’ closed candles (RSI, MACD, Bollinger bands, volume), computed by the same code as the models’ features, with the windows the models use; pages like /candles',
          querystring: candleIndicatorsQuerySchema,
          response: { 200: candleIndicatorsResponseSchema },
        },
      },
      async (request, reply) => {
        const { series, indicators, from, to, limit } = request.query;
        const text = await candles.indicators({
          series: parseSeriesKey(series),
          indicators,
          fromMs: from,
          toMs: to,
          limit,
          warmupCandles: indicatorWarmupCandles,
        });
        return reply.type(JSON_TYPE).send(jsonText(text));
      },
    );

    app.get(
      '/candles/latest',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'The newest candle of a series',
          querystring: seriesQueryOnlySchema,
          response: { 200: latestCandleResponseSchema },
        },
      },
      async (request, reply) => {
        const text = await candles.latest(parseSeriesKey(request.query.series));
        return reply.type(JSON_TYPE).send(jsonText(text));
      },
    );

    app.get(
      '/coverage',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Complete, empty (no trades) and missing ranges of a series',
          querystring: coverageQuerySchema,
          response: { 200: coverageResponseSchema },
        },
      },
      async (request) => {
        const series = parseSeriesKey(request.query.series);
        const ranges = await candles.coverage(series, { fromMs: request.query.from, toMs: request.query.to });
        return { series: formatSeriesKey(series), ranges };
      },
    );

    app.get(
      '/coverage/series',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Every series the coverage ledger knows',
          response: { 200: coverageSeriesListResponseSchema },
        },
      },
      async () => ({ series: await candles.coveredSeries() }),
    );
  },
};
