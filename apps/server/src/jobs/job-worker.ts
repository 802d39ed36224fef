import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { ClaimedJob, JobRecord, JobRepository, LeaseStatus, ProgressUpdate } from '../store/job.port.ts';
import {
  errorCodeOf,
  isPermanentJobError,
  JobCancelledError,
  type JobContext,
  type JobHandler,
  type JobProgressReport,
  type JobStopReason,
} from './job-handler.ts';
import { sleep, type JobQueue } from './job-queue.ts';

export interface JobWorkerOptions {
  queue: JobQueue;
  handlers: readonly JobHandler[];
  /** Shown as the lease owner (default `<host>:<pid>:<random>`). */
  owner?: string;
  /** A job whose worker sends no sign of life for this long is taken again (default 60 s). */
  leaseMs?: number;
  /** How often a running job's lease is renewed (default a quarter of the lease). */
  heartbeatMs?: number;
  /** How often an idle worker looks for work (default 1 s). */
  pollIntervalMs?: number;
  /** Jobs run at once by this worker (default 1). */
  concurrency?: number;
  /** Plain percent updates are written at most this often (default 250 ms). */
  progressIntervalMs?: number;
  /** Delay before a failed attempt is retried (default 2^attempt seconds, at most 5 minutes). */
  retryDelayMs?: (attempt: number) => number;
  /** Called after every progress write, state change included (e.g. to draw a progress bar). */
  onEvent?: (job: JobRecord, extra: { trainLoss: number | null; validationLoss: number | null }) => void;
  /** Unexpected errors of the worker itself (a failed poll, a failed write). */
  onError?: (error: unknown, job: JobRecord | null) => void;
}

const DEFAULT_LEASE_MS = 60_000;

function defaultRetryDelayMs(attempt: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, attempt));
}

/**
 * Takes jobs from the queue and runs them with their kind's handler. Any number of workers, in
 * any number of processes, may share one queue: claims skip locked rows, so each job is taken by
 * one worker; a worker that dies leaves a lease that expires, and another worker takes the job.
 */
export class JobWorker {
  readonly owner: string;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly pollIntervalMs: number;
  private readonly concurrency: number;
  private readonly progressIntervalMs: number;
  private readonly running = new Map<string, AbortController>();
  private loops: Promise<void>[] = [];
  private loopController: AbortController | null = null;
  private stopped = false;

  constructor(private readonly options: JobWorkerOptions) {
    for (const handler of options.handlers) this.handlers.set(handler.kind, handler);
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(50, Math.floor(this.leaseMs / 4));
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.concurrency = options.concurrency ?? 1;
    this.progressIntervalMs = options.progressIntervalMs ?? 250;
  }

  private get jobs(): JobRepository {
    return this.options.queue.repository;
  }

  get kinds(): string[] {
    return [...this.handlers.keys()];
  }

  /** Ids of the jobs this worker is running now. */
  runningJobIds(): string[] {
    return [...this.running.keys()];
  }

  /** Starts polling for jobs in the background; `stop` ends it. */
  start(): void {
    if (this.stopped) throw new Error('this worker was stopped; create a new one');
    if (this.loopController) return;
    const controller = new AbortController();
    this.loopController = controller;
    for (let slot = 0; slot < this.concurrency; slot += 1) this.loops.push(this.pollLoop(controller.signal));
  }

