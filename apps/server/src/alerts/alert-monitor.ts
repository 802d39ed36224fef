import {
  type CandleBatchMessage,
  type ComponentHealthMessage,
  type ForecastScoredMessage,
  type ForecastMadeMessage,
  fromCandleColumns,
  type JobProgressMessage,
  type MetricSnapshotMessage,
} from '@runecast/contracts';
import { formatSeriesKey, parseSeriesKey } from '@runecast/market';
import type { Bus, Subscription } from '../bus/bus.port.ts';
import type { Logger } from '../observability/logger.ts';
import type { AlertRepository } from '../store/alert.repository.ts';
import { AlertEvaluator, type Firing } from './alert-evaluator.ts';
import type { AlertService } from './alert.service.ts';

export interface AlertMonitorOptions {
  bus: Bus;
  repository: AlertRepository;
  service: AlertService;
  logger: Logger;
  now: () => number;
  /** How often rules changed through the API (in any process) are read again. */
  ruleRefreshMs?: number;
  /** How often due deliveries are sent. */
  deliveryIntervalMs?: number;
  /** Named durable consumers: alerts processes share them, so each message is evaluated once. */
  consumerPrefix?: string;
  /** How often channels' daily digests are checked for being due. */
  digestCheckMs?: number;
  /** How often series are checked for staleness. */
  staleCheckMs?: number;
  /** Who may read a job: its owner (null for jobs the system started) and whether a user is an admin. */
  jobAccess?: {
    jobOwner(jobId: string): Promise<string | null>;
    isAdmin(userId: string): Promise<boolean>;
  };
  onError?: (task: string, error: unknown) => void;
}

export interface AlertMonitorStats {
  candleBatches: number;
  forecasts: number;
  firings: number;
  duplicates: number;
}

/**
 * The alerts role's engine: evaluates rules as candles and forecasts arrive on the bus, stores
 * each firing once (idempotency key per rule and triggering event, so a redelivery or a restart
 * never notifies twice), persists rule state, and sends queued notifications with retries.
 */
