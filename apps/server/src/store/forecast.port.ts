import type { SeriesKey } from '@runecast/market';

export interface NewForecast {
  series: SeriesKey;
  horizonMinutes: number;
  modelVersionId: number;
  modelType: string;
  /** Wall-clock time the forecast was made. */
  madeAtMs: number;
  /** Open times of the first and last candle read; the last is the origin. */
  inputStartMs: number;
  inputEndMs: number;
  /** Close of the origin candle. */
  issuedAtMs: number;
  /** Close time of the candle whose close is forecast. */
  targetTimeMs: number;
  lastClose: number;
  point: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

/** One forecast of the ledger; the score fields stay null until the target time has passed. */
export interface ForecastRecord extends Omit<NewForecast, 'series'> {
  id: number;
  series: string;
  seriesKey: SeriesKey;
  actualClose: number | null;
  scoredAtMs: number | null;
  /** point − actual. */
  error: number | null;
  /** lastClose − actual: the naive forecast's error on the same point. */
  naiveError: number | null;
  hit80: boolean | null;
  hit95: boolean | null;
}

export interface ListForecastsFilter {
  series?: SeriesKey;
  horizonMinutes?: number;
  modelVersionId?: number;
  /** Forecasts issued at or after this time. */
  issuedFromMs?: number;
  /** Forecasts issued before this time. */
  issuedToMs?: number;
  scored?: boolean;
  limit?: number;
}

/** Accuracy of one model version's scored forecasts. */
export interface ForecastAccuracy {
  modelVersionId: number;
  modelType: string;
  series: string;
  horizonMinutes: number;
  scored: number;
  mae: number | null;
  rmse: number | null;
  naiveMae: number | null;
  /** mae / naiveMae on the same forecasts: below 1 beats naive. */
  relativeMae: number | null;
  coverage80: number | null;
  coverage95: number | null;
  /** Mean interval (Winkler) scores of the 80% and 95% bands, in price; lower is better. */
  intervalScore80: number | null;
  intervalScore95: number | null;
  directionalAccuracy: number | null;
  firstTargetMs: number | null;
  lastTargetMs: number | null;
}

export interface AccuracyFilter {
  modelVersionId?: number;
  series?: SeriesKey;
  horizonMinutes?: number;
  /** Only forecasts whose target time is at or after this (a rolling window). */
  sinceTargetMs?: number;
}

/** A band level every forecast carries. */
export type NominalBandLevel = 80 | 95;

/**
 * Adaptive conformal state of one model version's band at one nominal level: the miscoverage
 * rate α_t its next band is issued at, and the scored forecasts that moved it.
 */
export interface AdaptiveConformalState {
  modelVersionId: number;
  nominalLevel: NominalBandLevel;
  alpha: number;
  gamma: number;
  /** Scored forecasts that updated α, and how many of them fell outside the band. */
  outcomes: number;
  misses: number;
  updatedAtMs: number;
}

/**
 * Next states of one version from its current ones (empty before its first scored forecast) and
 * its forecasts scored now, oldest target first. Called inside the scoring transaction.
 */
export type AdaptiveConformalStep = (input: {
  modelVersionId: number;
  states: readonly AdaptiveConformalState[];
  scored: readonly ForecastRecord[];
}) => Omit<AdaptiveConformalState, 'updatedAtMs'>[];

/**
 * The forecast ledger. Writing the same forecast twice (same model version, same origin candle)
 * keeps the first; scoring fills in the actual close, the errors of the model and of naive, and
 * whether each band held it, once.
 */
export interface ForecastRepository {
  insertForecast(forecast: NewForecast): Promise<{ forecast: ForecastRecord; created: boolean }>;
  getForecast(id: number): Promise<ForecastRecord | null>;
  listForecasts(filter?: ListForecastsFilter): Promise<ForecastRecord[]>;
  latestForecast(series: SeriesKey, horizonMinutes: number): Promise<ForecastRecord | null>;
  /** The newest issued forecast of each of these series per horizon (any model version): one query. */
  latestForecastsOf(series: readonly SeriesKey[]): Promise<ForecastRecord[]>;
  /** Unscored forecasts whose target time is at or before `nowMs`, oldest first. */
  listDueForScoring(nowMs: number, limit?: number): Promise<ForecastRecord[]>;
  /** Scores forecasts against actual closes. Each is scored once; returns the rows scored now. */
  scoreForecasts(
    scores: readonly { forecastId: number; actualClose: number }[],
    scoredAtMs: number,
    /** When given, each version's adaptive conformal state moves with its outcomes in the same transaction. */
    adapt?: AdaptiveConformalStep,
  ): Promise<ForecastRecord[]>;
  /** The adaptive conformal states of a version (empty before its first scored forecast). */
  adaptiveConformalStates(modelVersionId: number): Promise<AdaptiveConformalState[]>;
  /** Accuracy per model version over every scored forecast or a recent window. */
  accuracy(filter?: AccuracyFilter): Promise<ForecastAccuracy[]>;
  /** Accuracy over the `count` most recent scored forecasts of one model version. */
  recentAccuracy(modelVersionId: number, count: number): Promise<ForecastAccuracy | null>;
}