  private async pollLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let ran: JobRecord | null = null;
      try {
        ran = await this.runNext();
      } catch (error) {
        this.options.onError?.(error, null);
      }
      if (ran === null && !signal.aborted) {
        await sleep(this.pollIntervalMs, signal).catch(() => undefined);
      }
    }
  }

  /**
   * Stops polling. Running jobs are aborted and handed back to the queue (queued again, the
   * attempt not counted), so a restart picks them up at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.loopController?.abort();
    for (const controller of this.running.values()) controller.abort(new JobCancelledError('shutdown'));
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  /** Claims the next runnable job of this worker's kinds and runs it; null when there was none. */
  async runNext(): Promise<JobRecord | null> {
    if (this.stopped) return null;
    const claimed = await this.jobs.claimNext({
      owner: this.owner,
      leaseMs: this.leaseMs,
      kinds: this.kinds,
    });
    return claimed ? this.execute(claimed) : null;
  }

  /** Claims one particular job if it is runnable and runs it here; null when it was not claimable. */
  async runJob(id: string): Promise<JobRecord | null> {
    if (this.stopped) return null;
    const claimed = await this.jobs.claimById(id, {
      owner: this.owner,
      leaseMs: this.leaseMs,
      kinds: this.kinds,
    });
    return claimed ? this.execute(claimed) : null;
  }

  /** Asks a job this worker runs to stop at once (the queue's `cancel` reaches any worker). */
  abortLocal(id: string): void {
    this.running.get(id)?.abort(new JobCancelledError('cancelled'));
  }

  private async execute(claimed: ClaimedJob): Promise<JobRecord> {
    const handler = this.handlers.get(claimed.kind)!;
    const controller = new AbortController();
    this.running.set(claimed.id, controller);
    const progress = new ProgressWriter(this, claimed, controller);
    let current: JobRecord = claimed;
    this.emit(current, null, null);
    await this.options.queue.publish(current);
    const heartbeat = setInterval(() => {
      this.jobs
        .heartbeat(claimed.id, claimed.leaseToken, this.leaseMs)
        .then((status) => progress.applyLeaseStatus(status))
        .catch((error: unknown) => this.options.onError?.(error, claimed));
    }, this.heartbeatMs);
    heartbeat.unref?.();
    try {
      if (claimed.cancelRequested) throw new JobCancelledError('cancelled');
      const payload = handler.parsePayload(claimed.payload);
      const context: JobContext = {
        job: claimed,
        signal: controller.signal,
        progress: (report) => progress.report(report),
        checkpoint: async () => {
          await progress.flush();
          throwIfStopped(controller.signal);
        },
      };
      const result = await handler.run(payload, context);
      await progress.flush();
      throwIfStopped(controller.signal);
      const finished = await this.jobs.complete(claimed.id, claimed.leaseToken, result ?? null);
      current = finished ?? (await this.jobs.get(claimed.id)) ?? current;
    } catch (error) {
      await progress.flush().catch(() => undefined);
      current = await this.settleFailure(claimed, controller.signal, error);
    } finally {
      clearInterval(heartbeat);
      this.running.delete(claimed.id);
    }
    this.emit(current, null, null);
    await this.options.queue.publish(current);
    return current;
  }

  private async settleFailure(claimed: ClaimedJob, signal: AbortSignal, error: unknown): Promise<JobRecord> {
    const reason = stopReasonOf(signal, error);
    let settled: JobRecord | null = null;
    if (reason === 'cancelled') {
      settled = await this.jobs.markCancelled(claimed.id, claimed.leaseToken);
    } else if (reason === 'shutdown') {
      settled = await this.jobs.release(claimed.id, claimed.leaseToken);
    } else if (reason === null) {
      const permanent = isPermanentJobError(error);
      const retryDelay = this.options.retryDelayMs ?? defaultRetryDelayMs;
      settled = await this.jobs.fail(claimed.id, claimed.leaseToken, {
        error: (error as Error)?.message ?? String(error),
        code: errorCodeOf(error),
        retryAfterMs: permanent ? null : Math.round(retryDelay(claimed.attempts)),
      });
    }
    // Lease lost (or the row moved on): another worker owns the job now; report what the store says.
    return settled ?? (await this.jobs.get(claimed.id)) ?? claimed;
  }

  /** @internal used by the progress writer */
  emit(job: JobRecord, trainLoss: number | null, validationLoss: number | null): void {
    try {
      this.options.onEvent?.(job, { trainLoss, validationLoss });
    } catch (error) {
      this.options.onError?.(error, job);
    }
  }

  /** @internal */
  get settings(): { leaseMs: number; progressIntervalMs: number } {
    return { leaseMs: this.leaseMs, progressIntervalMs: this.progressIntervalMs };
  }

  /** @internal */
  get repository(): JobRepository {
    return this.jobs;
  }

  /** @internal */
  get queue(): JobQueue {
    return this.options.queue;
  }

  /** @internal */
  reportError(error: unknown, job: JobRecord): void {
    this.options.onError?.(error, job);
  }
}

