import type { ApiJobSummary } from '@runecast/contracts';
import { formatDuration } from '../../lib/format.ts';
import { describePayload } from '../jobs/job-payload.ts';
import { describeRemaining, estimateRemaining, type ProgressSample } from '../jobs/job-progress.ts';

export interface TrainingLine {
  id: string;
  /** What is trained: series, horizon and model. */
  what: string;
  /** Where it is: queued, or its percent and roughly how long is left. */
  status: string;
}

/**
 * The trainings running or waiting, running first, each with roughly when its result comes
 * (from the progress measured in `samplesOf`, see `estimateRemaining`).
 */
export function trainingLines(
  jobs: readonly ApiJobSummary[],
  nowMs: number,
  samplesOf: (jobId: string) => readonly ProgressSample[],
): TrainingLine[] {
  return jobs
    .filter((job) => job.kind === 'train' && (job.state === 'running' || job.state === 'queued'))
    .sort((a, b) => (a.state === b.state ? a.createdAtMs - b.createdAtMs : a.state === 'running' ? -1 : 1))
    .map((job) => {
      const percent = job.progress.percent;
      const status =
        job.state === 'queued'
          ? 'waiting'
          : percent === null
            ? 'starting'
            : `${percent.toFixed(0)}%, ${describeRemaining(estimateRemaining(samplesOf(job.id), nowMs), formatDuration)}`;
      return { id: job.id, what: describePayload(job.payload), status };
    });
}
