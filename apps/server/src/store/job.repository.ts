import { randomUUID } from 'node:crypto';
import { ValidationError } from '@runecast/market';
import type { Database } from './database.port.ts';
import {
  type ClaimedJob,
  type ClaimOptions,
  type EnqueueJobInput,
  type JobFailure,
  type JobRecord,
  type JobRepository,
  type JobState,
  JOB_STATES,
  type LeaseStatus,
  type ListJobsFilter,
  type LossPoint,
  type ProgressUpdate,
} from './job.port.ts';

const KIND_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOW = 'runecast_now_ms()';

interface JobRow {
  id: string;
  kind: string;
  state: JobState;
  payload: unknown;
  priority: number;
  attempts: number;
  max_attempts: number;
  run_after_ms: number;
  lease_token: string | null;
  lease_owner: string | null;
  lease_expires_at_ms: number | null;
  heartbeat_at_ms: number | null;
  cancel_requested: boolean;
  progress_percent: number | null;
  progress_message: string | null;
  progress_epoch: number | null;
  progress_total_epochs: number | null;
  loss_history: LossPoint[];
  result: unknown;
  error: string | null;
  error_code: string | null;
  dedupe_key: string | null;
  owner_user_id: string | null;
  created_at_ms: number;
  started_at_ms: number | null;
  finished_at_ms: number | null;
  updated_at_ms: number;
}

function toJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    payload: row.payload,
    priority: row.priority,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAfterMs: row.run_after_ms,
    leaseOwner: row.lease_owner,
    leaseExpiresAtMs: row.lease_expires_at_ms,
    heartbeatAtMs: row.heartbeat_at_ms,
    cancelRequested: row.cancel_requested,
    progress: {
      percent: row.progress_percent,
      message: row.progress_message,
      epoch: row.progress_epoch,
      totalEpochs: row.progress_total_epochs,
    },
    lossHistory: row.loss_history,
    result: row.result ?? null,
    error: row.error,
    errorCode: row.error_code,
    dedupeKey: row.dedupe_key,
    ownerUserId: row.owner_user_id ?? null,
    createdAtMs: row.created_at_ms,
    startedAtMs: row.started_at_ms,
    finishedAtMs: row.finished_at_ms,
    updatedAtMs: row.updated_at_ms,
  };
}

function toClaimed(row: JobRow): ClaimedJob {
  return { ...toJob(row), leaseToken: row.lease_token! };
}

export function assertJobId(id: string): void {
  if (typeof id !== 'string' || !UUID_PATTERN.test(id)) {
    throw new ValidationError(
      `job id "${String(id)}" is not a UUID like 0b6f3c1e-5a7d-4f0e-9c2b-1d2e3f4a5b6c`,
      {
        field: 'id',
      },
    );
  }
}

function assertInteger(name: string, value: number, minimum: number, maximum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new ValidationError(`${name} must be an integer from ${minimum} to ${maximum}, got ${value}`, {
      field: name,
    });
  }
}

/** JSON text for a jsonb parameter; NaN and infinities (not JSON) become null rather than corrupting the row. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'number' && !Number.isFinite(item) ? null : item,
  );
}

function finiteOrNull(name: string, value: number | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isFinite(value))
    throw new ValidationError(`progress ${name} must be a finite number`, { field: name });
  return value;
}

/**
 * The job queue table. Claims use `FOR UPDATE SKIP LOCKED`, so any number of workers (processes,
 * hosts) can poll it and no job is handed to two of them; every write of a running job is fenced
 * by the lease token of the claim.
 */
export class SqlJobRepository implements JobRepository {
  constructor(private readonly database: Database) {}

  /** Adds a job; with a dedupe key already active, returns that job and `created: false`. */
  async enqueue(input: EnqueueJobInput): Promise<{ job: JobRecord; created: boolean }> {
    if (!KIND_PATTERN.test(input.kind)) {
      throw new ValidationError(`job kind "${input.kind}" must be lower-case letters, digits and dashes`, {
        field: 'kind',
      });
    }
    const id = input.id ?? randomUUID();
    assertJobId(id);
    const priority = input.priority ?? 0;
    assertInteger('priority', priority, -1000, 1000);
    const maxAttempts = input.maxAttempts ?? 3;
    assertInteger('maxAttempts', maxAttempts, 1, 100);
    const delayMs = input.delayMs ?? 0;
    assertInteger('delayMs', delayMs, 0, 366 * 86_400_000);
    if (input.dedupeKey !== undefined && (input.dedupeKey.length === 0 || input.dedupeKey.length > 200)) {
      throw new ValidationError('dedupeKey must be 1 to 200 characters', { field: 'dedupeKey' });
    }
    const payload = toJsonText(input.payload ?? {});
    const rows = await this.database.query<JobRow>(
      `INSERT INTO jobs (id, kind, state, payload, priority, max_attempts, run_after_ms, dedupe_key,
                         owner_user_id, created_at_ms, updated_at_ms)
       VALUES ($1, $2, 'queued', $3::jsonb, $4, $5, ${NOW} + $6, $7, $8, ${NOW}, ${NOW})
       ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running') DO NOTHING
       RETURNING *`,
      [
        id,
        input.kind,
        payload,
        priority,
        maxAttempts,
        delayMs,
        input.dedupeKey ?? null,
        input.ownerUserId ?? null,
      ],
    );
    if (rows[0]) return { job: toJob(rows[0]), created: true };
    const [existing] = await this.database.query<JobRow>(
      `SELECT * FROM jobs WHERE dedupe_key = $1 AND state IN ('queued', 'running')`,
      [input.dedupeKey],
    );
    // The holder of the key may have finished between the insert and this read: try once more.
    if (!existing) return this.enqueue(input);
    return { job: toJob(existing), created: false };
  }

