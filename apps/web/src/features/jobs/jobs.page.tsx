/** @jsxRuntime automatic */
import {
  jobListResponseSchema,
  jobProgressMessageSchema,
  jobStates,
  type ApiJobSummary,
  type JobProgressMessage,
} from '@runecast/contracts';
import { useInfiniteQuery, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ProgressBar } from '../../components/progress-bar.tsx';
import { ErrorState, LoadingState } from '../../components/query-state.tsx';
import { formatDuration, formatRelative } from '../../lib/format.ts';
import { useTimeFormat } from '../../lib/preferences.ts';
import { openEventStream } from '../../lib/live-stream.ts';
import { useApi } from '../../lib/services.tsx';
import { describePayload } from './job-payload.ts';
import { JobStateBadge, JobView } from './job-view.tsx';
import { JobRemaining } from './job-remaining.tsx';
import { useFollowJob, useProgressSamples } from './use-job.ts';

const PAGE_SIZE = 50;
type JobPage = { jobs: ApiJobSummary[]; nextBeforeMs: number | null };

function JobsList() {
  const { formatTime } = useTimeFormat();
  const api = useApi();
  const queryClient = useQueryClient();
  const [state, setState] = useState('');
  const [kind, setKind] = useState('');
  const queryKey = ['jobs', state, kind];
  const progressSamples = useProgressSamples();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const jobs = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam, signal }) =>
      api.request('/api/v1/jobs', {
        query: {
          state: state || undefined,
          kind: kind.trim() || undefined,
          limit: PAGE_SIZE,
          before: pageParam ?? undefined,
        },
        schema: jobListResponseSchema,
        signal,
      }),
    initialPageParam: null as number | null,
    getNextPageParam: (page) => page.nextBeforeMs,
  });

  useEffect(
    () =>
      openEventStream(api, {
        path: '/api/v1/jobs/events',
        query: {},
        events: {
          progress: {
            schema: jobProgressMessageSchema,
            handle: (message: JobProgressMessage) => {
              if (message.state === 'running')
                progressSamples.record(message.jobId, message.atMs, message.percent);
              let known = false;
              queryClient.setQueriesData<InfiniteData<JobPage>>({ queryKey: ['jobs'] }, (data) => {
                if (data === undefined) return data;
                return {
                  ...data,
                  pages: data.pages.map((page) => ({
                    ...page,
                    jobs: page.jobs.map((job) => {
                      if (job.id !== message.jobId) return job;
                      known = true;
                      return {
                        ...job,
                        state: message.state,
                        progress: {
                          percent: message.percent ?? job.progress.percent,
                          message: message.message ?? job.progress.message,
                          epoch: message.epoch ?? job.progress.epoch,
                          totalEpochs: message.totalEpochs ?? job.progress.totalEpochs,
                        },
                        updatedAtMs: message.atMs,
                      };
                    }),
                  })),
                };
              });
              if (!known) void queryClient.invalidateQueries({ queryKey: ['jobs'] });
            },
          },
        },
      }),
    [api, queryClient],
  );

  const list = jobs.data?.pages.flatMap((page) => page.jobs) ?? [];
  for (const job of list) {
    if (job.state === 'running') progressSamples.record(job.id, job.updatedAtMs, job.progress.percent);
  }
  return (
    <section className="panel" aria-label="Jobs">
      <div className="panel-header">
        <div className="row">
          <label className="field">
            State
            <select value={state} onChange={(event) => setState(event.target.value)}>
              <option value="">every state</option>
              {jobStates.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            Kind
            <input
              value={kind}
              onChange={(event) => setKind(event.target.value)}
              placeholder="train, backtest…"
            />
          </label>
        </div>
        <span className="muted small">Updates live.</span>
      </div>
      {jobs.isPending ? (
        <LoadingState />
      ) : jobs.isError ? (
        <ErrorState error={jobs.error} onRetry={() => void jobs.refetch()} />
      ) : list.length === 0 ? (
        <div className="state" data-testid="empty-state">
          No jobs{state ? ` in state ${state}` : ''} yet. Start one on the Training or Forecast page.
        </div>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Kind</th>
                  <th>State</th>
                  <th>About</th>
                  <th style={{ width: 220 }}>Progress</th>
                  <th>Created</th>
                  <th className="num">Took</th>
                </tr>
              </thead>
              <tbody>
                {list.map((job) => (
                  <tr key={job.id} data-testid="job-row" data-state={job.state}>
                    <td>
                      <Link to={`/jobs/${job.id}`}>{job.kind}</Link>
                    </td>
                    <td>
                      <JobStateBadge state={job.state} />
                    </td>
                    <td className="small">{describePayload(job.payload)}</td>
                    <td>
                      <ProgressBar
                        percent={job.state === 'succeeded' ? 100 : job.progress.percent}
                        label={`${job.kind} progress`}
                      />
                      <div
                        className="small muted"
                        style={{
                          marginTop: 2,
                          maxWidth: 260,
                          overflow: 'hidden',
                          textOverflow: 'ellipsis',
                          whiteSpace: 'nowrap',
                        }}
                      >
                        {job.error ?? job.progress.message ?? ''}
                      </div>
                      {job.state === 'running' ? (
                        <div className="small muted">
                          <JobRemaining samples={progressSamples.samplesOf(job.id)} nowMs={now} />
                        </div>
                      ) : null}
                    </td>
                    <td className="small" title={formatTime(job.createdAtMs, true)}>
                      {formatRelative(job.createdAtMs)}
                    </td>
                    <td className="num small">
                      {job.startedAtMs === null
                        ? '—'
                        : formatDuration((job.finishedAtMs ?? Date.now()) - job.startedAtMs)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="row" style={{ marginTop: 10 }}>
            <span className="spacer" />
            {jobs.hasNextPage ? (
              <button
                type="button"
                disabled={jobs.isFetchingNextPage}
                onClick={() => void jobs.fetchNextPage()}
              >
                Older jobs
              </button>
            ) : (
              <span className="muted small">No older jobs.</span>
            )}
          </div>
        </>
      )}
    </section>
  );
}

function JobDetail(props: { jobId: string }) {
  const followed = useFollowJob(props.jobId);
  return (
    <section className="panel" aria-label="Job">
      <JobView followed={followed}>
        {followed.job ? (
          <details>
            <summary className="small muted">Payload and result</summary>
            <pre className="small" style={{ whiteSpace: 'pre-wrap' }}>
              {JSON.stringify({ payload: followed.job.payload, result: followed.job.result }, null, 2)}
            </pre>
          </details>
        ) : null}
      </JobView>
    </section>
  );
}

export default function JobsPage() {
  const { jobId } = useParams();
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>{jobId ? 'Job' : 'Jobs'}</h1>
          <p>
            {jobId ? (
              <Link to="/jobs">All jobs</Link>
            ) : (
              'Training, backtests, tuning and forecasts, newest first.'
            )}
          </p>
        </div>
      </div>
      {jobId ? <JobDetail jobId={jobId} /> : <JobsList />}
    </div>
  );
}
