import {
  formatHorizon,
  formatSeriesKey,
  NotFoundError,
  type SeriesKey,
  ValidationError,
} from '@runecast/market';
import type {
  ListModelVersionsFilter,
  ModelRepository,
  ModelVersion,
  NewModelVersion,
  PromotionRecord,
  StageChange,
} from '../store/model.port.ts';
import {
  assertRankingMetric,
  bestByMetric,
  metricLoss,
  rankByMetric,
  type RankingMetric,
} from './model-ranking.ts';
import { deserializeForecaster } from '../models/forecaster.registry.ts';
import type { Forecaster } from '../models/forecaster.port.ts';
import { naiveFallbackNotice, naiveGateVerdict } from '../models/registry/naive-gate.ts';

export interface PromotionDecision {
  promoted: boolean;
  /** Why (or why not), in words. */
  reason: string;
  change: StageChange | null;
  /**
   * Set when the candidate did not beat naive and production fell back (or has to fall back) to
   * naive: "no model beat naive on <range>; showing naive".
   */
  notice: string | null;
  /** True when production must fall back to naive but the series has no naive version to promote yet. */
  needsNaiveFallback: boolean;
}

/**
 * The model registry as services use it: register versions, rank them, promote, roll back, and
 * load a version's forecaster from its artifact.
 */
export class ModelRegistryService {
  constructor(private readonly models: ModelRepository) {}

  register(version: NewModelVersion): Promise<ModelVersion> {
    return this.models.insertVersion(version);
  }

  get(id: number): Promise<ModelVersion | null> {
    return this.models.getVersion(id);
  }

  async require(id: number): Promise<ModelVersion> {
    const version = await this.models.getVersion(id);
    if (!version) throw new NotFoundError(`model version ${id} does not exist (see runecast models)`, { id });
    return version;
  }

  list(filter: ListModelVersionsFilter = {}): Promise<ModelVersion[]> {
    return this.models.listVersions(filter);
  }

  production(series: SeriesKey, horizonMinutes: number): Promise<ModelVersion | null> {
    return this.models.productionVersion(series, horizonMinutes);
  }

  /** The production version, or a NotFoundError that says how to get one. */
  async requireProduction(series: SeriesKey, horizonMinutes: number): Promise<ModelVersion> {
    const version = await this.models.productionVersion(series, horizonMinutes);
    if (version) return version;
    const candidates = await this.models.listVersions({ series, horizonMinutes, limit: 5 });
    const hint =
      candidates.length > 0
        ? `promote one of versions ${candidates.map((candidate) => candidate.id).join(', ')} (runecast promote --model-version ID)`
        : `train one (runecast train --series ${formatSeriesKey(series)} --horizon ${formatHorizon(horizonMinutes)} --model ridge …) and promote it`;
    throw new NotFoundError(
      `${formatSeriesKey(series)} has no production model for horizon ${formatHorizon(horizonMinutes)}; ${hint}`,
      { series: formatSeriesKey(series), horizonMinutes },
    );
  }

  /**
   * The best version of a series and horizon by a metric of its walk-forward evaluation (ties:
   * the newest). Versions without that metric are skipped. Archived versions only when asked.
   */
  async best(
    series: SeriesKey,
    horizonMinutes: number,
    metric: RankingMetric,
    options: { includeArchived?: boolean; modelType?: string } = {},
  ): Promise<ModelVersion | null> {
    assertRankingMetric(metric);
    const versions = await this.models.listVersions({
      series,
      horizonMinutes,
      ...(options.modelType === undefined ? {} : { modelType: options.modelType }),
      limit: 10_000,
    });
    return bestByMetric(
      metric,
      options.includeArchived ? versions : versions.filter((version) => version.stage !== 'archived'),
    );
  }

  /**
   * Non-archived versions of a series and horizon, best first by `metric` (versions without it
   * last): the leaderboard.
   */
  async leaderboard(
    series: SeriesKey,
    horizonMinutes: number,
    metric: RankingMetric,
  ): Promise<ModelVersion[]> {
    assertRankingMetric(metric);
    const versions = (await this.models.listVersions({ series, horizonMinutes, limit: 10_000 })).filter(
      (version) => version.stage !== 'archived',
    );
    return rankByMetric(metric, versions);
  }

  /**
   * Makes a version production. A point model that did not beat naive significantly in its
   * walk-forward is refused (see `naiveGateVerdict`): production never serves a model that loses to,
   * or only ties, naive.
   */
  async promote(id: number, reason?: string): Promise<StageChange> {
    const version = await this.require(id);
    const verdict = naiveGateVerdict(version);
    if (!verdict.beatsNaive) {
      throw new ValidationError(
        `${verdict.reason}; only a model that beats naive significantly (Diebold-Mariano p < 0.05) can be production, otherwise naive is`,
        { id, modelType: version.modelType },
      );
    }
    return this.models.promote(id, reason === undefined ? {} : { reason });
  }