  async get(id: string): Promise<JobRecord | null> {
    assertJobId(id);
    const [row] = await this.database.query<JobRow>('SELECT * FROM jobs WHERE id = $1', [id]);
    return row ? toJob(row) : null;
  }

  /** Newest first. */
  async list(filter: ListJobsFilter = {}): Promise<JobRecord[]> {
    const limit = filter.limit ?? 100;
    assertInteger('limit', limit, 1, 10_000);
    for (const state of filter.states ?? []) {
      if (!JOB_STATES.includes(state)) {
        throw new ValidationError(`job state "${state}" is not one of ${JOB_STATES.join(', ')}`, {
          field: 'state',
        });
      }
    }
    const rows = await this.database.query<JobRow>(
      `SELECT * FROM jobs
       WHERE ($1::text[] IS NULL OR state = ANY($1::text[]))
         AND ($2::text[] IS NULL OR kind = ANY($2::text[]))
         AND ($3::bigint IS NULL OR created_at_ms < $3::bigint)
         AND ($5::uuid IS NULL OR owner_user_id = $5::uuid OR owner_user_id IS NULL)
       ORDER BY created_at_ms DESC, id DESC
       LIMIT $4`,
      [
        filter.states ? [...filter.states] : null,
        filter.kinds ? [...filter.kinds] : null,
        filter.createdBeforeMs ?? null,
        limit,
        filter.visibleToUserId ?? null,
      ],
    );
    return rows.map(toJob);
  }

  /** Queued and running jobs the user started. */
  async countActiveOwnedBy(ownerUserId: string): Promise<number> {
    const [row] = await this.database.query<{ total: number }>(
      `SELECT count(*) AS total FROM jobs WHERE owner_user_id = $1 AND state IN ('queued', 'running')`,
      [ownerUserId],
    );
    return row?.total ?? 0;
  }

  /** Jobs per state, for health and metrics. */
  async countByState(): Promise<Record<JobState, number>> {
    const rows = await this.database.query<{ state: JobState; count: number }>(
      'SELECT state, count(*) AS count FROM jobs GROUP BY state',
    );
    const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
    for (const row of rows) counts[row.state] = row.count;
    return counts;
  }

  /**
   * Takes the next runnable job: queued and due, or running with an expired lease (its worker
   * died) and attempts left. Returns null when there is none.
   */
  async claimNext(options: ClaimOptions): Promise<ClaimedJob | null> {
    return this.claim(options, null);
  }

  /** Claims one particular job if it is runnable now (e.g. the command line running its own job). */
  async claimById(id: string, options: ClaimOptions): Promise<ClaimedJob | null> {
    assertJobId(id);
    return this.claim(options, id);
  }

  private async claim(options: ClaimOptions, id: string | null): Promise<ClaimedJob | null> {
    assertInteger('leaseMs', options.leaseMs, 100, 86_400_000);
    await this.finishAbandoned();
    const rows = await this.database.query<JobRow>(
      `WITH next AS (
         SELECT id FROM jobs
         WHERE ((state = 'queued' AND run_after_ms <= ${NOW})
             OR (state = 'running' AND lease_expires_at_ms < ${NOW}
                 AND attempts < max_attempts AND NOT cancel_requested))
           AND ($1::text[] IS NULL OR kind = ANY($1::text[]))
           AND ($2::uuid IS NULL OR id = $2::uuid)
         ORDER BY priority DESC, run_after_ms, created_at_ms, id
         LIMIT 1
         FOR UPDATE SKIP LOCKED
       )
       UPDATE jobs SET
         state = 'running',
         attempts = jobs.attempts + 1,
         lease_token = $3,
         lease_owner = $4,
         lease_expires_at_ms = ${NOW} + $5,
         heartbeat_at_ms = ${NOW},
         started_at_ms = coalesce(jobs.started_at_ms, ${NOW}),
         -- A new attempt starts over: progress and loss curve belong to the attempt that made them.
         progress_percent = NULL,
         progress_message = NULL,
         progress_epoch = NULL,
         progress_total_epochs = NULL,
         loss_history = '[]'::jsonb,
         updated_at_ms = ${NOW}
       FROM next
       WHERE jobs.id = next.id
       RETURNING jobs.*`,
      [options.kinds ? [...options.kinds] : null, id, randomUUID(), options.owner, options.leaseMs],
    );
    return rows[0] ? toClaimed(rows[0]) : null;
  }

