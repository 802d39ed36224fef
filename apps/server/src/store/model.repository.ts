import { createHash } from 'node:crypto';
import {
  formatSeriesKey,
  NotFoundError,
  parseSeriesKey,
  RunecastError,
  type SeriesKey,
  type Timeframe,
  ValidationError,
} from '@runecast/market';
import { assertSeriesKey } from './argument-checks.ts';
import { toJsonText } from './job.repository.ts';
import {
  type ListModelVersionsFilter,
  MODEL_STAGES,
  type ModelRepository,
  type ModelStage,
  type ModelVersion,
  type NewModelVersion,
  type NewTuningTrial,
  type PromotionRecord,
  type StageChange,
  type TuningTrialRecord,
} from './model.port.ts';
import type { Database } from './database.port.ts';

const VERSION_COLUMNS = `id, model_type, exchange, symbol, timeframe, horizon_minutes, params, feature_names,
  feature_settings, cross_asset_series, training_start_ms, training_end_ms, training_candles, data_fingerprint,
  metrics, evaluation, octet_length(artifact) AS artifact_bytes, artifact_sha256, stage, created_at_ms,
  stage_changed_at_ms, job_id`;

interface VersionRow {
  id: number;
  model_type: string;
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  horizon_minutes: number;
  params: Record<string, unknown>;
  feature_names: string[];
  feature_settings: Record<string, unknown>;
  cross_asset_series: string[];
  training_start_ms: number;
  training_end_ms: number;
  training_candles: number;
  data_fingerprint: string;
  metrics: Record<string, number | null>;
  evaluation: Record<string, unknown>;
  artifact_bytes: number;
  artifact_sha256: string;
  stage: ModelStage;
  created_at_ms: number;
  stage_changed_at_ms: number;
  job_id: string | null;
}

function toVersion(row: VersionRow): ModelVersion {
  const seriesKey = { exchange: row.exchange, symbol: row.symbol, timeframe: row.timeframe };
  return {
    id: row.id,
    modelType: row.model_type,
    series: formatSeriesKey(seriesKey),
    seriesKey,
    horizonMinutes: row.horizon_minutes,
    params: row.params,
    featureNames: row.feature_names,
    featureSettings: row.feature_settings,
    crossAssetSeries: row.cross_asset_series,
    trainingStartMs: row.training_start_ms,
    trainingEndMs: row.training_end_ms,
    trainingCandles: row.training_candles,
    dataFingerprint: row.data_fingerprint,
    metrics: row.metrics,
    evaluation: row.evaluation,
    artifactBytes: row.artifact_bytes,
    artifactSha256: row.artifact_sha256,
    stage: row.stage,
    createdAtMs: row.created_at_ms,
    stageChangedAtMs: row.stage_changed_at_ms,
    jobId: row.job_id,
  };
}

function assertHorizon(horizonMinutes: number): void {
  if (!Number.isSafeInteger(horizonMinutes) || horizonMinutes <= 0) {
    throw new ValidationError(`horizon must be a positive whole number of minutes, got ${horizonMinutes}`, {
      field: 'horizonMinutes',
    });
  }
}

function assertVersionId(id: number): void {
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new ValidationError(`model version id must be a positive integer, got ${id}`, {
      field: 'versionId',
    });
  }
}

function assertFiniteTime(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`${name} must be epoch milliseconds, got ${value}`, { field: name });
  }
}

function assertNewVersion(version: NewModelVersion): void {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(version.modelType)) {
    throw new ValidationError(
      `model type "${version.modelType}" must be lower-case letters, digits and dashes`,
      {
        field: 'modelType',
      },
    );
  }
  assertSeriesKey(version.series);
  assertHorizon(version.horizonMinutes);
  assertFiniteTime('trainingStartMs', version.trainingStartMs);
  assertFiniteTime('trainingEndMs', version.trainingEndMs);
  if (version.trainingEndMs < version.trainingStartMs) {
    throw new ValidationError('trainingEndMs is before trainingStartMs', { field: 'trainingEndMs' });
  }
  if (!Number.isSafeInteger(version.trainingCandles) || version.trainingCandles < 1) {
    throw new ValidationError('trainingCandles must be a positive integer', { field: 'trainingCandles' });
  }
  if (!/^[0-9a-f]{64}$/.test(version.dataFingerprint)) {
    throw new ValidationError('dataFingerprint must be a SHA-256 in lower-case hex', {
      field: 'dataFingerprint',
    });
  }
  if (!(version.artifact instanceof Uint8Array) || version.artifact.length === 0) {
    throw new ValidationError('artifact must be non-empty bytes', { field: 'artifact' });
  }
  for (const series of version.crossAssetSeries ?? []) parseSeriesKey(series);
}

/** A promotion that cannot happen as asked (e.g. nothing to roll back to). */
export class RegistryConflictError extends RunecastError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, details);
  }
}

