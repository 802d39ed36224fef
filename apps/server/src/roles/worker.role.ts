import type { Role } from './role.ts';

/** Runs queued jobs (train, backtest, tune, predict, score, on-demand forecasts). */
export const workerRole: Role = {
  name: 'worker',
  pausesWhileReadOnly: true,
  async start(context) {
    const { config, metrics } = context;
    const logger = context.logger.child({ component: 'jobs' });
    // Jobs seen running, so each start is logged once (progress reports repeat the state).
    const started = new Set<string>();
    const worker = context.forecasting.createWorker({
      concurrency: config.workerConcurrency,
      leaseMs: config.jobLeaseSeconds * 1000,
      ...(config.workerKinds === null ? {} : { kinds: config.workerKinds }),
      onError: (error: unknown) => {
        metrics.runtime.backgroundErrors.inc({ task: 'job-worker' });
        logger.error({ err: error }, 'job worker error');
      },
      onEvent: (job) => {
        const line = {
          jobId: job.id,
          kind: job.kind,
          state: job.state,
          error: job.error,
          payload: job.payload,
        };
        if (job.state === 'running') {
          if (!started.has(job.id)) logger.info(line, `${job.kind} job started`);
          started.add(job.id);
          return;
        }
        started.delete(job.id);
        if (job.state === 'failed') logger.warn(line, `${job.kind} job failed`);
        else logger.info(line, `${job.kind} job ${job.state}`);
      },
    });
    worker.start();
    context.localJobWorker = worker;
    return {
      stop: async () => {
        if (context.localJobWorker === worker) context.localJobWorker = null;
        await worker.stop();
      },
    };
  },
};
