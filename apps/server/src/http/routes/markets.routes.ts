import {
  addMarketBodySchema,
  exchangeMarketListResponseSchema,
  exchangeMarketsQuerySchema,
  exchangeParamsSchema,
  marketParamsSchema,
  trackedMarketListResponseSchema,
  trackedMarketSchema,
} from '@runecast/contracts';
import { z } from 'zod';
import { requestOrigin, type RouteModule } from '../api-context.ts';
import { enforceQuota } from '../quotas.ts';

const tags = ['markets'];

/** Tracked markets and the markets each exchange lists. */
export const marketRoutes: RouteModule = {
  name: 'markets',
  register(app, context) {
    const { markets } = context;

    app.get(
      '/markets',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Tracked markets: those added to Runecast and those configured at start-up',
          response: { 200: trackedMarketListResponseSchema },
        },
      },
      async () => ({ markets: await markets.listTracked() }),
    );

    app.post(
      '/markets',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: "Track a market, checked against the exchange's market list",
          body: addMarketBodySchema,
          response: { 201: trackedMarketSchema },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        const trackers = context.authStore.marketTrackers;
        enforceQuota(
          principal,
          context.quotas,
          'trackedMarketsPerUser',
          await trackers.countByUser(principal.userId),
        );
        const market = await markets.add(request.body.exchange, request.body.symbol);
        await trackers.record(market.exchange, market.symbol, principal.userId, context.now());
        return reply.code(201).send(market);
      },
    );

    app.delete(
      '/markets/:exchange/:symbol',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Stop tracking a market (symbol as BTC-USDT or BTC%2FUSDT)',
          params: marketParamsSchema,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        const { exchange, symbol } = request.params;
        await markets.remove(exchange, symbol);
        await context.auth.audit.record({
          actor: request.principal,
          action: 'market.remove',
          target: `${exchange}:${symbol}`,
          outcome: 'success',
          origin: requestOrigin(request),
        });
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/exchanges/:exchange/markets',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Markets an exchange lists (filter by search, quote, type; paged)',
          params: exchangeParamsSchema,
          querystring: exchangeMarketsQuerySchema,
          response: { 200: exchangeMarketListResponseSchema },
        },
      },
      async (request) => {
        const { exchange } = request.params;
        const result = await markets.listExchangeMarkets(exchange, {
          search: request.query.search,
          quote: request.query.quote,
          type: request.query.type,
          limit: request.query.limit ?? 500,
          offset: request.query.offset ?? 0,
        });
        return { exchange, ...result };
      },
    );
  },
};