  /**
   * Running jobs whose lease ran out and that may not be retried (no attempts left, or a cancel
   * was asked for) end here: failed or cancelled. Returns how many.
   */
  async finishAbandoned(): Promise<number> {
    const rows = await this.database.query<{ id: string }>(
      `UPDATE jobs SET
         state = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'failed' END,
         error = CASE WHEN cancel_requested THEN error
                      ELSE 'the worker running it stopped responding (lease expired) after ' || attempts || ' attempt(s)' END,
         error_code = CASE WHEN cancel_requested THEN error_code ELSE 'lease_expired' END,
         lease_token = NULL,
         lease_expires_at_ms = NULL,
         finished_at_ms = ${NOW},
         updated_at_ms = ${NOW}
       WHERE state = 'running' AND lease_expires_at_ms < ${NOW}
         AND (attempts >= max_attempts OR cancel_requested)
       RETURNING id`,
    );
    return rows.length;
  }

  /** Renews the lease; tells whether it is still held and whether a cancel was asked for. */
  async heartbeat(id: string, leaseToken: string, leaseMs: number): Promise<LeaseStatus> {
    const [row] = await this.database.query<{ cancel_requested: boolean }>(
      `UPDATE jobs SET lease_expires_at_ms = ${NOW} + $3, heartbeat_at_ms = ${NOW}, updated_at_ms = ${NOW}
       WHERE id = $1 AND lease_token = $2 AND state = 'running'
       RETURNING cancel_requested`,
      [id, leaseToken, leaseMs],
    );
    return row
      ? { held: true, cancelRequested: row.cancel_requested }
      : { held: false, cancelRequested: false };
  }

  /** Records progress (and renews the lease, a progress report being a sign of life). */
  async reportProgress(
    id: string,
    leaseToken: string,
    update: ProgressUpdate,
    leaseMs: number,
  ): Promise<LeaseStatus> {
    const percent = finiteOrNull('percent', update.percent);
    if (percent !== null && (percent < 0 || percent > 100)) {
      throw new ValidationError(`progress percent must be 0 to 100, got ${percent}`, { field: 'percent' });
    }
    const epoch = update.epoch ?? null;
    if (epoch !== null) assertInteger('epoch', epoch, 0, 10_000_000);
    const totalEpochs = update.totalEpochs ?? null;
    if (totalEpochs !== null) assertInteger('totalEpochs', totalEpochs, 0, 10_000_000);
    const trainLoss = finiteOrNull('trainLoss', update.trainLoss);
    const validationLoss = finiteOrNull('validationLoss', update.validationLoss);
    const lossPoint =
      epoch !== null && trainLoss !== null ? toJsonText([{ epoch, trainLoss, validationLoss }]) : null;
    const message =
      update.message === undefined || update.message === null ? null : update.message.slice(0, 2000);
    const [row] = await this.database.query<{ cancel_requested: boolean }>(
      `UPDATE jobs SET
         progress_percent = coalesce($3, progress_percent),
         progress_message = coalesce($4, progress_message),
         progress_epoch = coalesce($5, progress_epoch),
         progress_total_epochs = coalesce($6, progress_total_epochs),
         loss_history = CASE WHEN $7::jsonb IS NULL THEN loss_history ELSE loss_history || $7::jsonb END,
         lease_expires_at_ms = ${NOW} + $8,
         heartbeat_at_ms = ${NOW},
         updated_at_ms = ${NOW}
       WHERE id = $1 AND lease_token = $2 AND state = 'running'
       RETURNING cancel_requested`,
      [id, leaseToken, percent, message, epoch, totalEpochs, lossPoint, leaseMs],
    );
    return row
      ? { held: true, cancelRequested: row.cancel_requested }
      : { held: false, cancelRequested: false };
  }

  /** Marks the job succeeded with its result; false when the lease was no longer held (nothing written). */
  async complete(id: string, leaseToken: string, result: unknown): Promise<JobRecord | null> {
    const [row] = await this.database.query<JobRow>(
      `UPDATE jobs SET state = 'succeeded', result = $3::jsonb, progress_percent = 100,
         lease_token = NULL, lease_expires_at_ms = NULL, finished_at_ms = ${NOW}, updated_at_ms = ${NOW}
       WHERE id = $1 AND lease_token = $2 AND state = 'running'
       RETURNING *`,
      [id, leaseToken, toJsonText(result ?? null)],
    );
    return row ? toJob(row) : null;
  }

