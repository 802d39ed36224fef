export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
export const FINISHED_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

export interface LossPoint {
  epoch: number;
  trainLoss: number;
  validationLoss: number | null;
}

/** A persisted job. Times are epoch milliseconds of the database clock. */
export interface JobRecord {
  id: string;
  kind: string;
  state: JobState;
  payload: unknown;
  priority: number;
  attempts: number;
  maxAttempts: number;
  runAfterMs: number;
  leaseOwner: string | null;
  leaseExpiresAtMs: number | null;
  heartbeatAtMs: number | null;
  cancelRequested: boolean;
  progress: {
    percent: number | null;
    message: string | null;
    epoch: number | null;
    totalEpochs: number | null;
  };
  lossHistory: LossPoint[];
  result: unknown;
  error: string | null;
  errorCode: string | null;
  dedupeKey: string | null;
  /** The user who started it; null for jobs the system started. */
  ownerUserId: string | null;
  createdAtMs: number;
  startedAtMs: number | null;
  finishedAtMs: number | null;
  updatedAtMs: number;
}

/** A job a worker holds: `leaseToken` fences every later write to the job. */
export interface ClaimedJob extends JobRecord {
  leaseToken: string;
}

export interface EnqueueJobInput {
  kind: string;
  payload: unknown;
  /** Higher runs first (default 0). */
  priority?: number;
  /** Attempts before the job fails for good (default 3). */
  maxAttempts?: number;
  /** Not before this delay (default 0: at once). */
  delayMs?: number;
  /** While a queued or running job has this key, enqueueing another returns that job instead. */
  dedupeKey?: string;
  /** Explicit id (default: a random UUID). */
  id?: string;
  /** The user who starts it (default: none, a job of the system). */
  ownerUserId?: string | null;
}

export interface ClaimOptions {
  /** Who holds the lease (host, process, worker): shown in listings. */
  owner: string;
  leaseMs: number;
  /** Only these kinds (default: any). */
  kinds?: readonly string[];
}

export interface ProgressUpdate {
  percent?: number | null;
  message?: string | null;
  epoch?: number | null;
  totalEpochs?: number | null;
  /** With `epoch`, appended to the loss history. */
  trainLoss?: number | null;
  validationLoss?: number | null;
}

/** What a lease holder learns when it renews its lease. */
export interface LeaseStatus {
  /** False when the lease was lost (expired and taken by another worker, or the job was finished). */
  held: boolean;
  cancelRequested: boolean;
}

export interface JobFailure {
  error: string;
  code?: string | null;
  /** Queue the job again after this delay when attempts remain; null fails it for good. */
  retryAfterMs: number | null;
}

export interface ListJobsFilter {
  states?: readonly JobState[];
  kinds?: readonly string[];
  limit?: number;
  /** Jobs created before this time (paging, newest first). */
  createdBeforeMs?: number;
  /** Only the jobs this user started and those of the system (no owner). */
  visibleToUserId?: string;
}

/** The durable job queue's rows: enqueue, claim under a lease, report, finish, cancel. */
export interface JobRepository {
  /** Adds a job; with a dedupe key already active, returns that job and `created: false`. */
  enqueue(input: EnqueueJobInput): Promise<{ job: JobRecord; created: boolean }>;
  get(id: string): Promise<JobRecord | null>;
  /** Newest first. */
  list(filter?: ListJobsFilter): Promise<JobRecord[]>;
  /** Queued and running jobs the user started. */
  countActiveOwnedBy(ownerUserId: string): Promise<number>;
  /** Jobs per state, for health and metrics. */
  countByState(): Promise<Record<JobState, number>>;
  /**
   * Takes the next runnable job: queued and due, or running with an expired lease (its worker
   * died) and attempts left. Returns null when there is none.
   */
  claimNext(options: ClaimOptions): Promise<ClaimedJob | null>;
  /** Claims one particular job if it is runnable now (e.g. the command line running its own job). */
  claimById(id: string, options: ClaimOptions): Promise<ClaimedJob | null>;
  /** Running jobs whose lease ran out and that may not be retried end failed or cancelled; returns how many. */
  finishAbandoned(): Promise<number>;
  /** Renews the lease; tells whether it is still held and whether a cancel was asked for. */
  heartbeat(id: string, leaseToken: string, leaseMs: number): Promise<LeaseStatus>;
  /** Records progress (and renews the lease, a progress report being a sign of life). */
  reportProgress(
    id: string,
    leaseToken: string,
    update: ProgressUpdate,
    leaseMs: number,
  ): Promise<LeaseStatus>;
  /** Marks the job succeeded with its result; null when the lease was no longer held (nothing written). */
  complete(id: string, leaseToken: string, result: unknown): Promise<JobRecord | null>;
  /** Records a failure: queued again while attempts remain, otherwise failed. Null when the lease was lost. */
  fail(id: string, leaseToken: string, failure: JobFailure): Promise<JobRecord | null>;
  /** The holder stopped because a cancel was asked for. */
  markCancelled(id: string, leaseToken: string): Promise<JobRecord | null>;
  /** Gives a job back untouched (a worker shutting down): queued again at once, the attempt not counted. */
  release(id: string, leaseToken: string): Promise<JobRecord | null>;
  /** Asks for a job to stop; null when there is no such job. */
  requestCancel(id: string): Promise<JobRecord | null>;
  /** Deletes finished jobs that ended before `finishedBeforeMs`; returns how many. */
  pruneFinished(finishedBeforeMs: number): Promise<number>;
  /** The database clock, in epoch milliseconds (leases are measured on it). */
  nowMs(): Promise<number>;
  getSchedulerState<T>(name: string): Promise<T | null>;
  setSchedulerState(name: string, value: unknown): Promise<void>;
}
