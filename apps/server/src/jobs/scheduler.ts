import { CronExpressionParser } from 'cron-parser';
import type { TrainJobRequest } from '@runecast/contracts';
import { floorToGrid, formatSeriesKey, type SeriesKey, ValidationError } from '@runecast/market';
import type { Store } from '../store/store.ts';
import type { JobRecord } from '../store/job.port.ts';
import { type ModelVersion } from '../store/model.port.ts';
import { assertRankingMetric, type RankingMetric } from '../forecasting/model-ranking.ts';
import type { JobQueue } from './job-queue.ts';
import type { JobWorker } from './job-worker.ts';

const RETRAIN_STATE = 'retrain';

/** A series and the horizons it should be forecast at. */
export interface TrackedSeries {
  series: SeriesKey;
  horizonsMinutes: readonly number[];
}

export interface ForecastSchedulerOptions {
  store: Store;
  queue: JobQueue;
  /** How often the scheduler ticks: forecasts, a score job, retraining check (default 5 minutes). */
  intervalMs?: number;
  /** Series and horizons to forecast; default every series and horizon with a production model. */
  tracked?: () => Promise<readonly TrackedSeries[]> | readonly TrackedSeries[];
  /** Cron expression (UTC) for retraining production models, e.g. `0 3 * * *`; none when absent. */
  retrainCron?: string;
  /** Training range of a retrain, ending now (default: as long as the production version's own range). */
  retrainWindowMs?: number;
  /** A retrained version replaces production when it is no worse on this metric (default mase). */
  retrainPromoteMetric?: RankingMetric;
  /**
   * Run the predict and score jobs a tick enqueues right here with this worker (embedded mode);
   * otherwise any worker takes them.
   */
  inlineWorker?: JobWorker;
  /** Wall clock (default Date.now); tests move it. */
  now?: () => number;
  onError?: (error: unknown) => void;
  onTick?: (result: SchedulerTickResult) => void;
}

export interface SchedulerTickResult {
  atMs: number;
  /** False when another scheduler held the lock, so this one did nothing. */
  leader: boolean;
  /** Predict jobs enqueued (or already queued) this tick. */
  predictJobIds: string[];
  /** Tracked series and horizons without a production model. */
  withoutModel: string[];
  retrainJobIds: string[];
  /** The score job enqueued (or already queued or running) this tick; null when not the leader. */
  scoreJobId: string | null;
}

/** Checks a cron expression, naming what is wrong. */
export function parseRetrainCron(expression: string): void {
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC' });
  } catch (error) {
    throw new ValidationError(
      `retrain schedule "${expression}" is not a cron expression (${(error as Error).message}); e.g. "0 3 * * *" for 03:00 UTC daily`,
    );
  }
}

/** The latest cron occurrence at or before `nowMs`. */
function previousOccurrenceMs(expression: string, nowMs: number): number {
  const interval = CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: new Date(nowMs + 1) });
  return interval.prev().getTime();
}

/**
 * Every `intervalMs`: the production model of each tracked series and horizon forecasts (a
 * predict job each, never piling up), a score job scores forecasts whose target time passed (one
 * at a time), and on the retrain schedule production models are retrained on recent data. Any number of processes may
 * run a scheduler; a tick happens under an advisory lock on PostgreSQL, so only one acts at a
 * time (PGlite belongs to one process, so there it is one anyway).
 */
