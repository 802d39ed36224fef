import type { JobProgressMessage, JobRecordMessage, LossPoint } from '@runecast/contracts';

export type JobRecord = JobRecordMessage;

export const FINISHED_STATES: ReadonlySet<JobRecord['state']> = new Set(['succeeded', 'failed', 'cancelled']);

export function isFinished(job: Pick<JobRecord, 'state'>): boolean {
  return FINISHED_STATES.has(job.state);
}

/** Time left, extrapolated from the time taken so far; null until there is progress to go by. */
export function estimateRemainingMs(
  startedAtMs: number | null,
  nowMs: number,
  percent: number | null,
): number | null {
  if (startedAtMs === null || percent === null || percent <= 0 || percent >= 100) return null;
  const elapsedMs = nowMs - startedAtMs;
  if (elapsedMs <= 0) return null;
  return (elapsedMs * (100 - percent)) / percent;
}

/** Loss points by epoch, oldest first; a later report of an epoch replaces the earlier. */
export function mergeLossPoints(...lists: readonly (readonly LossPoint[])[]): LossPoint[] {
  const byEpoch = new Map<number, LossPoint>();
  for (const list of lists) for (const point of list) byEpoch.set(point.epoch, point);
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/**
 * A job as the progress stream says it is now: state, percent, message and epoch, and the
 * message's loss point appended. Messages of an older attempt or older than the record are
 * ignored.
 */
export function applyProgress(job: JobRecord, message: JobProgressMessage): JobRecord {
  if (message.jobId !== job.id || message.atMs < job.updatedAtMs) return job;
  const lossHistory =
    message.epoch !== null && message.trainLoss !== null
      ? mergeLossPoints(job.lossHistory, [
          { epoch: message.epoch, trainLoss: message.trainLoss, validationLoss: message.validationLoss },
        ])
      : job.lossHistory;
  return {
    ...job,
    state: message.state,
    attempts: Math.max(job.attempts, message.attempt),
    progress: {
      percent: message.percent ?? job.progress.percent,
      message: message.message ?? job.progress.message,
      epoch: message.epoch ?? job.progress.epoch,
      totalEpochs: message.totalEpochs ?? job.progress.totalEpochs,
    },
    lossHistory,
    error: message.error ?? job.error,
    updatedAtMs: message.atMs,
    startedAtMs: job.startedAtMs ?? (message.state === 'running' ? message.atMs : null),
    finishedAtMs: FINISHED_STATES.has(message.state) ? (job.finishedAtMs ?? message.atMs) : job.finishedAtMs,
  };
}
