import {
  errorRelativeToNaive,
  formatSeriesKey,
  type SeriesKey,
  type Timeframe,
  ValidationError,
} from '@runecast/market';
import { assertSeriesKey } from './argument-checks.ts';
import type {
  AccuracyFilter,
  AdaptiveConformalState,
  AdaptiveConformalStep,
  ForecastAccuracy,
  ForecastRecord,
  ForecastRepository,
  ListForecastsFilter,
  NewForecast,
} from './forecast.port.ts';
import type { Database } from './database.port.ts';

interface ForecastRow {
  id: number;
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  horizon_minutes: number;
  model_version_id: number;
  model_type: string;
  made_at_ms: number;
  input_start_ms: number;
  input_end_ms: number;
  issued_at_ms: number;
  target_time_ms: number;
  last_close: number;
  point: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
  actual_close: number | null;
  scored_at_ms: number | null;
  error: number | null;
  naive_error: number | null;
  hit80: boolean | null;
  hit95: boolean | null;
}

interface AccuracyRow {
  model_version_id: number;
  model_type: string;
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  horizon_minutes: number;
  scored: number;
  mae: number | null;
  rmse: number | null;
  naive_mae: number | null;
  coverage80: number | null;
  coverage95: number | null;
  interval_score80: number | null;
  interval_score95: number | null;
  directional_accuracy: number | null;
  first_target_ms: number | null;
  last_target_ms: number | null;
}

function toForecast(row: ForecastRow): ForecastRecord {
  const seriesKey = { exchange: row.exchange, symbol: row.symbol, timeframe: row.timeframe };
  return {
    id: row.id,
    series: formatSeriesKey(seriesKey),
    seriesKey,
    horizonMinutes: row.horizon_minutes,
    modelVersionId: row.model_version_id,
    modelType: row.model_type,
    madeAtMs: row.made_at_ms,
    inputStartMs: row.input_start_ms,
    inputEndMs: row.input_end_ms,
    issuedAtMs: row.issued_at_ms,
    targetTimeMs: row.target_time_ms,
    lastClose: row.last_close,
    point: row.point,
    lower80: row.lower80,
    upper80: row.upper80,
    lower95: row.lower95,
    upper95: row.upper95,
    actualClose: row.actual_close,
    scoredAtMs: row.scored_at_ms,
    error: row.error,
    naiveError: row.naive_error,
    hit80: row.hit80,
    hit95: row.hit95,
  };
}

function toAccuracy(row: AccuracyRow): ForecastAccuracy {
  return {
    modelVersionId: row.model_version_id,
    modelType: row.model_type,
    series: formatSeriesKey({ exchange: row.exchange, symbol: row.symbol, timeframe: row.timeframe }),
    horizonMinutes: row.horizon_minutes,
    scored: row.scored,
    mae: row.mae,
    rmse: row.rmse,
    naiveMae: row.naive_mae,
    relativeMae: errorRelativeToNaive(row.mae, row.naive_mae),
    coverage80: row.coverage80,
    coverage95: row.coverage95,
    intervalScore80: row.interval_score80,
    intervalScore95: row.interval_score95,
    directionalAccuracy: row.directional_accuracy,
    firstTargetMs: row.first_target_ms,
    lastTargetMs: row.last_target_ms,
  };
}

function assertTime(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`forecast ${name} must be epoch milliseconds, got ${value}`, { field: name });
  }
}

function assertId(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(`${name} must be a positive integer, got ${value}`, { field: name });
  }
}

function assertPrice(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ValidationError(`forecast ${name} must be a positive finite price, got ${value}`, {
      field: name,
    });
  }
}

function assertNewForecast(forecast: NewForecast): void {
  assertSeriesKey(forecast.series);
  if (!Number.isSafeInteger(forecast.horizonMinutes) || forecast.horizonMinutes <= 0) {
    throw new ValidationError(`forecast horizon must be positive minutes, got ${forecast.horizonMinutes}`);
  }
  if (!Number.isSafeInteger(forecast.modelVersionId) || forecast.modelVersionId < 1) {
    throw new ValidationError(`forecast model version id must be a positive integer`);
  }
  for (const name of ['madeAtMs', 'inputStartMs', 'inputEndMs', 'issuedAtMs', 'targetTimeMs'] as const) {
    assertTime(name, forecast[name]);
  }
  if (forecast.inputEndMs < forecast.inputStartMs)
    throw new ValidationError('forecast inputEndMs is before inputStartMs');
  if (forecast.targetTimeMs <= forecast.issuedAtMs)
    throw new ValidationError('forecast target time is not after its issue time');
  for (const name of ['lastClose', 'point'] as const) assertPrice(name, forecast[name]);
  for (const name of ['lower80', 'upper80', 'lower95', 'upper95'] as const) {
    if (!Number.isFinite(forecast[name]))
      throw new ValidationError(`forecast ${name} must be finite, got ${forecast[name]}`);
  }
  if (!(
    forecast.lower95 <= forecast.lower80 &&
    forecast.lower80 <= forecast.upper80 &&
    forecast.upper80 <= forecast.upper95
  )) {
    throw new ValidationError('forecast bands must nest: lower95 <= lower80 <= upper80 <= upper95');
  }
}

