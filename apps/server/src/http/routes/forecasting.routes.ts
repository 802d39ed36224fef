import type { ForecastingRuntime } from '../../forecasting/forecasting-runtime.ts';
import type { ApiApp, ApiContext, RouteModule } from '../api-context.ts';
import { createForecastingApi, type ForecastingApi, type ForecastingApiOptions } from '../forecasting-api.ts';
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
  // One shared part per server these modules are registered on, made by the first of them and
  // stopped with that server.
  const apis = new Map<ApiContext, Promise<ForecastingApi>>();
  const apiFor = (app: ApiApp, context: ApiContext): Promise<ForecastingApi> => {
    let api = apis.get(context);
    if (api === undefined) {
      api = createForecastingApi(runtime, app, context, options);
      apis.set(context, api);
      app.addHook('onClose', async () => {
        apis.delete(context);
      });
    }
    return api;
  };
  const module = (
    name: string,
    register: (app: ApiApp, context: ApiContext, api: ForecastingApi) => void,
  ): RouteModule => ({
    name,
    async register(app, context) {
      register(app, context, await apiFor(app, context));
    },
  });
  return [
    module('forecasts', registerForecastRoutes),
    module('models', registerModelRoutes),
    module('jobs', registerJobRoutes),
  ];
}