/** The model registry's rows in SQL; see `ModelRepository`. */
export class SqlModelRepository implements ModelRepository {
  constructor(private readonly database: Database) {}

  async insertVersion(version: NewModelVersion): Promise<ModelVersion> {
    assertNewVersion(version);
    const artifact = version.artifact;
    const sha256 = createHash('sha256').update(artifact).digest('hex');
    const [row] = await this.database.query<VersionRow>(
      `INSERT INTO model_versions (model_type, exchange, symbol, timeframe, horizon_minutes, params, feature_names,
         feature_settings, cross_asset_series, training_start_ms, training_end_ms, training_candles,
         data_fingerprint, metrics, evaluation, artifact, artifact_sha256, stage, created_at_ms,
         stage_changed_at_ms, job_id)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9::jsonb, $10, $11, $12, $13, $14::jsonb,
         $15::jsonb, $16, $17, 'candidate', $18, $18, $19)
       RETURNING ${VERSION_COLUMNS}`,
      [
        version.modelType,
        version.series.exchange,
        version.series.symbol,
        version.series.timeframe,
        version.horizonMinutes,
        toJsonText(version.params),
        toJsonText(version.featureNames),
        toJsonText(version.featureSettings ?? {}),
        toJsonText(version.crossAssetSeries ?? []),
        version.trainingStartMs,
        version.trainingEndMs,
        version.trainingCandles,
        version.dataFingerprint,
        toJsonText(version.metrics),
        toJsonText(version.evaluation ?? {}),
        artifact,
        sha256,
        version.createdAtMs ?? Date.now(),
        version.jobId ?? null,
      ],
    );
    return toVersion(row!);
  }

