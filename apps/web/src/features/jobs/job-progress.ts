import type { JobProgressMessage, JobRecordMessage, LossPoint } from '@runecast/contracts';

export type JobRecord = JobRecordMessage;

export const FINISHED_STATES: ReadonlySet<JobRecord['state']> = new Set(['succeeded', 'failed', 'cancelled']);

export function isFinished(job: Pick<JobRecord, 'state'>): boolean {
  return FINISHED_STATES.has(job.state);
}

/** A percent a job reported, and when. */
export interface ProgressSample {
  atMs: number;
  percent: number;
}

/** Progress measured before a rate is trusted: enough points and enough time. */
const MIN_PROGRESS_POINTS = 3;
const MIN_MEASURED_MS = 3_000;
/** Reports of a percent above 0: two steps of progress at least. */
const MIN_REPORTS = 3;
/** The rate is read over about this much recent time, so a slow start (loading data) fades out. */
const RATE_WINDOW_MS = 120_000;
const MAX_SAMPLES = 200;

/**
 * Adds a progress report to a job's samples. A percent lower than the last (a retry, or a job
 * that starts over) starts the measurement again; an unchanged percent adds nothing.
 */
export function recordProgress(
  samples: readonly ProgressSample[],
  atMs: number,
  percent: number | null,
): ProgressSample[] {
  if (percent === null) return [...samples];
  const last = samples.at(-1);
  if (last !== undefined && atMs < last.atMs) return [...samples];
  if (last !== undefined && percent < last.percent) return [{ atMs, percent }];
  if (last !== undefined && percent === last.percent) return [...samples];
  return [...samples, { atMs, percent }].slice(-MAX_SAMPLES);
}

/** What to say about the time left: a duration, or that there is not enough progress yet. */
export type RemainingEstimate = { state: 'estimating' } | { state: 'known'; remainingMs: number };

/**
 * Time left from the measured progress rate: percent gained over the recent reports above 0%
 * (about the last two minutes, at least three percent points and three reports), extrapolated
 * from the latest report. Until that much progress is measured, or when the job has stalled past
 * its estimate, it is "estimating".
 */
export function estimateRemaining(samples: readonly ProgressSample[], nowMs: number): RemainingEstimate {
  // Time spent at 0% (queued work, loading data) says nothing about the pace of the work itself.
  const measured = samples.filter((sample) => sample.percent > 0);
  const last = measured.at(-1);
  if (last === undefined || last.percent >= 100 || measured.length < MIN_REPORTS)
    return { state: 'estimating' };
  // The oldest sample within the window, but far enough back to hold the minimum progress.
  let first = measured.length - 1;
  while (
    first > 0 &&
    (last.atMs - measured[first]!.atMs < RATE_WINDOW_MS ||
      last.percent - measured[first]!.percent < MIN_PROGRESS_POINTS)
  ) {
    first -= 1;
  }
  const from = measured[first]!;
  const gained = last.percent - from.percent;
  const measuredMs = last.atMs - from.atMs;
  if (gained < MIN_PROGRESS_POINTS || measuredMs < MIN_MEASURED_MS) return { state: 'estimating' };
  const msPerPercent = measuredMs / gained;
  const remainingMs = (100 - last.percent) * msPerPercent - Math.max(0, nowMs - last.atMs);
  return remainingMs > 0 ? { state: 'known', remainingMs } : { state: 'estimating' };
}

/** "about 3 min left", or "estimating…" while too little progress is measured. */
export function describeRemaining(
  estimate: RemainingEstimate,
  formatDuration: (ms: number) => string,
): string {
  return estimate.state === 'known' ? `about ${formatDuration(estimate.remainingMs)} left` : 'estimating…';
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
