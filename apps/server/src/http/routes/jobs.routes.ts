import {
  allJobEventsQuerySchema,
  apiJobSchema,
  jobEventsQuerySchema,
  jobListQuerySchema,
  jobListResponseSchema,
  jobParamsSchema,
  type JobProgressMessage,
} from '@runecast/contracts';
import { z } from 'zod';
import { mayAccessOwned } from '../../auth/ownership.ts';
import type { Principal } from '../../auth/principal.ts';
import { jobProgressTopic } from '../../bus/topics.ts';
import { isFinishedJobState, jobProgressMessage } from '../../jobs/job-queue.ts';
import type { JobRecord } from '../../store/job.port.ts';
import { requestOrigin, type ApiApp, type ApiContext } from '../api-context.ts';
import { checkField, jobSummary, type ForecastingApi } from '../forecasting-api.ts';
import { HttpError } from '../http-errors.ts';
import { enforceQuota } from '../quotas.ts';
import { openEventStream, type EventStream } from '../server-sent-events.ts';

const tags = ['jobs'];

/** What a progress event says, to send the same state once whether the bus or the store told it. */
function progressKey(
  message: Pick<JobProgressMessage, 'state' | 'percent' | 'message' | 'epoch' | 'attempt'>,
): string {
  return JSON.stringify([message.state, message.attempt, message.percent, message.message, message.epoch]);
}

/**
 * Jobs: list, one job, cancel, and progress as Server-Sent Events for one job or all. A user sees
 * and cancels the jobs they started and sees those of the system (cancelled by admins only);
 * another user's job answers 404. Admins see and cancel every job.
 */
