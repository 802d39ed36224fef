import {
  apiJobSchema,
  jobProgressMessageSchema,
  type ApiJob,
  type JobProgressMessage,
} from '@runecast/contracts';
import { useEffect, useRef, useState } from 'react';
import { z } from 'zod';
import { openEventStream, type LiveStreamStatus } from '../../lib/live-stream.ts';
import { useApi } from '../../lib/services.tsx';
import { applyProgress, isFinished, recordProgress, type ProgressSample } from './job-progress.ts';

export interface StepMessage {
  atMs: number;
  message: string;
}

export interface FollowedJob {
  job: ApiJob | null;
  /** Distinct step messages in the order they came, for a log under the progress bar. */
  steps: StepMessage[];
  /** Percent reports as they came, for the time left. */
  samples: ProgressSample[];
  status: LiveStreamStatus;
  error: string | null;
}

const endEventSchema = z.object({ jobId: z.string(), state: z.string() });
const errorEventSchema = z.object({ code: z.string(), message: z.string() });
const MAX_STEPS = 200;

/**
 * Follows one job over `GET /jobs/{id}/events`: the record first, progress as it runs
 * (percent, step message, epoch and losses), and the final record with its result. The
 * stream is closed at `end`, so the browser does not reconnect to a finished job.
 */
export function useFollowJob(jobId: string | null): FollowedJob {
  const api = useApi();
  const [state, setState] = useState<FollowedJob>({
    job: null,
    steps: [],
    samples: [],
    status: 'connecting',
    error: null,
  });

  useEffect(() => {
    setState({ job: null, steps: [], samples: [], status: 'connecting', error: null });
    if (jobId === null) return;
    const addStep = (steps: StepMessage[], message: string | null, atMs: number) =>
      message === null || steps.at(-1)?.message === message
        ? steps
        : [...steps, { atMs, message }].slice(-MAX_STEPS);
    let stop: (() => void) | null = null;
    let ended = false;
    stop = openEventStream(api, {
      path: `/api/v1/jobs/${jobId}/events`,
      query: {},
      events: {
        job: {
          schema: apiJobSchema,
          handle: (job: ApiJob) =>
            setState((previous) => ({
              ...previous,
              job,
              steps: addStep(previous.steps, job.progress.message, job.updatedAtMs),
              samples:
                job.state === 'running'
                  ? recordProgress(previous.samples, job.updatedAtMs, job.progress.percent)
                  : previous.samples,
            })),
        },
        progress: {
          schema: jobProgressMessageSchema,
          handle: (message: JobProgressMessage) =>
            setState((previous) => ({
              ...previous,
              job: previous.job === null ? null : applyProgress(previous.job, message),
              steps: addStep(previous.steps, message.message, message.atMs),
              samples:
                message.state === 'running'
                  ? recordProgress(previous.samples, message.atMs, message.percent)
                  : previous.samples,
            })),
        },
        end: {
          schema: endEventSchema,
          handle: () => {
            ended = true;
            stop?.();
          },
        },
        error: {
          schema: errorEventSchema,
          handle: (data: z.infer<typeof errorEventSchema>) =>
            setState((previous) => ({ ...previous, error: data.message })),
        },
      },
      onStatus: (status, reason) =>
        setState((previous) => ({
          ...previous,
          status: ended && status === 'closed' ? 'closed' : status,
          error: status === 'closed' && reason && !ended ? reason : previous.error,
        })),
    });
    return () => stop?.();
  }, [api, jobId]);

  return state;
}

export function jobIsFinished(job: ApiJob | null): boolean {
  return job !== null && isFinished(job);
}

/**
 * Percent reports of many jobs (a list's rows), kept across renders: `record` adds what a poll or
 * a progress message says, `samplesOf` gives a job's measurements for its time left.
 */
export function useProgressSamples() {
  const samples = useRef(new Map<string, ProgressSample[]>());
  return {
    record(jobId: string, atMs: number, percent: number | null) {
      samples.current.set(jobId, recordProgress(samples.current.get(jobId) ?? [], atMs, percent));
    },
    samplesOf(jobId: string): ProgressSample[] {
      return samples.current.get(jobId) ?? [];
    },
  };
}
