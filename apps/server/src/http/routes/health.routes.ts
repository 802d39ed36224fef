import { liveResponseSchema, readyResponseSchema } from '@runecast/contracts';
import { z } from 'zod';
import type { HealthRegistry } from '../../observability/health-registry.ts';
import type { ApiApp, ApiContext } from '../api-context.ts';

/**
 * `/health` (the process answers), `/ready` (each component's state) and `/metrics`
 * (Prometheus text). Public and outside rate limits: load balancers and Prometheus poll them.
 */
export function registerHealthRoutes(app: ApiApp, context: ApiContext, health: HealthRegistry): void {
  const startedAtMs = context.now();
  const dataMode = { mode: context.dataMode.mode, description: context.dataMode.description };

  app.get(
    '/health',
    {
      config: { access: 'public', unlimited: true },
      schema: { tags: ['health'], summary: 'The process is alive', response: { 200: liveResponseSchema } },
    },
    async () => ({ status: 'ok' as const, uptimeSeconds: (context.now() - startedAtMs) / 1000, dataMode }),
  );

  app.get(
    '/ready',
    {
      config: { access: 'public', unlimited: true },
      schema: {
        tags: ['health'],
        summary: 'State of each component (ok, degraded, down) with the reason; 503 when any is down',
        response: { 200: readyResponseSchema, 503: readyResponseSchema },
      },
    },
    async (_request, reply) => {
      const collected = await health.collect();
      return reply
        .code(collected.state === 'down' ? 503 : 200)
        .send({ status: collected.state, dataMode, components: collected.components });
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: 'public', unlimited: true, produces: { 200: 'text/plain' } },
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text exposition format)',
        response: { 200: z.string() },
      },
    },
    async (_request, reply) => {
      const text = await context.metrics.registry.metrics();
      return reply.type(context.metrics.registry.contentType).send(text);
    },
  );
}
