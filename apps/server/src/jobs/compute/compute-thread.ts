import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RunecastError, ValidationError } from '@runecast/market';
import { bundleFile, runningFromBundle } from '../../config/build-layout.ts';
import { JobCancelledError } from '../job-handler.ts';
import type {
  ComputeEvent,
  ComputeResults,
  ComputeTask,
  ComputeThreadMessage,
  SerializedError,
} from './compute-tasks.ts';
import { runComputeTask } from './run-compute-task.ts';

/** The compiled compute thread beside the CLI bundle, or the TypeScript one through tsx. */
const ENTRY = runningFromBundle
  ? bundleFile('compute-thread')
  : fileURLToPath(new URL('./compute-thread-entry.mjs', import.meta.url));

/**
 * Where CPU-heavy model work runs. `thread` (the default) keeps it off the job's event loop, so
 * heartbeats, progress writes, cancels and any API in the same process carry on while models fit;
 * `inline` runs it in-process (no thread start-up; the loop is busy while it computes).
 */
export type ComputeMode = 'thread' | 'inline';

function reviveError(error: SerializedError): Error {
  if (error.code === 'validation_failed')
    return new ValidationError(error.message, error.details ?? undefined);
  if (error.code === 'cancelled') return new JobCancelledError('cancelled');
  if (error.code !== null) return new RunecastError(error.code, error.message, error.details ?? undefined);
  const revived = new Error(error.message);
  revived.name = error.name;
  return revived;
}

/** Runs compute tasks one after another, in one worker thread (or inline), until closed. */
export class ComputeRunner {
  private worker: Worker | null = null;
  private pending: { reject: (error: Error) => void } | null = null;

  constructor(
    private readonly mode: ComputeMode,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = (): void => {
    // Model code does not yield while it computes, so a cancelled task is stopped by ending its thread.
    void this.worker?.terminate();
    this.worker = null;
    this.pending?.reject(new JobCancelledError('cancelled'));
    this.pending = null;
  };

  async run<Task extends ComputeTask>(
    task: Task,
    onEvent: (event: ComputeEvent) => void = () => undefined,
  ): Promise<ComputeResults[Task['kind']]> {
    if (this.signal.aborted) throw new JobCancelledError('cancelled');
    if (this.mode === 'inline') return runComputeTask(task, onEvent, this.signal);
    const worker = (this.worker ??= new Worker(ENTRY));
    return new Promise<ComputeResults[Task['kind']]>((resolve, reject) => {
      const cleanup = (): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        this.pending = null;
      };
      const onMessage = (message: ComputeThreadMessage): void => {
        if (message.type === 'result') {
          cleanup();
          resolve(message.result as ComputeResults[Task['kind']]);
        } else if (message.type === 'error') {
          cleanup();
          reject(reviveError(message.error));
        } else {
          onEvent(message);
        }
      };
      const onError = (error: Error): void => {
        cleanup();
        this.worker = null;
        reject(error);
      };
      const onExit = (code: number): void => {
        cleanup();
        this.worker = null;
        reject(new Error(`the compute thread exited (code ${code}) before finishing its task`));
      };
      this.pending = {
        reject: (error) => {
          cleanup();
          reject(error);
        },
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(task);
    });
  }

  async close(): Promise<void> {
    this.signal.removeEventListener('abort', this.onAbort);
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }
}

/** Runs `work` with a compute runner that is closed afterwards, whatever happens. */
export async function withCompute<T>(
  mode: ComputeMode,
  signal: AbortSignal,
  work: (runner: ComputeRunner) => Promise<T>,
): Promise<T> {
  const runner = new ComputeRunner(mode, signal);
  try {
    return await work(runner);
  } finally {
    await runner.close();
  }
}
