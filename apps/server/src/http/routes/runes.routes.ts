import {
  runeDetailSchema,
  runeListResponseSchema,
  runeMetricParamsSchema,
  runeMetricQuerySchema,
  runeMetricResponseSchema,
  runeParamsSchema,
  trackRuneBodySchema,
} from '@runecast/contracts';
import { NotFoundError, runeSymbol, ValidationError } from '@runecast/market';
import { z } from 'zod';
import { requestOrigin, type RouteModule } from '../api-context.ts';
import { enforceQuota } from '../quotas.ts';

const tags = ['runes'];
/** Longest stretch of metric points one request returns. */
const MAX_METRIC_RANGE_MS = 90 * 86_400_000;

/** Bitcoin Runes: the runes the providers poll, one rune's stats and metric series, tracking. */
export const runeRoutes: RouteModule = {
  name: 'runes',
  register(app, context) {
    const { runes } = context;

    app.get(
      '/runes',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Runes with their newest stats (price in sats and USD, holders, volume, market cap, 1-day change)',
          response: { 200: runeListResponseSchema },
        },
      },
      async () => ({ runes: await runes.list() }),
    );

    app.get(
      '/runes/:name',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: "One rune: every provider's newest stats, its price series key and its metric names",
          params: runeParamsSchema,
          response: { 200: runeDetailSchema },
        },
      },
      async (request) => runes.get(request.params.name),
    );

    app.get(
      '/runes/:name/metrics/:metric',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'A metric series of a rune (holders, volume_1d_btc, sales_1d, …) at poll resolution',
          params: runeMetricParamsSchema,
          querystring: runeMetricQuerySchema,
          response: { 200: runeMetricResponseSchema },
        },
      },
      async (request) => {
        const detail = await runes.get(request.params.name);
        const source = request.query.source ?? detail.source;
        if (!detail.sources.some((entry) => entry.source === source)) {
          throw new NotFoundError(`${source} has not polled ${detail.name}`, { field: 'source' });
        }
        const toMs = request.query.to ?? context.now();
        const fromMs = request.query.from ?? toMs - 7 * 86_400_000;
        if (fromMs > toMs) throw new ValidationError('from must not be after to', { field: 'from' });
        if (toMs - fromMs > MAX_METRIC_RANGE_MS) {
          throw new ValidationError('ask for at most 90 days of metric points at once', { field: 'from' });
        }
        const points = await context.store.metricPoints.listPoints(
          source,
          runeSymbol(detail.name),
          request.params.metric,
          { startMs: fromMs, endMs: toMs },
        );
        return {
          name: detail.name,
          source,
          metric: request.params.metric,
          points: points.map((point) => ({ timeMs: point.timeMs, value: point.value })),
        };
      },
    );

    app.post(
      '/runes',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: "Track a rune by name, checked against the provider's rune list",
          body: trackRuneBodySchema,
          response: { 201: runeDetailSchema },
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
        const tracked = await runes.track(request.body.name, request.body.source);
        await trackers.record(tracked.source, tracked.symbol, principal.userId, context.now());
        return reply.code(201).send(tracked.rune);
      },
    );

    app.delete(
      '/runes/:name',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Stop tracking a rune',
          params: runeParamsSchema,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await runes.untrack(request.params.name);
        await context.auth.audit.record({
          actor: request.principal,
          action: 'rune.remove',
          target: request.params.name,
          outcome: 'success',
          origin: requestOrigin(request),
        });
        return reply.code(204).send(null);
      },
    );
  },
};