const ACCURACY_SELECT = `
  SELECT model_version_id,
         min(model_type) AS model_type,
         min(exchange) AS exchange,
         min(symbol) AS symbol,
         min(timeframe) AS timeframe,
         min(horizon_minutes) AS horizon_minutes,
         count(*) AS scored,
         avg(abs(error)) AS mae,
         sqrt(avg(error * error)) AS rmse,
         avg(abs(naive_error)) AS naive_mae,
         avg(hit80::int)::double precision AS coverage80,
         avg(hit95::int)::double precision AS coverage95,
         -- Interval (Winkler) scores: width plus 2/alpha times the miss (alpha 0.2 and 0.05).
         avg((upper80 - lower80) + 10 * greatest(lower80 - actual_close, 0)
             + 10 * greatest(actual_close - upper80, 0))::double precision AS interval_score80,
         avg((upper95 - lower95) + 40 * greatest(lower95 - actual_close, 0)
             + 40 * greatest(actual_close - upper95, 0))::double precision AS interval_score95,
         avg(CASE WHEN point <> last_close AND actual_close <> last_close
                  THEN ((point > last_close) = (actual_close > last_close))::int END)::double precision
           AS directional_accuracy,
         min(target_time_ms) AS first_target_ms,
         max(target_time_ms) AS last_target_ms
  FROM forecasts`;

/**
 * The forecast ledger. Writing the same forecast twice (same model version, same origin candle)
 * keeps the first; scoring fills in the actual close, the errors of the model and of naive, and
 * whether each band held it, once.
 */
interface AdaptiveConformalRow {
  model_version_id: number | string;
  nominal_level: number;
  alpha: number;
  gamma: number;
  outcomes: number;
  misses: number;
  updated_at_ms: number | string;
}

function toAdaptiveState(row: AdaptiveConformalRow): AdaptiveConformalState {
  return {
    modelVersionId: Number(row.model_version_id),
    nominalLevel: row.nominal_level === 95 ? 95 : 80,
    alpha: row.alpha,
    gamma: row.gamma,
    outcomes: row.outcomes,
    misses: row.misses,
    updatedAtMs: Number(row.updated_at_ms),
  };
}

/** Moves each scored version's adaptive conformal state with its outcomes (oldest target first). */
async function adaptStates(
  transaction: Database,
  scored: readonly ForecastRecord[],
  adapt: AdaptiveConformalStep,
  scoredAtMs: number,
): Promise<void> {
  const byVersion = new Map<number, ForecastRecord[]>();
  for (const forecast of scored) {
    const group = byVersion.get(forecast.modelVersionId) ?? [];
    group.push(forecast);
    byVersion.set(forecast.modelVersionId, group);
  }
  for (const [modelVersionId, forecasts] of [...byVersion].sort(([a], [b]) => a - b)) {
    forecasts.sort((a, b) => a.targetTimeMs - b.targetTimeMs || a.id - b.id);
    const current = await transaction.query<AdaptiveConformalRow>(
      `SELECT * FROM adaptive_conformal_levels WHERE model_version_id = $1 ORDER BY nominal_level FOR UPDATE`,
      [modelVersionId],
    );
    const next = adapt({ modelVersionId, states: current.map(toAdaptiveState), scored: forecasts });
    for (const state of next) {
      if (state.modelVersionId !== modelVersionId) {
        throw new ValidationError(
          `adaptive conformal step answered for version ${state.modelVersionId}, asked for ${modelVersionId}`,
        );
      }
      await transaction.query(
        `INSERT INTO adaptive_conformal_levels
           (model_version_id, nominal_level, alpha, gamma, outcomes, misses, updated_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (model_version_id, nominal_level) DO UPDATE SET
           alpha = excluded.alpha, gamma = excluded.gamma, outcomes = excluded.outcomes,
           misses = excluded.misses, updated_at_ms = excluded.updated_at_ms`,
        [
          modelVersionId,
          state.nominalLevel,
          state.alpha,
          state.gamma,
          state.outcomes,
          state.misses,
          scoredAtMs,
        ],
      );
    }
  }
}

