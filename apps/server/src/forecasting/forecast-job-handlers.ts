import type { JobHandler } from '../jobs/job-handler.ts';
import { createBacktestHandler } from './handlers/backtest.handler.ts';
import type { ForecastingDependencies } from './handlers/handler-support.ts';
import { createPredictHandler } from './handlers/predict.handler.ts';
import { createScoreHandler } from './handlers/score.handler.ts';
import { createTrainHandler } from './handlers/train.handler.ts';
import { createTuneHandler } from './handlers/tune.handler.ts';

export type { ForecastingDependencies } from './handlers/handler-support.ts';

/** The train, backtest, tune, predict and score handlers over one set of dependencies. */
export function createForecastJobHandlers(dependencies: ForecastingDependencies): JobHandler[] {
  return [
    createTrainHandler(dependencies),
    createBacktestHandler(dependencies),
    createTuneHandler(dependencies),
    createPredictHandler(dependencies),
    createScoreHandler(dependencies),
  ] as JobHandler[];
}
