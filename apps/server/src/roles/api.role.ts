import { createHttpApp } from '../http/app.ts';
import { forecastingRouteModules } from '../http/routes/forecasting.routes.ts';
import { defaultWebDistDir, registerWebAssets } from '../http/static-web.ts';
import type { RuntimeContext } from '../runtime/runtime-context.ts';
import type { Role, RunningRole } from './role.ts';

/** Serves the HTTP API, its OpenAPI document, live streams and the dashboard. */
export const apiRole: Role = {
  name: 'api',
  start: (context) => startHttp(context, true),
};

/**
 * What a process without the api role serves on its port: /health, /ready and /metrics, so
 * load balancers and Prometheus can watch every process.
 */
export const statusRole: Role = {
  name: 'status',
  start: (context) => startHttp(context, false),
};

async function startHttp(context: RuntimeContext, serveApi: boolean): Promise<RunningRole> {
  const { config } = context;
  const http = await createHttpApp({
    config,
    store: context.store,
    bus: context.bus,
    cache: context.cache,
    logger: context.logger,
    dataMode: context.dataMode,
    health: context.health,
    writeMode: context.disk,
    metrics: context.metrics,
    sources: (exchange) => context.sources.get(exchange),
    snapshotSources: (id) => context.sources.snapshots(id),
    runesProviders: context.sources.ids('snapshots'),
    trackedMarkets: context.trackedMarkets,
    alerts: context.alerts,
    routes: serveApi ? forecastingRouteModules(context.forecasting) : [],
    serveApi,
    bootstrapAdmin: serveApi,
    ...(context.announce ? { announce: context.announce } : {}),
    now: () => context.clock.now(),
  });
  try {
    if (serveApi) await registerWebAssets(http, { distDir: defaultWebDistDir });
    await http.listen({ host: config.host, port: config.port });
  } catch (error) {
    await http.close();
    throw error;
  }
  const address = http.server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : config.port,
    stop: () => http.close(),
  };
}
