import { RunecastError } from '@runecast/market';
import type { JobRecord } from '../store/job.port.ts';

/** One progress report of a running job. Every field is optional; what is left out keeps its last value. */
export interface JobProgressReport {
  /** 0 to 100. */
  percent?: number;
  message?: string;
  epoch?: number;
  totalEpochs?: number;
  /** With `epoch`: one point of the loss curves. */
  trainLoss?: number;
  validationLoss?: number | null;
}

/** What a handler gets besides its payload. */
export interface JobContext {
  readonly job: JobRecord;
  /** Aborted when the job is cancelled, its lease is lost, or the worker shuts down. */
  readonly signal: AbortSignal;
  /**
   * Records progress in the store and on the bus. Cheap to call often: plain percent updates are
   * merged and written a few times a second, epoch reports always. A cancel asked for meanwhile
   * shows up as `signal` aborting after the write.
   */
  progress(report: JobProgressReport): void;
  /** Waits for pending progress writes, then throws JobCancelledError if the job must stop. */
  checkpoint(): Promise<void>;
}

/** Runs one kind of job. `parsePayload` throws a ValidationError for a payload it cannot run. */
export interface JobHandler<Payload = unknown, Result = unknown> {
  readonly kind: string;
  parsePayload(raw: unknown): Payload;
  run(payload: Payload, context: JobContext): Promise<Result>;
}

/** Why a running job stopped before finishing. */
export type JobStopReason = 'cancelled' | 'lease-lost' | 'shutdown';

/** Thrown inside a handler when its job must stop; the worker records the outcome. */
export class JobCancelledError extends RunecastError {
  constructor(readonly reason: JobStopReason = 'cancelled') {
    super('cancelled', reason === 'cancelled' ? 'the job was cancelled' : `the job stopped (${reason})`);
  }
}

/** Error codes that mean "this input will never work": such a job fails at once, without retries. */
const PERMANENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'validation_failed',
  'not_found',
  'conflict',
  'bad_symbol',
  'unsupported',
  'corrupt_artifact',
]);

export function isPermanentJobError(error: unknown): boolean {
  return error instanceof RunecastError && PERMANENT_ERROR_CODES.has(error.code);
}

export function errorCodeOf(error: unknown): string {
  return error instanceof RunecastError ? error.code : 'internal';
}
