import type { Role } from './role.ts';

/** Runs queued jobs (train, backtest, tune, predict, score, on-demand forecasts). */
export const workerRole: Role = {
  name: 'worker',
  async start(context) {
    const { config, logger, metrics } = context;
    const worker = context.forecasting.createWorker({
      concurrency: config.workerConcurrency,
      leaseMs: config.jobLeaseSeconds * 1000,
      ...(config.workerKinds === null ? {} : { kinds: config.workerKinds }),
      onError: (error: unknown) => {
        metrics.runtime.backgroundErrors.inc({ task: 'job-worker' });
        logger.error({ err: error }, 'job worker error');
      },
      onEvent: (job) => {
        if (job.state === 'running') return;
        const line = { jobId: job.id, kind: job.kind, state: job.state, error: job.error };
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
