import { dieboldMariano } from './diebold-mariano.ts';
import {
  directionalAccuracy,
  intervalCoverage,
  longFlatStrategy,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanAbsoluteScaledError,
  meanIntervalWidth,
  pinballLoss,
  rootMeanSquaredError,
  rSquared,
} from './metrics.ts';

/** Out-of-sample forecasts of one model at a set of origins, with what happened. */
export interface EvaluatedForecasts {
  /** Close at each origin (also the naive forecast). */
  lastClose: Float64Array;
  /** Close at each origin's target time. */
  actualClose: Float64Array;
  /** Forecast close. */
  point: Float64Array;
  /** Forecast log return. */
  logReturn: Float64Array;
  lower80: Float64Array;
  upper80: Float64Array;
  lower95: Float64Array;
  upper95: Float64Array;
}

/** Every figure reported per model, series and horizon. Prices are in quote currency. */
export interface ForecastMetrics {
  count: number;
  mae: number;
  rmse: number;
  /** In percent. */
  mape: number;
  /** MAE over the naive forecast's MAE on the same points; below 1 beats naive. */
  mase: number;
  /** Out-of-sample R² of the forecast log return against the realised log return. */
  r2: number;
  /** Share of correct up/down calls; null when the model makes no calls (naive). */
  directionalAccuracy: number | null;
  directionalAccuracyLower95: number | null;
  directionalAccuracyUpper95: number | null;
  directionalCount: number;
  coverage80: number;
  coverage95: number;
  meanWidth80: number;
  meanWidth95: number;
  /** Pinball loss averaged over the 2.5%, 10%, 50%, 90% and 97.5% quantiles, in price. */
  pinball: number;
  /** Diebold-Mariano against naive (squared log errors, HLN corrected); null for naive itself. */
  dmStatistic: number | null;
  dmPValue: number | null;
  /** Long/flat strategy after fees, a secondary figure. */
  strategyTotalReturn: number;
  strategySharpe: number | null;
  strategyTrades: number;
  buyAndHoldReturn: number;
}

export interface MetricOptions {
  /** Horizon in observations (forecast origins), for the Diebold-Mariano lag count. */
  horizonObservations: number;
  /** Origins per year, to annualise the strategy's Sharpe ratio. */
  periodsPerYear: number;
  feeRate: number;
  /** True for the naive forecast itself: no test against itself. */
  isBenchmark: boolean;
}

export function computeForecastMetrics(
  forecasts: EvaluatedForecasts,
  options: MetricOptions,
): ForecastMetrics {
  const { lastClose, actualClose, point, logReturn } = forecasts;
  const count = actualClose.length;
  const actualLogReturn = new Float64Array(count);
  const modelLogErrors = new Float64Array(count);
  for (let index = 0; index < count; index += 1) {
    actualLogReturn[index] = Math.log(actualClose[index]! / lastClose[index]!);
    modelLogErrors[index] = actualLogReturn[index]! - logReturn[index]!;
  }
  const direction = directionalAccuracy(actualLogReturn, logReturn);
  const dm = options.isBenchmark
    ? null
    : dieboldMariano(modelLogErrors, actualLogReturn, options.horizonObservations);
  const strategy = longFlatStrategy({
    closes: lastClose,
    predictedLogReturns: logReturn,
    feeRate: options.feeRate,
    periodsPerYear: options.periodsPerYear,
  });
  return {
    count,
    mae: meanAbsoluteError(actualClose, point),
    rmse: rootMeanSquaredError(actualClose, point),
    mape: meanAbsolutePercentageError(actualClose, point),
    mase: meanAbsoluteScaledError(actualClose, point, lastClose),
    r2: rSquared(actualLogReturn, logReturn),
    directionalAccuracy: direction.accuracy,
    directionalAccuracyLower95: direction.lower95,
    directionalAccuracyUpper95: direction.upper95,
    directionalCount: direction.count,
    coverage80: intervalCoverage(actualClose, forecasts.lower80, forecasts.upper80),
    coverage95: intervalCoverage(actualClose, forecasts.lower95, forecasts.upper95),
    meanWidth80: meanIntervalWidth(forecasts.lower80, forecasts.upper80),
    meanWidth95: meanIntervalWidth(forecasts.lower95, forecasts.upper95),
    pinball: pinballLoss(actualClose, [
      { level: 0.025, values: forecasts.lower95 },
      { level: 0.1, values: forecasts.lower80 },
      { level: 0.5, values: point },
      { level: 0.9, values: forecasts.upper80 },
      { level: 0.975, values: forecasts.upper95 },
    ]),
    dmStatistic: dm?.statistic ?? null,
    dmPValue: dm?.pValue ?? null,
    strategyTotalReturn: strategy.totalReturn,
    strategySharpe: strategy.sharpe,
    strategyTrades: strategy.trades,
    buyAndHoldReturn: strategy.buyAndHoldReturn,
  };
}
