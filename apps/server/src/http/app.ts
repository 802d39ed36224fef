import Fastify, { type FastifyInstance } from 'fastify';
import { collectHealth, type HealthCheck } from '../runtime/health.ts';

export interface HttpAppOptions {
  healthChecks: readonly HealthCheck[];
  /** Labels shown in /health so nobody mistakes replayed or simulated data for live data. */
  dataMode: { mode: 'live' | 'replay' | 'simulated'; description: string };
}

/** The HTTP server. Until the full API lands it serves health only. */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });
  app.get('/health', async (_request, reply) => {
    const health = await collectHealth(options.healthChecks);
    reply.code(health.state === 'down' ? 503 : 200);
    return { status: health.state, dataMode: options.dataMode, components: health.components };
  });
  return app;
}