  async getVersion(id: number): Promise<ModelVersion | null> {
    assertVersionId(id);
    const [row] = await this.database.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions WHERE id = $1`,
      [id],
    );
    return row ? toVersion(row) : null;
  }

  /** The artifact bytes, checked against the hash stored beside them. */
  async getArtifact(id: number): Promise<Uint8Array | null> {
    assertVersionId(id);
    const [row] = await this.database.query<{ artifact: Uint8Array; artifact_sha256: string }>(
      'SELECT artifact, artifact_sha256 FROM model_versions WHERE id = $1',
      [id],
    );
    if (!row) return null;
    const bytes = new Uint8Array(row.artifact);
    if (createHash('sha256').update(bytes).digest('hex') !== row.artifact_sha256) {
      throw new RunecastError('corrupt_artifact', `model version ${id}: artifact does not match its SHA-256`);
    }
    return bytes;
  }

  /** Newest first. */
  async listVersions(filter: ListModelVersionsFilter = {}): Promise<ModelVersion[]> {
    const limit = filter.limit ?? 200;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
      throw new ValidationError(`limit must be 1 to 10000, got ${limit}`, { field: 'limit' });
    }
    if (filter.series) assertSeriesKey(filter.series);
    if (filter.horizonMinutes !== undefined) assertHorizon(filter.horizonMinutes);
    if (filter.stage !== undefined && !MODEL_STAGES.includes(filter.stage)) {
      throw new ValidationError(`stage "${filter.stage}" is not one of ${MODEL_STAGES.join(', ')}`, {
        field: 'stage',
      });
    }
    const rows = await this.database.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions
       WHERE ($1::text IS NULL OR (exchange = $1 AND symbol = $2 AND timeframe = $3))
         AND ($4::integer IS NULL OR horizon_minutes = $4)
         AND ($5::text IS NULL OR stage = $5)
         AND ($6::text IS NULL OR model_type = $6)
       ORDER BY id DESC
       LIMIT $7`,
      [
        filter.series?.exchange ?? null,
        filter.series?.symbol ?? null,
        filter.series?.timeframe ?? null,
        filter.horizonMinutes ?? null,
        filter.stage ?? null,
        filter.modelType ?? null,
        limit,
      ],
    );
    return rows.map(toVersion);
  }

  async productionVersion(series: SeriesKey, horizonMinutes: number): Promise<ModelVersion | null> {
    assertSeriesKey(series);
    assertHorizon(horizonMinutes);
    const [row] = await this.database.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions
       WHERE exchange = $1 AND symbol = $2 AND timeframe = $3 AND horizon_minutes = $4 AND stage = 'production'`,
      [series.exchange, series.symbol, series.timeframe, horizonMinutes],
    );
    return row ? toVersion(row) : null;
  }

  /** Every production version: what the scheduler forecasts with. */
  async listProductionVersions(): Promise<ModelVersion[]> {
    const rows = await this.database.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions WHERE stage = 'production'
       ORDER BY exchange, symbol, timeframe, horizon_minutes`,
    );
    return rows.map(toVersion);
  }

  /** Makes a version production; the one it replaces becomes archived. Idempotent for the current one. */
  async promote(id: number, options: { reason?: string; atMs?: number } = {}): Promise<StageChange> {
    assertVersionId(id);
    return this.database.transaction(async (transaction) => {
      const [found] = await transaction.query<VersionRow>(
        `SELECT ${VERSION_COLUMNS} FROM model_versions WHERE id = $1`,
        [id],
      );
      if (!found) throw new NotFoundError(`model version ${id} does not exist (see runecast models)`, { id });
      // The series lock comes before any row lock, in the same order as rollback takes them.
      await lockSeriesHorizon(
        transaction,
        { exchange: found.exchange, symbol: found.symbol, timeframe: found.timeframe },
        found.horizon_minutes,
      );
      const [target] = await transaction.query<VersionRow>(
        `SELECT ${VERSION_COLUMNS} FROM model_versions WHERE id = $1 FOR UPDATE`,
        [id],
      );
      return changeProduction(
        transaction,
        target!,
        'promote',
        options.reason ?? null,
        options.atMs ?? Date.now(),
      );
    });
  }

  /**
   * Puts back the version that was production before the current one (walking back through
   * promotions, so repeated rollbacks keep going back). The current one becomes archived.
   */
  async rollback(
    series: SeriesKey,
    horizonMinutes: number,
    options: { reason?: string; atMs?: number } = {},
  ): Promise<StageChange> {
    assertSeriesKey(series);
    assertHorizon(horizonMinutes);
    const label = `${formatSeriesKey(series)} at ${horizonMinutes} minutes`;
    return this.database.transaction(async (transaction) => {
      await lockSeriesHorizon(transaction, series, horizonMinutes);
      const [current] = await transaction.query<VersionRow>(
        `SELECT ${VERSION_COLUMNS} FROM model_versions
         WHERE exchange = $1 AND symbol = $2 AND timeframe = $3 AND horizon_minutes = $4 AND stage = 'production'
         FOR UPDATE`,
        [series.exchange, series.symbol, series.timeframe, horizonMinutes],
      );
      if (!current) throw new RegistryConflictError(`${label} has no production model to roll back`);
      const [promotion] = await transaction.query<{ previous_version_id: number | null }>(
        `SELECT previous_version_id FROM model_promotions
         WHERE version_id = $1 AND action = 'promote'
         ORDER BY id DESC LIMIT 1`,
        [current.id],
      );
      const previousId = promotion?.previous_version_id ?? null;
      if (previousId === null) {
        throw new RegistryConflictError(
          `${label}: version ${current.id} was the first production model; there is nothing to roll back to`,
        );
      }
      const [previous] = await transaction.query<VersionRow>(
        `SELECT ${VERSION_COLUMNS} FROM model_versions WHERE id = $1 FOR UPDATE`,
        [previousId],
      );
      if (!previous)
        throw new RegistryConflictError(`${label}: the previous version ${previousId} no longer exists`);
      return changeProduction(
        transaction,
        previous,
        'rollback',
        options.reason ?? null,
        options.atMs ?? Date.now(),
      );
    });
  }

  /** Archives a version (e.g. a candidate not worth keeping in the leaderboard). */
  async archive(id: number): Promise<ModelVersion> {
    assertVersionId(id);
    const [row] = await this.database.query<VersionRow>(
      `UPDATE model_versions SET stage = 'archived', stage_changed_at_ms = $2 WHERE id = $1
       RETURNING ${VERSION_COLUMNS}`,
      [id, Date.now()],
    );
    if (!row) throw new NotFoundError(`model version ${id} does not exist`, { id });
    return toVersion(row);
  }

  async listPromotions(series: SeriesKey, horizonMinutes: number, limit = 100): Promise<PromotionRecord[]> {
    assertSeriesKey(series);
    assertHorizon(horizonMinutes);
    const rows = await this.database.query<{
      id: number;
      horizon_minutes: number;
      action: 'promote' | 'rollback';
      version_id: number;
      previous_version_id: number | null;
      reason: string | null;
      at_ms: number;
    }>(
      `SELECT id, horizon_minutes, action, version_id, previous_version_id, reason, at_ms FROM model_promotions
       WHERE exchange = $1 AND symbol = $2 AND timeframe = $3 AND horizon_minutes = $4
       ORDER BY id DESC LIMIT $5`,
      [series.exchange, series.symbol, series.timeframe, horizonMinutes, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      series: formatSeriesKey(series),
      horizonMinutes: row.horizon_minutes,
      action: row.action,
      versionId: row.version_id,
      previousVersionId: row.previous_version_id,
      reason: row.reason,
      atMs: row.at_ms,
    }));
  }

  async insertTuningTrials(
    jobId: string,
    trials: readonly NewTuningTrial[],
    createdAtMs = Date.now(),
  ): Promise<void> {
    if (trials.length === 0) return;
    await this.database.query(
      `INSERT INTO tuning_trials (job_id, trial, model_type, exchange, symbol, timeframe, horizon_minutes, metric,
         params, score, naive_score, metrics, error, duration_ms, created_at_ms)
       SELECT $1::uuid, trial, model_type, exchange, symbol, timeframe, horizon_minutes, metric, params::jsonb, score,
              naive_score, metrics::jsonb, error, duration_ms, $2
       FROM unnest($3::integer[], $4::text[], $5::text[], $6::text[], $7::text[], $8::integer[], $9::text[],
                   $10::text[], $11::double precision[], $12::double precision[], $13::text[], $14::text[],
                   $15::double precision[])
         AS incoming (trial, model_type, exchange, symbol, timeframe, horizon_minutes, metric, params, score,
                      naive_score, metrics, error, duration_ms)
       ON CONFLICT (job_id, trial) DO NOTHING`,
      [
        jobId,
        createdAtMs,
        trials.map((trial) => trial.trial),
        trials.map((trial) => trial.modelType),
        trials.map((trial) => trial.series.exchange),
        trials.map((trial) => trial.series.symbol),
        trials.map((trial) => trial.series.timeframe),
        trials.map((trial) => trial.horizonMinutes),
        trials.map((trial) => trial.metric),
        trials.map((trial) => toJsonText(trial.params)),
        trials.map((trial) => (trial.score !== null && Number.isFinite(trial.score) ? trial.score : null)),
        trials.map((trial) =>
          trial.naiveScore !== null && Number.isFinite(trial.naiveScore) ? trial.naiveScore : null,
        ),
        trials.map((trial) => (trial.metrics === null ? null : toJsonText(trial.metrics))),
        trials.map((trial) => trial.error),
        trials.map((trial) => trial.durationMs),
      ],
    );
  }

  async listTuningTrials(jobId: string): Promise<TuningTrialRecord[]> {
    const rows = await this.database.query<{
      job_id: string;
      trial: number;
      model_type: string;
      exchange: string;
      symbol: string;
      timeframe: Timeframe;
      horizon_minutes: number;
      metric: string;
      params: Record<string, unknown>;
      score: number | null;
      naive_score: number | null;
      metrics: Record<string, number | null> | null;
      error: string | null;
      duration_ms: number;
      created_at_ms: number;
    }>('SELECT * FROM tuning_trials WHERE job_id = $1 ORDER BY trial', [jobId]);
    return rows.map((row) => ({
      jobId: row.job_id,
      trial: row.trial,
      modelType: row.model_type,
      series: formatSeriesKey({ exchange: row.exchange, symbol: row.symbol, timeframe: row.timeframe }),
      horizonMinutes: row.horizon_minutes,
      metric: row.metric,
      params: row.params,
      score: row.score,
      naiveScore: row.naive_score,
      metrics: row.metrics,
      error: row.error,
      durationMs: row.duration_ms,
      createdAtMs: row.created_at_ms,
    }));
  }
}