export class ForecastScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SchedulerTickResult> | null = null;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private lastTick: SchedulerTickResult | null = null;
  private lastError: { atMs: number; message: string } | null = null;

  constructor(private readonly options: ForecastSchedulerOptions) {
    this.intervalMs = options.intervalMs ?? 5 * 60_000;
    if (!Number.isSafeInteger(this.intervalMs) || this.intervalMs < 1000) {
      throw new ValidationError(`scheduler interval must be at least 1000 ms, got ${this.intervalMs}`);
    }
    if (options.retrainCron !== undefined) parseRetrainCron(options.retrainCron);
    if (options.retrainPromoteMetric !== undefined) assertRankingMetric(options.retrainPromoteMetric);
    this.now = options.now ?? Date.now;
  }

  /** Ticks now and then every interval until `stop`. */
  start(): void {
    if (this.stopped) throw new Error('this scheduler was stopped; create a new one');
    if (this.timer !== null) return;
    const loop = (): void => {
      this.tick()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          if (!this.stopped) {
            this.timer = setTimeout(loop, this.intervalMs);
            this.timer.unref?.();
          }
        });
    };
    this.timer = setTimeout(loop, 0);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** For readiness checks: the last tick, the last error, and whether the scheduler runs. */
  status(): {
    running: boolean;
    intervalMs: number;
    lastTick: SchedulerTickResult | null;
    lastError: { atMs: number; message: string } | null;
  } {
    return {
      running: this.timer !== null && !this.stopped,
      intervalMs: this.intervalMs,
      lastTick: this.lastTick,
      lastError: this.lastError,
    };
  }

  /** One round of work; ticks never overlap within a process. */
  tick(): Promise<SchedulerTickResult> {
    this.running ??= this.runTick()
      .then(
        (result) => {
          this.lastTick = result;
          return result;
        },
        (error: unknown) => {
          this.lastError = { atMs: this.now(), message: (error as Error)?.message ?? String(error) };
          throw error;
        },
      )
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async runTick(): Promise<SchedulerTickResult> {
    const atMs = this.now();
    const enqueued: JobRecord[] = [];
    const result = await this.options.store.transaction(async (transaction): Promise<SchedulerTickResult> => {
      const idle: SchedulerTickResult = {
        atMs,
        leader: false,
        predictJobIds: [],
        withoutModel: [],
        retrainJobIds: [],
        scoreJobId: null,
      };
      // Everything in the tick goes through the transaction's connection (PGlite has only one).
      if (!(await transaction.leaderLock('scheduler'))) return idle;
      const production = await transaction.models.listProductionVersions();
      const { versions, withoutModel } = await this.selectVersions(production);

      const predictJobIds: string[] = [];
      for (const version of versions) {
        const { job, created } = await transaction.jobs.enqueue({
          kind: 'predict',
          // Series, horizon and model type ride along (checked by the handler) so a job row says them.
          payload: {
            modelVersionId: version.id,
            series: version.series,
            horizonMinutes: version.horizonMinutes,
            modelType: version.modelType,
          },
          priority: 10,
          maxAttempts: 2,
          dedupeKey: `predict:${version.id}`,
        });
        predictJobIds.push(job.id);
        if (created) enqueued.push(job);
      }

      const retrainJobIds: string[] = [];
      if (this.options.retrainCron !== undefined) {
        const state = await transaction.jobs.getSchedulerState<{ lastRunMs: number }>(RETRAIN_STATE);
        const dueMs = previousOccurrenceMs(this.options.retrainCron, atMs);
        if (state === null) {
          // First start: the schedule begins now rather than retraining everything at once.
          await transaction.jobs.setSchedulerState(RETRAIN_STATE, { lastRunMs: atMs });
        } else if (state.lastRunMs < dueMs) {
          for (const version of versions) {
            const { job, created } = await transaction.jobs.enqueue({
              kind: 'train',
              payload: this.retrainPayload(version, atMs),
              dedupeKey: `retrain:${version.series}:${version.horizonMinutes}`,
            });
            retrainJobIds.push(job.id);
            if (created) enqueued.push(job);
          }
          await transaction.jobs.setSchedulerState(RETRAIN_STATE, { lastRunMs: atMs });
        }
      }

      // Scoring reads candles and writes the ledger: a job for a worker, not work inside this
      // transaction. One at a time: while one is queued or running, the tick gets that one.
      const score = await transaction.jobs.enqueue({
        kind: 'score',
        payload: {},
        priority: 5,
        maxAttempts: 2,
        dedupeKey: 'score',
      });
      if (score.created) enqueued.push(score.job);
      return {
        atMs,
        leader: true,
        predictJobIds,
        withoutModel,
        retrainJobIds,
        scoreJobId: score.job.id,
      };
    });
    for (const job of enqueued) await this.options.queue.publish(job);
    const worker = this.options.inlineWorker;
    if (worker && result.leader) {
      const ids =
        result.scoreJobId === null ? result.predictJobIds : [...result.predictJobIds, result.scoreJobId];
      for (const id of ids) {
        if (this.stopped) break;
        await worker.runJob(id).catch((error: unknown) => this.options.onError?.(error));
      }
    }
    this.options.onTick?.(result);
    return result;
  }

  private async selectVersions(
    production: readonly ModelVersion[],
  ): Promise<{ versions: ModelVersion[]; withoutModel: string[] }> {
    if (!this.options.tracked) return { versions: [...production], withoutModel: [] };
    const tracked = await this.options.tracked();
    const byKey = new Map(
      production.map((version) => [`${version.series}@${version.horizonMinutes}`, version]),
    );
    const versions: ModelVersion[] = [];
    const withoutModel: string[] = [];
    for (const entry of tracked) {
      for (const horizonMinutes of entry.horizonsMinutes) {
        const key = `${formatSeriesKey(entry.series)}@${horizonMinutes}`;
        const version = byKey.get(key);
        if (version) versions.push(version);
        else withoutModel.push(key);
      }
    }
    return { versions, withoutModel };
  }

  private retrainPayload(version: ModelVersion, nowMs: number): TrainJobRequest {
    const windowMs =
      this.options.retrainWindowMs ?? Math.max(1, version.trainingEndMs - version.trainingStartMs) + 60_000;
    const toMs = floorToGrid(nowMs, version.seriesKey.timeframe);
    const evaluation = version.evaluation as {
      settings?: { retrainEverySteps?: number; stepSteps?: number };
    };
    return {
      series: version.series,
      horizonMinutes: version.horizonMinutes,
      modelType: version.modelType,
      params: version.params,
      fromMs: Math.max(0, toMs - windowMs),
      toMs,
      crossAssets: version.crossAssetSeries,
      walkForward: {
        ...(evaluation.settings?.retrainEverySteps === undefined
          ? {}
          : { retrainEverySteps: evaluation.settings.retrainEverySteps }),
        ...(evaluation.settings?.stepSteps === undefined ? {} : { stepSteps: evaluation.settings.stepSteps }),
      },
      promote: 'if-better',
      promoteMetric: this.options.retrainPromoteMetric ?? 'mase',
    };
  }
}