function throwIfStopped(signal: AbortSignal): void {
  if (!signal.aborted) return;
  const reason: unknown = signal.reason;
  throw reason instanceof JobCancelledError ? reason : new JobCancelledError('cancelled');
}

function stopReasonOf(signal: AbortSignal, error: unknown): JobStopReason | null {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    return reason instanceof JobCancelledError ? reason.reason : 'cancelled';
  }
  return error instanceof JobCancelledError ? error.reason : null;
}

/**
 * Writes a job's progress: merges plain updates and writes them at most every
 * `progressIntervalMs`, writes epoch reports at once (each is a point of the loss curve), one
 * write at a time, and aborts the job when a write shows a cancel or a lost lease.
 */
class ProgressWriter {
  private pending: ProgressUpdate | null = null;
  private pendingLosses: { trainLoss: number | null; validationLoss: number | null } = {
    trainLoss: null,
    validationLoss: null,
  };
  private chain: Promise<void> = Promise.resolve();
  private lastWriteAtMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private snapshot: JobRecord;

  constructor(
    private readonly worker: JobWorker,
    private readonly job: ClaimedJob,
    private readonly controller: AbortController,
  ) {
    this.snapshot = job;
  }

  report(report: JobProgressReport): void {
    if (this.controller.signal.aborted) return;
    const update: ProgressUpdate = { ...this.pending };
    if (report.percent !== undefined) update.percent = Math.min(100, Math.max(0, report.percent));
    if (report.message !== undefined) update.message = report.message;
    if (report.epoch !== undefined) update.epoch = report.epoch;
    if (report.totalEpochs !== undefined) update.totalEpochs = report.totalEpochs;
    const isEpochPoint = report.epoch !== undefined && report.trainLoss !== undefined;
    if (isEpochPoint) {
      // An epoch point is written at once (with anything pending merged in) so no loss point is lost.
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.pending = null;
      this.enqueueWrite({
        ...update,
        trainLoss: report.trainLoss,
        validationLoss: report.validationLoss ?? null,
      });
      return;
    }
    this.pending = update;
    const sinceLastMs = Date.now() - this.lastWriteAtMs;
    this.schedule(Math.max(0, this.worker.settings.progressIntervalMs - sinceLastMs));
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      const update = this.pending;
      this.pending = null;
      if (update) this.enqueueWrite(update);
    }, delayMs);
  }

  private enqueueWrite(update: ProgressUpdate): void {
    this.chain = this.chain.then(() => this.write(update));
  }

  private async write(update: ProgressUpdate): Promise<void> {
    if (this.controller.signal.aborted) return;
    this.lastWriteAtMs = Date.now();
    try {
      const status = await this.worker.repository.reportProgress(
        this.job.id,
        this.job.leaseToken,
        update,
        this.worker.settings.leaseMs,
      );
      this.snapshot = {
        ...this.snapshot,
        progress: {
          percent: update.percent ?? this.snapshot.progress.percent,
          message: update.message ?? this.snapshot.progress.message,
          epoch: update.epoch ?? this.snapshot.progress.epoch,
          totalEpochs: update.totalEpochs ?? this.snapshot.progress.totalEpochs,
        },
        cancelRequested: status.cancelRequested,
      };
      this.pendingLosses = {
        trainLoss: update.trainLoss ?? null,
        validationLoss: update.validationLoss ?? null,
      };
      this.worker.emit(this.snapshot, this.pendingLosses.trainLoss, this.pendingLosses.validationLoss);
      await this.worker.queue.publish(this.snapshot, this.pendingLosses);
      this.applyLeaseStatus(status);
    } catch (error) {
      this.worker.reportError(error, this.job);
    }
  }

  applyLeaseStatus(status: LeaseStatus): void {
    if (this.controller.signal.aborted) return;
    if (!status.held) this.controller.abort(new JobCancelledError('lease-lost'));
    else if (status.cancelRequested) this.controller.abort(new JobCancelledError('cancelled'));
  }

  /** Writes whatever is pending and waits for every write. */
  async flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const update = this.pending;
    this.pending = null;
    if (update) this.enqueueWrite(update);
    await this.chain;
  }
}