/** Serialises production changes of one series and horizon across connections (PostgreSQL). */
async function lockSeriesHorizon(
  transaction: Database,
  series: SeriesKey,
  horizonMinutes: number,
): Promise<void> {
  if (transaction.engine !== 'postgres') return;
  await transaction.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `model-production:${formatSeriesKey(series)}:${horizonMinutes}`,
  ]);
}

async function changeProduction(
  transaction: Database,
  target: VersionRow,
  action: 'promote' | 'rollback',
  reason: string | null,
  atMs: number,
): Promise<StageChange> {
  if (target.stage === 'production') return { production: toVersion(target), replaced: null };
  const [replaced] = await transaction.query<VersionRow>(
    `UPDATE model_versions SET stage = 'archived', stage_changed_at_ms = $5
     WHERE exchange = $1 AND symbol = $2 AND timeframe = $3 AND horizon_minutes = $4 AND stage = 'production'
     RETURNING ${VERSION_COLUMNS}`,
    [target.exchange, target.symbol, target.timeframe, target.horizon_minutes, atMs],
  );
  const [production] = await transaction.query<VersionRow>(
    `UPDATE model_versions SET stage = 'production', stage_changed_at_ms = $2 WHERE id = $1
     RETURNING ${VERSION_COLUMNS}`,
    [target.id, atMs],
  );
  await transaction.query(
    `INSERT INTO model_promotions (exchange, symbol, timeframe, horizon_minutes, action, version_id,
       previous_version_id, reason, at_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      target.exchange,
      target.symbol,
      target.timeframe,
      target.horizon_minutes,
      action,
      target.id,
      replaced?.id ?? null,
      reason,
      atMs,
    ],
  );
  return { production: toVersion(production!), replaced: replaced ? toVersion(replaced) : null };
}