  /**
   * Records a failure: queued again after `retryAfterMs` while attempts remain (and no cancel was
   * asked for), otherwise failed. Null when the lease was no longer held.
   */
  async fail(id: string, leaseToken: string, failure: JobFailure): Promise<JobRecord | null> {
    const retryAfterMs = failure.retryAfterMs;
    if (retryAfterMs !== null) assertInteger('retryAfterMs', retryAfterMs, 0, 86_400_000);
    const [row] = await this.database.query<JobRow>(
      `UPDATE jobs SET
         state = CASE WHEN $4::bigint IS NOT NULL AND attempts < max_attempts AND NOT cancel_requested
                      THEN 'queued' ELSE 'failed' END,
         run_after_ms = CASE WHEN $4::bigint IS NOT NULL THEN ${NOW} + $4::bigint ELSE run_after_ms END,
         error = $3,
         error_code = $5,
         lease_token = NULL,
         lease_expires_at_ms = NULL,
         finished_at_ms = CASE WHEN $4::bigint IS NOT NULL AND attempts < max_attempts AND NOT cancel_requested
                               THEN NULL ELSE ${NOW} END,
         updated_at_ms = ${NOW}
       WHERE id = $1 AND lease_token = $2 AND state = 'running'
       RETURNING *`,
      [id, leaseToken, failure.error.slice(0, 4000), retryAfterMs, failure.code ?? null],
    );
    return row ? toJob(row) : null;
  }

  /** The holder stopped because a cancel was asked for. */
  async markCancelled(id: string, leaseToken: string): Promise<JobRecord | null> {
    const [row] = await this.database.query<JobRow>(
      `UPDATE jobs SET state = 'cancelled', lease_token = NULL, lease_expires_at_ms = NULL,
         finished_at_ms = ${NOW}, updated_at_ms = ${NOW}
       WHERE id = $1 AND lease_token = $2 AND state = 'running'
       RETURNING *`,
      [id, leaseToken],
    );
    return row ? toJob(row) : null;
  }

  /** Gives a job back untouched (a worker shutting down): queued again at once, the attempt not counted. */
  async release(id: string, leaseToken: string): Promise<JobRecord | null> {
    const [row] = await this.database.query<JobRow>(
      `UPDATE jobs SET state = 'queued', attempts = greatest(attempts - 1, 0), run_after_ms = ${NOW},
         lease_token = NULL, lease_owner = NULL, lease_expires_at_ms = NULL, updated_at_ms = ${NOW}
       WHERE id = $1 AND lease_token = $2 AND state = 'running'
       RETURNING *`,
      [id, leaseToken],
    );
    return row ? toJob(row) : null;
  }

  /**
   * Asks for a job to stop: a queued job is cancelled at once, a running one is flagged and its
   * worker stops at its next progress report or heartbeat. Finished jobs are left as they are.
   * Null when there is no such job.
   */
  async requestCancel(id: string): Promise<JobRecord | null> {
    assertJobId(id);
    const [row] = await this.database.query<JobRow>(
      `UPDATE jobs SET
         state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,
         finished_at_ms = CASE WHEN state = 'queued' THEN ${NOW} ELSE finished_at_ms END,
         cancel_requested = true,
         updated_at_ms = ${NOW}
       WHERE id = $1 AND state IN ('queued', 'running')
       RETURNING *`,
      [id],
    );
    return row ? toJob(row) : this.get(id);
  }

  /** Deletes finished jobs that ended before `finishedBeforeMs`; returns how many. */
  async pruneFinished(finishedBeforeMs: number): Promise<number> {
    const rows = await this.database.query<{ id: string }>(
      `DELETE FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_at_ms < $1 RETURNING id`,
      [finishedBeforeMs],
    );
    return rows.length;
  }

  /** The database clock, in epoch milliseconds (leases are measured on it). */
  async nowMs(): Promise<number> {
    const [row] = await this.database.query<{ now_ms: number }>(`SELECT ${NOW} AS now_ms`);
    return row!.now_ms;
  }

  async getSchedulerState<T>(name: string): Promise<T | null> {
    const [row] = await this.database.query<{ value: T }>(
      'SELECT value FROM scheduler_state WHERE name = $1',
      [name],
    );
    return row ? row.value : null;
  }

  async setSchedulerState(name: string, value: unknown): Promise<void> {
    await this.database.query(
      `INSERT INTO scheduler_state (name, value, updated_at_ms) VALUES ($1, $2::jsonb, ${NOW})
       ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms`,
      [name, toJsonText(value)],
    );
  }
}