export class SqlForecastRepository implements ForecastRepository {
  constructor(private readonly database: Database) {}

  async insertForecast(forecast: NewForecast): Promise<{ forecast: ForecastRecord; created: boolean }> {
    assertNewForecast(forecast);
    const [row] = await this.database.query<ForecastRow>(
      `INSERT INTO forecasts (exchange, symbol, timeframe, horizon_minutes, model_version_id, model_type, made_at_ms,
         input_start_ms, input_end_ms, issued_at_ms, target_time_ms, last_close, point, lower80, upper80, lower95,
         upper95)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       ON CONFLICT (model_version_id, input_end_ms) DO NOTHING
       RETURNING *`,
      [
        forecast.series.exchange,
        forecast.series.symbol,
        forecast.series.timeframe,
        forecast.horizonMinutes,
        forecast.modelVersionId,
        forecast.modelType,
        forecast.madeAtMs,
        forecast.inputStartMs,
        forecast.inputEndMs,
        forecast.issuedAtMs,
        forecast.targetTimeMs,
        forecast.lastClose,
        forecast.point,
        forecast.lower80,
        forecast.upper80,
        forecast.lower95,
        forecast.upper95,
      ],
    );
    if (row) return { forecast: toForecast(row), created: true };
    const [existing] = await this.database.query<ForecastRow>(
      'SELECT * FROM forecasts WHERE model_version_id = $1 AND input_end_ms = $2',
      [forecast.modelVersionId, forecast.inputEndMs],
    );
    return { forecast: toForecast(existing!), created: false };
  }

  async getForecast(id: number): Promise<ForecastRecord | null> {
    const [row] = await this.database.query<ForecastRow>('SELECT * FROM forecasts WHERE id = $1', [id]);
    return row ? toForecast(row) : null;
  }

