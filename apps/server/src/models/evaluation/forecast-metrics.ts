import { dieboldMariano, dieboldMarianoOnLosses } from './diebold-mariano.ts';
import {
  CRPS_QUANTILE_LEVELS,
  directionalAccuracy,
  intervalCoverage,
  longFlatStrategy,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanAbsoluteScaledError,
  mean,
  meanIntervalWidth,
  intervalScores,
  pinballLoss,
  quantileCrps,
  rootMeanSquaredError,
  rSquared,
  skillScore,
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
  /** Forecast price quantiles at `CRPS_QUANTILE_LEVELS`, one array per level. */
  crpsQuantiles: Float64Array[];
  /** Scale the bands were multiplied by (the volatility forecast); 1 for plain conformal bands. */
  bandScale: Float64Array;
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
  /** Mean interval (Winkler) score of the 80% and 95% bands, in price; lower is better. */
  intervalScore80: number;
  intervalScore95: number;
  /** CRPS from the forecast quantiles (2 × mean pinball loss over a 20-level grid), in price. */
  crps: number;
  /**
   * 1 − score / naive's score with plain conformal bands on the same origins (0.05: 5% better);
   * 0 for naive itself, null without a benchmark.
   */
  intervalSkill80: number | null;
  intervalSkill95: number | null;
  crpsSkill: number | null;
  /** Diebold-Mariano on the 80% interval score against naive's plain bands; null for naive itself. */
  dmIntervalStatistic80: number | null;
  dmIntervalPValue80: number | null;
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
  /**
   * Naive's forecasts on the same origins with plain conformal bands: the reference for interval
   * skill and the interval Diebold-Mariano test.
   */
  benchmark?: EvaluatedForecasts;
}

interface ProbabilisticScores {
  intervalScore80: Float64Array;
  intervalScore95: Float64Array;
  crps: Float64Array;
}

function probabilisticScores(forecasts: EvaluatedForecasts): ProbabilisticScores {
  const { actualClose } = forecasts;
  return {
    intervalScore80: intervalScores(actualClose, forecasts.lower80, forecasts.upper80, 0.2),
    intervalScore95: intervalScores(actualClose, forecasts.lower95, forecasts.upper95, 0.05),
    crps: quantileCrps(
      actualClose,
      CRPS_QUANTILE_LEVELS.map((level, position) => ({
        level,
        values: forecasts.crpsQuantiles[position]!,
      })),
    ),
  };
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
  const scores = probabilisticScores(forecasts);
  const reference = options.isBenchmark
    ? scores
    : options.benchmark === undefined
      ? null
      : probabilisticScores(options.benchmark);
  const intervalScore80 = mean(scores.intervalScore80);
  const intervalScore95 = mean(scores.intervalScore95);
  const crps = mean(scores.crps);
  const intervalDm =
    options.isBenchmark || reference === null
      ? null
      : dieboldMarianoOnLosses(
          scores.intervalScore80,
          reference.intervalScore80,
          options.horizonObservations,
        );
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
    intervalScore80,
    intervalScore95,
    crps,
    intervalSkill80: reference === null ? null : skillScore(intervalScore80, mean(reference.intervalScore80)),
    intervalSkill95: reference === null ? null : skillScore(intervalScore95, mean(reference.intervalScore95)),
    crpsSkill: reference === null ? null : skillScore(crps, mean(reference.crps)),
    dmIntervalStatistic80: intervalDm?.statistic ?? null,
    dmIntervalPValue80: intervalDm?.pValue ?? null,
    strategyTotalReturn: strategy.totalReturn,
    strategySharpe: strategy.sharpe,
    strategyTrades: strategy.trades,
    buyAndHoldReturn: strategy.buyAndHoldReturn,
  };
}
