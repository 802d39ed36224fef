import type { ForecastingRuntime } from '../../forecasting/forecasting-runtime.ts';
import type { ApiApp, ApiContext, RouteModule } from '../api-context.ts';
import { forecastingApiFor, type ForecastingApi, type ForecastingApiOptions } from '../forecasting-api.ts';
import { registerForecastRoutes } from './forecasts.routes.ts';
import { registerJobRoutes } from './jobs.routes.ts';
import { registerModelRoutes } from './models.routes.ts';

export type { ForecastingApiOptions } from '../forecasting-api.ts';

/**
 * The forecast, model and job routes over one forecasting runtime, for
 * `createHttpApp({ routes })`: latest forecasts (cached), their history and accuracy,
 * on-demand forecasts, the model registry, train / backtest / tune / predict jobs, and job
 * progress as Server-Sent Events. Forecasts also join the live stream (`/stream`).
 */
export function forecastingRouteModules(
  runtime: ForecastingRuntime,
  options: ForecastingApiOptions = {},
): RouteModule[] {
  const module = (
    name: string,
    register: (app: ApiApp, context: ApiContext, api: ForecastingApi) => void,
  ): RouteModule => ({
    name,
    async register(app, context) {
      register(app, context, await forecastingApiFor(runtime, app, context, options));
    },
  });
  return [
    module('forecasts', registerForecastRoutes),
    module('models', registerModelRoutes),
    module('jobs', registerJobRoutes),
  ];
}