export function registerJobRoutes(app: ApiApp, context: ApiContext, api: ForecastingApi): void {
  const { queue } = api.runtime;
  const streams = new Set<EventStream>();
  app.addHook('onClose', async () => {
    for (const stream of streams) stream.close();
  });
  /** Before a stream opens: a user may hold only so many at once. */
  const allowStream = (principal: Principal) =>
    enforceQuota(
      principal,
      context.quotas,
      'openStreamsPerUser',
      context.streamAccess.countFor(principal.userId),
    );
  const track = (stream: EventStream, principal: Principal) => {
    context.streamAccess.watch(principal, stream);
    streams.add(stream);
    context.metrics.stream.clients.inc();
    stream.onClose(() => {
      streams.delete(stream);
      context.metrics.stream.clients.dec();
    });
  };
  const requireJob = (principal: Principal, jobId: string) =>
    checkField('params.jobId', async () => {
      const job = await queue.require(jobId);
      if (!mayAccessOwned(principal, job.ownerUserId, 'read')) {
        throw new HttpError(404, 'not_found', `params.jobId: job ${jobId} does not exist`, {
          id: jobId,
          field: 'params.jobId',
        });
      }
      return job;
    });

  app.get(
    '/jobs',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Jobs newest first, filtered by state and kind (comma-separated), paged with `before`',
        querystring: jobListQuerySchema,
        response: { 200: jobListResponseSchema },
      },
    },
    async (request) => {
      const { state, kind, before } = request.query;
      const limit = request.query.limit ?? 100;
      const principal = request.principal!;
      const jobs = await queue.list({
        ...(principal.role === 'admin' ? {} : { visibleToUserId: principal.userId }),
        ...(state === undefined ? {} : { states: state }),
        ...(kind === undefined ? {} : { kinds: kind }),
        ...(before === undefined ? {} : { createdBeforeMs: before }),
        limit: limit + 1,
      });
      const page = jobs.slice(0, limit);
      return {
        jobs: page.map(jobSummary),
        nextBeforeMs: jobs.length > limit ? page.at(-1)!.createdAtMs : null,
      };
    },
  );

  app.get(
    '/jobs/events',
    {
      config: { access: 'user', allowStreamTicket: true, produces: { 200: 'text/event-stream' } },
      schema: {
        tags,
        summary:
          'Server-Sent Events: `ready`, then `progress` (state, percent, message, epoch and losses) of every job, or of the kinds named',
        querystring: allJobEventsQuerySchema,
        response: { 200: z.string().describe('text/event-stream') },
      },
    },
    async (request, reply) => {
      const kinds = request.query.kind === undefined ? null : new Set(request.query.kind);
      const principal = request.principal!;
      // Whether each job seen is the caller's: asked of the store once per job and stream.
      const visible = new Map<string, Promise<boolean>>();
      const mayFollow = (jobId: string): Promise<boolean> => {
        if (principal.role === 'admin') return Promise.resolve(true);
        let answer = visible.get(jobId);
        if (answer === undefined) {
          answer = queue
            .get(jobId)
            .then((job) => job !== null && mayAccessOwned(principal, job.ownerUserId, 'read'))
            .catch(() => false);
          visible.set(jobId, answer);
        }
        return answer;
      };
      allowStream(request.principal!);
      const stream = openEventStream(request, reply);
      track(stream, request.principal!);
      try {
        const forward = async (message: JobProgressMessage) => {
          if (!(await mayFollow(message.jobId)) || stream.closed) return;
          stream.send('progress', message);
          context.metrics.stream.events.inc({ event: 'job-progress' });
        };
        const stop = await context.liveFeed.listenFamily('jobProgress', (_topic, data) => {
          const message = data as JobProgressMessage;
          if (kinds !== null && !kinds.has(message.kind)) return;
          void forward(message);
        });
        stream.onClose(stop);
        stream.send('ready', { kinds: kinds === null ? null : [...kinds] });
      } catch (error) {
        stream.send('error', {
          code: 'unavailable',
          message: `job events are unavailable: ${(error as Error).message}`,
        });
        stream.close();
      }
      return reply;
    },
  );

  app.get(
    '/jobs/:jobId',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'One job: state, progress, loss curve (per epoch), result and error',
        params: jobParamsSchema,
        response: { 200: apiJobSchema },
      },
    },
    async (request) => requireJob(request.principal!, request.params.jobId),
  );

  app.post(
    '/jobs/:jobId/cancel',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Cancel a job: a queued one at once, a running one at its next progress report (409 when it has already finished)',
        params: jobParamsSchema,
        response: { 200: apiJobSchema },
      },
    },
    async (request) => {
      const job = await requireJob(request.principal!, request.params.jobId);
      if (!mayAccessOwned(request.principal!, job.ownerUserId, 'change')) {
        throw new HttpError(403, 'forbidden', 'only admins cancel jobs the system started');
      }
      if (isFinishedJobState(job.state)) {
        throw new HttpError(
          409,
          'conflict',
          `params.jobId: job ${job.id} has already ${job.state === 'cancelled' ? 'been cancelled' : job.state}`,
          {
            field: 'params.jobId',
            state: job.state,
          },
        );
      }
      const cancelled = await queue.cancel(job.id);
      await context.auth.audit.record({
        actor: request.principal,
        action: 'job.cancel',
        target: `job:${job.id}`,
        outcome: 'success',
        origin: requestOrigin(request),
        details: { kind: job.kind, state: cancelled.state },
      });
      return cancelled;
    },
  );

  app.get(
    '/jobs/:jobId/events',
    {
      config: { access: 'user', allowStreamTicket: true, produces: { 200: 'text/event-stream' } },
      schema: {
        tags,
        summary:
          'Server-Sent Events of one job: `job` (the whole record) first, `progress` as it runs, then `job` again with the result and `end` once it has finished',
        params: jobParamsSchema,
        querystring: jobEventsQuerySchema,
        response: { 200: z.string().describe('text/event-stream') },
      },
    },
    async (request, reply) => {
      const jobId = request.params.jobId;
      await requireJob(request.principal!, jobId);
      allowStream(request.principal!);
      const stream = openEventStream(request, reply);
      track(stream, request.principal!);
      let lastKey = '';
      let ending = false;
      const sendProgress = (message: JobProgressMessage) => {
        const key = progressKey(message);
        // Loss points are news even when the rest repeats.
        if (key === lastKey && message.trainLoss === null) return;
        lastKey = key;
        stream.send('progress', message);
        context.metrics.stream.events.inc({ event: 'job-progress' });
      };
      const end = async (known?: JobRecord) => {
        if (ending || stream.closed) return;
        ending = true;
        const job = known ?? (await queue.get(jobId).catch(() => null));
        if (job) {
          sendProgress(jobProgressMessage(job, { atMs: job.updatedAtMs }));
          stream.send('job', job);
          stream.send('end', { jobId, state: job.state });
        }
        stream.close();
      };
      try {
        // Subscribed before the record is read, so no change falls between the two.
        const stop = await context.liveFeed.listen(
          ['jobProgress'],
          [jobProgressTopic(jobId)],
          (_topic, data) => {
            const message = data as JobProgressMessage;
            if (ending) return;
            sendProgress(message);
            if (isFinishedJobState(message.state)) void end();
          },
        );
        stream.onClose(stop);
      } catch (error) {
        stream.send('error', {
          code: 'unavailable',
          message: `job events are unavailable: ${(error as Error).message}`,
        });
      }
      const current = await queue.get(jobId).catch(() => null);
      if (current === null) {
        await end();
        return reply;
      }
      stream.send('job', current);
      lastKey = progressKey(jobProgressMessage(current));
      if (isFinishedJobState(current.state)) {
        await end(current);
        return reply;
      }
      // The store is the record: progress made where the bus does not reach still shows.
      const poll = setInterval(() => {
        void queue
          .get(jobId)
          .then((job) => {
            if (job === null || ending) return;
            sendProgress(jobProgressMessage(job, { atMs: job.updatedAtMs }));
            if (isFinishedJobState(job.state)) void end(job);
          })
          .catch(() => undefined);
      }, api.jobPollIntervalMs);
      poll.unref();
      stream.onClose(() => clearInterval(poll));
      return reply;
    },
  );
}
