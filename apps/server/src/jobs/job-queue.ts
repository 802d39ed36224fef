import type { JobProgressMessage } from '@runecast/contracts';
import type { Bus } from '../bus/bus.port.ts';
import { jobProgressTopic } from '../bus/topics.ts';
import { NotFoundError, ValidationError } from '@runecast/market';
import {
  FINISHED_JOB_STATES,
  type EnqueueJobInput,
  type JobRecord,
  type JobState,
  type JobRepository,
  type ListJobsFilter,
} from '../store/job.port.ts';
import type { JobHandler } from './job-handler.ts';

export interface EnqueueOptions {
  priority?: number;
  maxAttempts?: number;
  delayMs?: number;
  dedupeKey?: string;
  /** The user who starts the job; absent for jobs of the system. */
  ownerUserId?: string | null;
}

export interface JobQueueOptions {
  jobs: JobRepository;
  /** Where job state changes and progress are published (`jobs.progress.<jobId>`). */
  bus?: Bus | null;
  /** Handlers whose `parsePayload` checks payloads before they are queued. */
  handlers?: readonly JobHandler[];
  /** Bus failures never fail a job (the store is the record); they are reported here. */
  onPublishError?: (error: unknown) => void;
}

export interface WaitForJobOptions {
  signal?: AbortSignal;
  /** How often the store is read (default 250 ms). */
  pollIntervalMs?: number;
  /** Called whenever the job row changed. */
  onUpdate?: (job: JobRecord) => void;
}

/** The bus message describing a job's current state and progress. */
export function jobProgressMessage(
  job: JobRecord,
  extra: { trainLoss?: number | null; validationLoss?: number | null; atMs?: number } = {},
): JobProgressMessage {
  return {
    jobId: job.id,
    kind: job.kind,
    state: job.state,
    attempt: job.attempts,
    percent: job.progress.percent,
    message: job.progress.message,
    epoch: job.progress.epoch,
    totalEpochs: job.progress.totalEpochs,
    trainLoss: extra.trainLoss ?? null,
    validationLoss: extra.validationLoss ?? null,
    error: job.state === 'failed' ? (job.error ?? 'failed').slice(0, 4000) : null,
    atMs: extra.atMs ?? Date.now(),
  };
}

export function isFinishedJobState(state: JobState): boolean {
  return FINISHED_JOB_STATES.includes(state);
}

/**
 * The side of the job queue that clients use: enqueue (payloads checked by the kind's handler),
 * read, cancel and wait. Workers (`JobWorker`) take the jobs.
 */
export class JobQueue {
  private readonly parsers = new Map<string, (raw: unknown) => unknown>();

  constructor(private readonly options: JobQueueOptions) {
    for (const handler of options.handlers ?? [])
      this.parsers.set(handler.kind, (raw) => handler.parsePayload(raw));
  }

  get repository(): JobRepository {
    return this.options.jobs;
  }

  /** Kinds whose payloads this queue checks (the kinds its handlers run). */
  knownKinds(): string[] {
    return [...this.parsers.keys()];
  }

  /**
   * Checks the payload with the kind's handler (defaults filled in) and queues the job. With a
   * dedupe key that a queued or running job holds, returns that job and `created: false`.
   */
  async enqueue(
    kind: string,
    payload: unknown,
    options: EnqueueOptions = {},
  ): Promise<{ job: JobRecord; created: boolean }> {
    const parse = this.parsers.get(kind);
    if (parse === undefined && this.parsers.size > 0) {
      throw new ValidationError(`unknown job kind "${kind}"; known kinds: ${this.knownKinds().join(', ')}`, {
        field: 'kind',
      });
    }
    const input: EnqueueJobInput = { kind, payload: parse ? parse(payload) : payload };
    if (options.priority !== undefined) input.priority = options.priority;
    if (options.maxAttempts !== undefined) input.maxAttempts = options.maxAttempts;
    if (options.delayMs !== undefined) input.delayMs = options.delayMs;
    if (options.dedupeKey !== undefined) input.dedupeKey = options.dedupeKey;
    if (options.ownerUserId !== undefined) input.ownerUserId = options.ownerUserId;
    const outcome = await this.options.jobs.enqueue(input);
    if (outcome.created) await this.publish(outcome.job);
    return outcome;
  }

  get(id: string): Promise<JobRecord | null> {
    return this.options.jobs.get(id);
  }

  async require(id: string): Promise<JobRecord> {
    const job = await this.options.jobs.get(id);
    if (!job) throw new NotFoundError(`job ${id} does not exist`, { id });
    return job;
  }

  list(filter: ListJobsFilter = {}): Promise<JobRecord[]> {
    return this.options.jobs.list(filter);
  }

  /**
   * Cancels a queued job at once; a running one is flagged and stops at its next progress report
   * or heartbeat. Finished jobs are returned unchanged.
   */
  async cancel(id: string): Promise<JobRecord> {
    const job = await this.options.jobs.requestCancel(id);
    if (!job) throw new NotFoundError(`job ${id} does not exist`, { id });
    if (job.state === 'cancelled' || job.cancelRequested) await this.publish(job);
    return job;
  }

  /** Resolves with the job once it has finished (succeeded, failed or cancelled). */
  async waitForJob(id: string, options: WaitForJobOptions = {}): Promise<JobRecord> {
    const pollIntervalMs = options.pollIntervalMs ?? 250;
    let lastUpdatedAtMs = -1;
    let lastPercent: number | null = null;
    for (;;) {
      options.signal?.throwIfAborted();
      const job = await this.require(id);
      if (job.updatedAtMs !== lastUpdatedAtMs || job.progress.percent !== lastPercent) {
        lastUpdatedAtMs = job.updatedAtMs;
        lastPercent = job.progress.percent;
        options.onUpdate?.(job);
      }
      if (isFinishedJobState(job.state)) return job;
      await sleep(pollIntervalMs, options.signal);
    }
  }

  /** Publishes the job's state on `jobs.progress.<id>`; failures go to `onPublishError`. */
  async publish(
    job: JobRecord,
    extra: { trainLoss?: number | null; validationLoss?: number | null } = {},
  ): Promise<void> {
    const bus = this.options.bus;
    if (!bus) return;
    try {
      await bus.publish(jobProgressTopic(job.id), jobProgressMessage(job, extra));
    } catch (error) {
      this.options.onPublishError?.(error);
    }
  }
}

export function sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