  /** Newest issued first. */
  async listForecasts(filter: ListForecastsFilter = {}): Promise<ForecastRecord[]> {
    const limit = filter.limit ?? 500;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000) {
      throw new ValidationError(`limit must be 1 to 100000, got ${limit}`, { field: 'limit' });
    }
    if (filter.series) assertSeriesKey(filter.series);
    const rows = await this.database.query<ForecastRow>(
      `SELECT * FROM forecasts
       WHERE ($1::text IS NULL OR (exchange = $1 AND symbol = $2 AND timeframe = $3))
         AND ($4::integer IS NULL OR horizon_minutes = $4)
         AND ($5::bigint IS NULL OR model_version_id = $5)
         AND ($6::bigint IS NULL OR issued_at_ms >= $6)
         AND ($7::bigint IS NULL OR issued_at_ms < $7)
         AND ($8::boolean IS NULL OR (scored_at_ms IS NOT NULL) = $8)
       ORDER BY issued_at_ms DESC, id DESC
       LIMIT $9`,
      [
        filter.series?.exchange ?? null,
        filter.series?.symbol ?? null,
        filter.series?.timeframe ?? null,
        filter.horizonMinutes ?? null,
        filter.modelVersionId ?? null,
        filter.issuedFromMs ?? null,
        filter.issuedToMs ?? null,
        filter.scored ?? null,
        limit,
      ],
    );
    return rows.map(toForecast);
  }

  /** The most recently issued forecast of a series and horizon (any model version). */
  async latestForecast(series: SeriesKey, horizonMinutes: number): Promise<ForecastRecord | null> {
    const [latest] = await this.listForecasts({ series, horizonMinutes, limit: 1 });
    return latest ?? null;
  }

  async latestForecastsOf(series: readonly SeriesKey[]): Promise<ForecastRecord[]> {
    for (const key of series) assertSeriesKey(key);
    if (series.length === 0) return [];
    const rows = await this.database.query<ForecastRow>(
      `SELECT DISTINCT ON (exchange, symbol, timeframe, horizon_minutes) *
       FROM forecasts
       WHERE (exchange, symbol, timeframe) IN (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       )
       ORDER BY exchange, symbol, timeframe, horizon_minutes, issued_at_ms DESC, id DESC`,
      [
        series.map((key) => key.exchange),
        series.map((key) => key.symbol),
        series.map((key) => key.timeframe),
      ],
    );
    return rows.map(toForecast);
  }

  /** Unscored forecasts whose target time is at or before `nowMs`, oldest first. */
  async listDueForScoring(nowMs: number, limit = 1000): Promise<ForecastRecord[]> {
    assertTime('nowMs', nowMs);
    const rows = await this.database.query<ForecastRow>(
      `SELECT * FROM forecasts WHERE scored_at_ms IS NULL AND target_time_ms <= $1
       ORDER BY target_time_ms, id LIMIT $2`,
      [nowMs, limit],
    );
    return rows.map(toForecast);
  }

  /**
   * Scores forecasts against actual closes. Each is scored once; returns the rows scored now.
   */
  async scoreForecasts(
    scores: readonly { forecastId: number; actualClose: number }[],
    scoredAtMs: number,
    adapt?: AdaptiveConformalStep,
  ): Promise<ForecastRecord[]> {
    assertTime('scoredAtMs', scoredAtMs);
    for (const score of scores) assertPrice('actualClose', score.actualClose);
    if (scores.length === 0) return [];
    return this.database.transaction(async (transaction) => {
      const rows = await transaction.query<ForecastRow>(
        `UPDATE forecasts AS stored SET
           actual_close = incoming.actual_close,
           scored_at_ms = $3,
           error = stored.point - incoming.actual_close,
           naive_error = stored.last_close - incoming.actual_close,
           hit80 = incoming.actual_close BETWEEN stored.lower80 AND stored.upper80,
           hit95 = incoming.actual_close BETWEEN stored.lower95 AND stored.upper95
         FROM unnest($1::bigint[], $2::double precision[]) AS incoming (id, actual_close)
         WHERE stored.id = incoming.id AND stored.scored_at_ms IS NULL
         RETURNING stored.*`,
        [scores.map((score) => score.forecastId), scores.map((score) => score.actualClose), scoredAtMs],
      );
      const scored = rows.map(toForecast);
      if (adapt) await adaptStates(transaction, scored, adapt, scoredAtMs);
      return scored;
    });
  }

  async adaptiveConformalStates(modelVersionId: number): Promise<AdaptiveConformalState[]> {
    assertId('modelVersionId', modelVersionId);
    const rows = await this.database.query<AdaptiveConformalRow>(
      `SELECT * FROM adaptive_conformal_levels WHERE model_version_id = $1 ORDER BY nominal_level`,
      [modelVersionId],
    );
    return rows.map(toAdaptiveState);
  }

  /** Accuracy per model version over every scored forecast (the `forecast_accuracy` view) or a recent window. */
  async accuracy(filter: AccuracyFilter = {}): Promise<ForecastAccuracy[]> {
    if (filter.series) assertSeriesKey(filter.series);
    const rows = await this.database.query<AccuracyRow>(
      `${ACCURACY_SELECT}
       WHERE scored_at_ms IS NOT NULL
         AND ($1::bigint IS NULL OR model_version_id = $1)
         AND ($2::text IS NULL OR (exchange = $2 AND symbol = $3 AND timeframe = $4))
         AND ($5::integer IS NULL OR horizon_minutes = $5)
         AND ($6::bigint IS NULL OR target_time_ms >= $6)
       GROUP BY model_version_id
       ORDER BY model_version_id`,
      [
        filter.modelVersionId ?? null,
        filter.series?.exchange ?? null,
        filter.series?.symbol ?? null,
        filter.series?.timeframe ?? null,
        filter.horizonMinutes ?? null,
        filter.sinceTargetMs ?? null,
      ],
    );
    return rows.map(toAccuracy);
  }

  /** Accuracy over the `count` most recent scored forecasts of one model version. */
  async recentAccuracy(modelVersionId: number, count: number): Promise<ForecastAccuracy | null> {
    if (!Number.isSafeInteger(count) || count < 1)
      throw new ValidationError(`count must be a positive integer`);
    const [row] = await this.database.query<AccuracyRow>(
      `${ACCURACY_SELECT.replace(
        'FROM forecasts',
        `FROM (SELECT * FROM forecasts WHERE model_version_id = $1 AND scored_at_ms IS NOT NULL
               ORDER BY target_time_ms DESC LIMIT $2) AS recent`,
      )}
       GROUP BY model_version_id`,
      [modelVersionId, count],
    );
    return row ? toAccuracy(row) : null;
  }
}
