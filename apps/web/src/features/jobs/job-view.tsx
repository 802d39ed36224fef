/** @jsxRuntime automatic */
import { apiJobSchema, type ApiJob } from '@runecast/contracts';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { ProgressBar } from '../../components/progress-bar.tsx';
import { InlineError } from '../../components/query-state.tsx';
import { formatDuration } from '../../lib/format.ts';
import { useTimeFormat } from '../../lib/preferences.ts';
import { useApi } from '../../lib/services.tsx';
import { isFinished } from './job-progress.ts';
import { JobRemaining } from './job-remaining.tsx';
import { LossChart } from './loss-chart.tsx';
import type { FollowedJob } from './use-job.ts';

function useNow(active: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs]);
  return now;
}

export function JobStateBadge(props: { state: ApiJob['state'] }) {
  return (
    <span className={`badge ${props.state}`} data-testid="job-state">
      {props.state}
    </span>
  );
}

/**
 * A job as it runs: state, progress bar, step messages, elapsed and remaining time, the loss
 * per epoch when the model trains in epochs, and cancel; `children` shows the result.
 */
export function JobView(props: { followed: FollowedJob; showLoss?: boolean; children?: ReactNode }) {
  const { formatTime } = useTimeFormat();
  const api = useApi();
  const { job, steps, samples, status, error } = props.followed;
  const running = job !== null && !isFinished(job);
  const now = useNow(running);
  const cancel = useMutation({
    mutationFn: (jobId: string) =>
      api.request(`/api/v1/jobs/${jobId}/cancel`, { method: 'POST', schema: apiJobSchema }),
  });
  if (job === null) {
    return error ? (
      <div className="notice error">{error}</div>
    ) : (
      <div className="stack">
        <ProgressBar percent={null} label="Waiting for the job" />
        <span className="muted small">Connecting to the job's progress ({status})…</span>
      </div>
    );
  }
  const startedAtMs = job.startedAtMs;
  const endMs = job.finishedAtMs ?? now;
  const elapsedMs = startedAtMs === null ? null : Math.max(0, endMs - startedAtMs);
  const percent = job.state === 'succeeded' ? 100 : job.progress.percent;
  return (
    <div className="stack" data-testid="job-view" data-job-id={job.id} data-state={job.state}>
      <div className="row">
        <strong>{job.kind}</strong>
        <JobStateBadge state={job.state} />
        <span className="muted small mono">{job.id}</span>
        <span className="spacer" />
        {running ? (
          <button
            type="button"
            className="danger small"
            disabled={cancel.isPending || job.cancelRequested}
            onClick={() => cancel.mutate(job.id)}
          >
            {job.cancelRequested || cancel.isSuccess ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : null}
      </div>
      <ProgressBar percent={job.state === 'queued' ? null : percent} label={`${job.kind} progress`} />
      <div className="row small muted" style={{ justifyContent: 'space-between' }}>
        <span data-testid="job-percent">
          {percent === null ? (job.state === 'queued' ? 'queued' : 'starting') : `${percent.toFixed(0)}%`}
          {job.progress.message ? ` · ${job.progress.message}` : ''}
        </span>
        <span>
          {job.progress.epoch !== null && job.progress.totalEpochs !== null
            ? `epoch ${job.progress.epoch}/${job.progress.totalEpochs} · `
            : ''}
          elapsed {formatDuration(elapsedMs)}
          {job.state === 'running' ? <JobRemaining samples={samples} nowMs={now} prefix=" · " /> : null}
        </span>
      </div>
      <InlineError error={cancel.error} />
      {job.state === 'failed' ? (
        <div className="notice error" role="alert">
          The job failed{job.errorCode ? ` (${job.errorCode})` : ''}: {job.error ?? 'no reason given'}
        </div>
      ) : null}
      {job.state === 'cancelled' ? <div className="notice warning">The job was cancelled.</div> : null}
      {error ? <div className="notice error">{error}</div> : null}
      {props.showLoss || job.lossHistory.length > 0 ? <LossChart points={job.lossHistory} /> : null}
      {steps.length > 0 ? (
        <details open={running}>
          <summary className="small muted">Steps ({steps.length})</summary>
          <ol
            className="small mono"
            data-testid="job-steps"
            style={{ maxHeight: 180, overflowY: 'auto', margin: '6px 0 0' }}
          >
            {steps.map((step, index) => (
              <li key={index}>
                <span className="muted">{formatTime(step.atMs, true).slice(11, 19)}</span> {step.message}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
      {props.children}
    </div>
  );
}