export class AlertMonitor {
  private evaluator = new AlertEvaluator();
  private readonly subscriptions: Subscription[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly counters: AlertMonitorStats = {
    candleBatches: 0,
    forecasts: 0,
    firings: 0,
    duplicates: 0,
  };
  private delivering: Promise<unknown> | null = null;
  private stopped = false;

  constructor(private readonly options: AlertMonitorOptions) {}

  async start(): Promise<void> {
    const { bus } = this.options;
    await this.refreshRules(true);
    const prefix = this.options.consumerPrefix ?? 'alerts';
    this.subscriptions.push(
      await bus.subscribe<CandleBatchMessage>('data.candles.>', (message) => this.onCandles(message.data), {
        durableName: `${prefix}-candles`,
      }),
      await bus.subscribe<ForecastMadeMessage>(
        'forecasts.made.>',
        (message) => this.onForecast(message.data),
        {
          durableName: `${prefix}-forecasts`,
        },
      ),
      await bus.subscribe<JobProgressMessage>(
        'jobs.progress.>',
        (message) => this.onJobProgress(message.data),
        {
          durableName: `${prefix}-jobs`,
        },
      ),
      await bus.subscribe<ForecastScoredMessage>(
        'forecasts.scored.>',
        (message) => this.record(this.evaluator.onModelAccuracy(message.data)),
        { durableName: `${prefix}-accuracy` },
      ),
      await bus.subscribe<MetricSnapshotMessage>(
        'data.metrics.>',
        (message) =>
          this.record(
            this.evaluator.onStats(
              formatSeriesKey(message.data),
              message.data.observedAtMs,
              message.data.metrics,
            ),
          ),
        { durableName: `${prefix}-stats` },
      ),
      await bus.subscribe<ComponentHealthMessage>(
        'health.changed.>',
        (message) => this.onComponentHealth(message.data),
        { durableName: `${prefix}-health` },
      ),
    );
    this.every(this.options.staleCheckMs ?? 30_000, 'alert-stale', () => this.checkStale());
    this.every(this.options.ruleRefreshMs ?? 5_000, 'alert-rules', () => this.refreshRules(false));
    this.every(this.options.deliveryIntervalMs ?? 2_000, 'alert-delivery', () => this.deliverNow());
    this.every(this.options.digestCheckMs ?? 60_000, 'alert-digest', () => this.digestNow());
  }

  /** Composes the daily digests that are due (each once per channel and day) and sends them. */
  async digestNow(): Promise<number> {
    const composed = await this.options.service.composeDueDigests();
    if (composed.some((digest) => digest.state === 'pending')) {
      // A run already under way may have claimed its deliveries before these digests existed.
      await this.delivering;
      await this.deliverNow();
    }
    return composed.length;
  }

  stats(): AlertMonitorStats {
    return { ...this.counters };
  }

  ruleCount(): number {
    return this.evaluator.ruleCount();
  }

  /** Reads the enabled rules again (and, the first time, their saved state). */
  async refreshRules(withStates = false): Promise<void> {
    const rules = await this.options.repository.enabledRules();
    if (withStates) {
      const states = await this.options.repository.ruleStates();
      this.evaluator = new AlertEvaluator(rules, states, this.options.now());
      return;
    }
    this.evaluator.setRules(rules);
  }

  /** Sends what is due now (one run at a time). */
  deliverNow(): Promise<unknown> {
    this.delivering ??= this.options.service
      .deliverDue()
      .catch((error: unknown) => this.options.onError?.('alert-delivery', error))
      .finally(() => {
        this.delivering = null;
      });
    return this.delivering;
  }

  private async onCandles(batch: CandleBatchMessage): Promise<void> {
    this.counters.candleBatches += 1;
    const series = formatSeriesKey(batch);
    const candles = fromCandleColumns(batch.candles).map((candle) => ({
      openTimeMs: candle.openTimeMs,
      close: candle.close,
      volume: candle.volume,
      closed: candle.closed,
    }));
    await this.record(this.evaluator.onCandles(series, batch.timeframe, candles, this.options.now()));
  }

  private async onForecast(forecast: ForecastMadeMessage): Promise<void> {
    this.counters.forecasts += 1;
    const key = parseSeriesKey(forecast.series);
    await this.record(
      this.evaluator.onForecast(forecast.series, key.timeframe, { ...forecast, id: String(forecast.id) }),
    );
  }

  /** Fires stale rules for series silent too long (by this process's clock). */
  checkStale(): Promise<void> {
    return this.record(this.evaluator.checkStale(this.options.now()));
  }

  private async onJobProgress(progress: JobProgressMessage): Promise<void> {
    if (progress.state !== 'failed' || this.evaluator.jobRuleOwners().length === 0) return;
    const access = this.options.jobAccess;
    const owner = access ? await access.jobOwner(progress.jobId) : null;
    // Roles matter only for another user's job: every rule owner may read their own and the system's.
    const admins = new Map<string, boolean>();
    if (owner !== null && access) {
      for (const userId of this.evaluator.jobRuleOwners()) {
        if (userId !== owner) admins.set(userId, await access.isAdmin(userId));
      }
    }
    await this.record(
      this.evaluator.onJobFailed(
        { jobId: progress.jobId, kind: progress.kind, error: progress.error, atMs: progress.atMs },
        // A user hears of their own jobs and of the system's; admins of every job.
        (rule) => owner === null || owner === rule.ownerUserId || admins.get(rule.ownerUserId) === true,
      ),
    );
  }

  private async onComponentHealth(event: ComponentHealthMessage): Promise<void> {
    const owners = this.evaluator.healthRuleOwners();
    if (owners.length === 0) return;
    // Component health is the installation's: only admins hear of it, as they may create such rules.
    const access = this.options.jobAccess;
    const admins = new Map<string, boolean>();
    for (const userId of owners) admins.set(userId, access ? await access.isAdmin(userId) : false);
    await this.record(
      this.evaluator.onComponentHealth(event, (rule) => admins.get(rule.ownerUserId) === true),
    );
  }

  /** Stores firings and rule states; a failure rejects, so the bus delivers the message again. */
  private async record(firings: readonly Firing[]): Promise<void> {
    const { repository, now } = this.options;
    for (const firing of firings) {
      const stored = await this.options.service.recordFiring(
        {
          ruleId: firing.rule.id,
          kind: firing.rule.condition.kind,
          ownerUserId: firing.rule.ownerUserId,
          idempotencyKey: firing.idempotencyKey,
          ruleName: firing.rule.name,
          series: firing.series,
          severity: firing.rule.severity,
          firedAtMs: firing.firedAtMs,
          message: firing.message,
          values: firing.values,
          silent: firing.silent,
          channelIds: firing.rule.channelIds,
        },
        now(),
      );
      if (stored === null) this.counters.duplicates += 1;
      else {
        this.counters.firings += 1;
        this.options.logger.info(
          { rule: firing.rule.id, series: firing.series, event: stored.id, silent: firing.silent },
          firing.message,
        );
      }
    }
    const changed = this.evaluator.takeChangedStates();
    if (changed.length > 0) await repository.saveRuleStates(changed);
    if (firings.length > 0 && !this.stopped) void this.deliverNow();
  }

  private every(intervalMs: number, task: string, work: () => Promise<unknown>): void {
    const timer = setInterval(() => {
      if (this.stopped) return;
      work().catch((error: unknown) => this.options.onError?.(task, error));
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const subscription of this.subscriptions.splice(0)) await subscription.unsubscribe();
    await this.delivering;
  }
}
