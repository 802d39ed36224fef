import type { SeriesKey } from '@runecast/market';

export type ModelStage = 'candidate' | 'production' | 'archived';
export const MODEL_STAGES: readonly ModelStage[] = ['candidate', 'production', 'archived'];

export interface NewModelVersion {
  modelType: string;
  series: SeriesKey;
  horizonMinutes: number;
  params: Record<string, unknown>;
  featureNames: readonly string[];
  featureSettings?: Record<string, unknown>;
  crossAssetSeries?: readonly string[];
  trainingStartMs: number;
  trainingEndMs: number;
  trainingCandles: number;
  dataFingerprint: string;
  metrics: Record<string, number | null>;
  evaluation?: Record<string, unknown>;
  artifact: Uint8Array;
  jobId?: string | null;
  /** Creation time (default now). */
  createdAtMs?: number;
}

/** A registered version without its artifact bytes. */
export interface ModelVersion {
  id: number;
  modelType: string;
  series: string;
  seriesKey: SeriesKey;
  horizonMinutes: number;
  params: Record<string, unknown>;
  featureNames: string[];
  featureSettings: Record<string, unknown>;
  crossAssetSeries: string[];
  trainingStartMs: number;
  trainingEndMs: number;
  trainingCandles: number;
  dataFingerprint: string;
  metrics: Record<string, number | null>;
  evaluation: Record<string, unknown>;
  artifactBytes: number;
  artifactSha256: string;
  stage: ModelStage;
  createdAtMs: number;
  stageChangedAtMs: number;
  jobId: string | null;
}

export interface ListModelVersionsFilter {
  series?: SeriesKey;
  horizonMinutes?: number;
  stage?: ModelStage;
  modelType?: string;
  limit?: number;
}

export interface PromotionRecord {
  id: number;
  series: string;
  horizonMinutes: number;
  action: 'promote' | 'rollback';
  versionId: number;
  previousVersionId: number | null;
  reason: string | null;
  atMs: number;
}

export interface StageChange {
  /** The version now in production. */
  production: ModelVersion;
  /** The version it replaced (now archived), if any. */
  replaced: ModelVersion | null;
}

export interface NewTuningTrial {
  trial: number;
  modelType: string;
  series: SeriesKey;
  horizonMinutes: number;
  metric: string;
  params: Record<string, unknown>;
  score: number | null;
  naiveScore: number | null;
  metrics: Record<string, number | null> | null;
  error: string | null;
  durationMs: number;
}

export interface TuningTrialRecord extends Omit<NewTuningTrial, 'series'> {
  jobId: string;
  series: string;
  createdAtMs: number;
}

/**
 * The model registry's rows: versions with their metrics and artifacts, one production version
 * per series and horizon, the history of promotions that rollbacks walk back through, and the
 * trials of tuning jobs. Ranking versions is the registry service's (forecasting/model-registry.ts).
 */
export interface ModelRepository {
  insertVersion(version: NewModelVersion): Promise<ModelVersion>;
  getVersion(id: number): Promise<ModelVersion | null>;
  /** The artifact bytes, checked against the hash stored beside them. */
  getArtifact(id: number): Promise<Uint8Array | null>;
  /** Newest first. */
  listVersions(filter?: ListModelVersionsFilter): Promise<ModelVersion[]>;
  productionVersion(series: SeriesKey, horizonMinutes: number): Promise<ModelVersion | null>;
  /** Every production version: what the scheduler forecasts with. */
  listProductionVersions(): Promise<ModelVersion[]>;
  /** Makes a version production; the one it replaces becomes archived. Idempotent for the current one. */
  promote(id: number, options?: { reason?: string; atMs?: number }): Promise<StageChange>;
  /** Puts back the version that was production before the current one; the current one becomes archived. */
  rollback(
    series: SeriesKey,
    horizonMinutes: number,
    options?: { reason?: string; atMs?: number },
  ): Promise<StageChange>;
  /** Archives a version (e.g. a candidate not worth keeping in the leaderboard). */
  archive(id: number): Promise<ModelVersion>;
  listPromotions(series: SeriesKey, horizonMinutes: number, limit?: number): Promise<PromotionRecord[]>;
  insertTuningTrials(jobId: string, trials: readonly NewTuningTrial[], createdAtMs?: number): Promise<void>;
  listTuningTrials(jobId: string): Promise<TuningTrialRecord[]>;
}