  /** Promotes the best non-archived version by `metric` among those allowed to be production. */
  async promoteBest(series: SeriesKey, horizonMinutes: number, metric: RankingMetric): Promise<StageChange> {
    const ranked = await this.leaderboard(series, horizonMinutes, metric);
    const withMetric = ranked.filter((version) => metricLoss(metric, version.metrics) !== null);
    if (withMetric.length === 0) {
      throw new NotFoundError(
        `${formatSeriesKey(series)} has no model version for horizon ${formatHorizon(horizonMinutes)} with a ${metric}; train one first`,
      );
    }
    const best = withMetric.find((version) => naiveGateVerdict(version).beatsNaive);
    if (!best) {
      throw new ValidationError(
        `no model version of ${formatSeriesKey(series)} at ${formatHorizon(horizonMinutes)} beat naive significantly, and none is naive; ${naiveFallbackNotice(withMetric[0]!)} needs a naive version (runecast train --model naive-volatility)`,
      );
    }
    return this.models.promote(best.id, { reason: `best by ${metric} among models that may be production` });
  }

  /** The newest naive-type version of a series and horizon, volatility-scaled bands first. */
  async naiveFallbackVersion(series: SeriesKey, horizonMinutes: number): Promise<ModelVersion | null> {
    for (const modelType of ['naive-volatility', 'naive']) {
      const [version] = await this.models.listVersions({ series, horizonMinutes, modelType, limit: 1 });
      if (version) return version;
    }
    return null;
  }

  rollback(series: SeriesKey, horizonMinutes: number, reason?: string): Promise<StageChange> {
    return this.models.rollback(series, horizonMinutes, reason === undefined ? {} : { reason });
  }

  promotions(series: SeriesKey, horizonMinutes: number): Promise<PromotionRecord[]> {
    return this.models.listPromotions(series, horizonMinutes);
  }

  /**
   * Promotes `candidate` when no production version exists, or when it is no worse than the
   * production version on `metric`. Both figures come from each version's own walk-forward, so
   * they compare periods that may differ; the reason says which figures were compared.
   */
  async promoteIfBetter(candidate: ModelVersion, metric: RankingMetric): Promise<PromotionDecision> {
    assertRankingMetric(metric);
    const unchanged = { change: null, notice: null, needsNaiveFallback: false };
    const candidateLoss = metricLoss(metric, candidate.metrics);
    if (candidateLoss === null) {
      return { promoted: false, reason: `version ${candidate.id} has no ${metric}`, ...unchanged };
    }
    const production = await this.models.productionVersion(candidate.seriesKey, candidate.horizonMinutes);
    const verdict = naiveGateVerdict(candidate);
    if (!verdict.beatsNaive) {
      const notice = naiveFallbackNotice(candidate);
      if (production) {
        const productionNotice = naiveGateVerdict(production).beatsNaive ? null : notice;
        return {
          promoted: false,
          reason: `${verdict.reason}; production stays version ${production.id} (${production.modelType})`,
          change: null,
          notice: productionNotice,
          needsNaiveFallback: false,
        };
      }
      const fallback = await this.naiveFallbackVersion(candidate.seriesKey, candidate.horizonMinutes);
      if (fallback) {
        const change = await this.models.promote(fallback.id, { reason: notice });
        return {
          promoted: false,
          reason: `${verdict.reason}; ${notice} (version ${fallback.id}, ${fallback.modelType})`,
          change,
          notice,
          needsNaiveFallback: false,
        };
      }
      return {
        promoted: false,
        reason: `${verdict.reason}; ${notice}`,
        change: null,
        notice,
        needsNaiveFallback: true,
      };
    }
    if (production && production.id !== candidate.id) {
      const productionLoss = metricLoss(metric, production.metrics);
      if (productionLoss !== null && candidateLoss > productionLoss) {
        return {
          promoted: false,
          reason: `${metric} ${candidate.metrics[metric]} is worse than production version ${production.id}'s ${production.metrics[metric]}`,
          ...unchanged,
        };
      }
    }
    const reason = production
      ? `${metric} ${candidate.metrics[metric]} is no worse than version ${production.id}'s ${production.metrics[metric]}`
      : 'no production version yet';
    const change = await this.models.promote(candidate.id, { reason });
    return { promoted: true, reason, change, notice: null, needsNaiveFallback: false };
  }

  /** Rebuilds the fitted forecaster of a version; dispose it when done. */
  async loadForecaster(version: ModelVersion | number): Promise<Forecaster> {
    const id = typeof version === 'number' ? version : version.id;
    const bytes = await this.models.getArtifact(id);
    if (!bytes) throw new NotFoundError(`model version ${id} does not exist`, { id });
    const forecaster = await deserializeForecaster(bytes);
    const expected = typeof version === 'number' ? await this.require(id) : version;
    if (
      forecaster.modelType !== expected.modelType ||
      forecaster.horizonMinutes !== expected.horizonMinutes
    ) {
      forecaster.dispose();
      throw new ValidationError(
        `model version ${id}: the artifact is a ${forecaster.modelType} model, not what the registry says`,
      );
    }
    return forecaster;
  }
}
