import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bundleFile, runningFromBundle } from '../../config/build-layout.ts';
import { COMMAND, CONTROL, type GradientWorkerAttachment } from './gradient-shard.ts';

const WORKER_MODULE_URL = new URL('./gradient.worker.ts', import.meta.url).href;
/** A finished training keeps its worker this long for the next fit (walk-forward refits often). */
const IDLE_WORKER_LIFETIME_MS = 10_000;
const START_TIMEOUT_MS = 30_000;
/** A shard takes milliseconds; this long without an answer means the worker is gone. */
const SHARD_TIMEOUT_MS = 120_000;

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'attached' }
  | { type: 'failed'; message: string }
  | { type: 'startup-failed'; message: string };

/**
 * The training thread's handle on one gradient worker: `attach` shares a run's buffers, then each
 * batch is `begin` (non-blocking) and `finish` (blocks until the worker's shard is done).
 */
export class GradientWorker {
  readonly #worker: Worker;
  #control: Int32Array | null = null;
  #loss: Float64Array | null = null;
  #awaiting = 0;
  #lastFailure: string | null = null;
  #exited = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'failed') this.#lastFailure = message.message;
    });
    worker.on('error', (error) => {
      this.#lastFailure = error.message;
    });
    worker.on('exit', () => {
      this.#exited = true;
    });
  }

  /** Starts a worker thread: the compiled one, or from the TypeScript sources through tsx like the thread that starts it. */
  static async start(): Promise<GradientWorker> {
    const moduleUrl = runningFromBundle
      ? pathToFileURL(bundleFile('gradient-worker')).href
      : WORKER_MODULE_URL;
    const loader = runningFromBundle
      ? 'Promise.resolve()'
      : `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((api) => api.register())`;
    const bootstrap =
      `${loader}.then(() => import(${JSON.stringify(moduleUrl)}))` +
      `.catch((error) => require('node:worker_threads').parentPort.postMessage({ type: 'startup-failed', message: String(error && error.stack || error) }));`;
    const worker = new Worker(bootstrap, { eval: true });
    const handle = new GradientWorker(worker);
    try {
      await handle.#nextMessage('ready', START_TIMEOUT_MS);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return handle;
  }

  #nextMessage(type: 'ready' | 'attached', timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`gradient worker sent no "${type}" within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onMessage = (message: WorkerMessage): void => {
        if (message.type === type) finish(null);
        else if (message.type === 'startup-failed')
          finish(new Error(`gradient worker failed to start: ${message.message}`));
      };
      const onExit = (): void => finish(new Error('gradient worker exited'));
      const finish = (error: Error | null): void => {
        clearTimeout(timer);
        this.#worker.off('message', onMessage);
        this.#worker.off('exit', onExit);
        // An idle worker must not keep the process alive; adding a message listener refs it again.
        this.#worker.unref();
        if (error) reject(error);
        else resolve();
      };
      this.#worker.on('message', onMessage);
      this.#worker.on('exit', onExit);
    });
  }

  get usable(): boolean {
    return !this.#exited && this.#lastFailure === null;
  }

  async attach(attachment: GradientWorkerAttachment): Promise<void> {
    const attached = this.#nextMessage('attached', START_TIMEOUT_MS);
    this.#worker.postMessage({ type: 'attach', attachment });
    await attached;
    this.#control = new Int32Array(attachment.control);
    this.#loss = new Float64Array(attachment.loss);
  }

  #request(command: number): void {
    const control = this.#control;
    if (!control) throw new Error('gradient worker is not attached to a training run');
    Atomics.store(control, CONTROL.command, command);
    this.#awaiting = Atomics.add(control, CONTROL.request, 1) + 1;
    Atomics.notify(control, CONTROL.request);
  }

  #wait(): void {
    const control = this.#control!;
    const deadline = performance.now() + SHARD_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(control, CONTROL.done);
      if (done === this.#awaiting) return;
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0 || this.#exited) {
        this.#lastFailure ??= 'stopped answering';
        throw new Error('gradient worker stopped answering');
      }
      Atomics.wait(control, CONTROL.done, done, remainingMs);
    }
  }

  /** Asks for the gradient of batch windows `start .. start + count - 1` and returns at once. */
  begin(start: number, count: number, batchSize: number): void {
    const control = this.#control!;
    Atomics.store(control, CONTROL.start, start);
    Atomics.store(control, CONTROL.count, count);
    Atomics.store(control, CONTROL.batchSize, batchSize);
    this.#request(COMMAND.compute);
  }

  /** Waits for the shard asked for by `begin`; returns its sum of squared errors. */
  finish(): number {
    this.#wait();
    if (Atomics.load(this.#control!, CONTROL.status) !== 0) {
      throw new Error(`gradient worker failed: ${this.#lastFailure ?? 'unknown error'}`);
    }
    return this.#loss![0]!;
  }

  /** Ends the training run; the worker can be attached to another. */
  detach(): void {
    if (!this.#control) return;
    this.#request(COMMAND.release);
    this.#wait();
    this.#control = null;
    this.#loss = null;
  }

  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }
}

/**
 * The gradient workers of one owner (a walk-forward run, or one fit): at most one per spare core
 * busy at a time, and one kept idle a short while between trainings, as walk-forward refits follow
 * each other. `close()` ends them; nothing outlives its owner.
 */
export class GradientWorkerPool {
  #idle: GradientWorker | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #inUse = 0;
  #startFailure: string | null = null;
  #closed = false;

  /**
   * A gradient worker for one training run, or null when none can be had: a single-core machine,
   * every spare core already training, the pool closed, or workers unable to start here. Training
   * then runs on the calling thread alone, with identical results.
   */
  async acquire(): Promise<GradientWorker | null> {
    if (this.#closed || this.#startFailure !== null || this.#inUse >= availableParallelism() - 1) return null;
    this.#inUse += 1;
    const idle = this.#takeIdle();
    if (idle) {
      if (idle.usable) return idle;
      void idle.terminate();
    }
    try {
      return await GradientWorker.start();
    } catch (error) {
      this.#inUse -= 1;
      this.#startFailure = (error as Error).message;
      return null;
    }
  }

  /** Hands a worker back after a training run; it is kept a short while for the next one. */
  release(worker: GradientWorker): void {
    this.#inUse -= 1;
    if (this.#closed || this.#idle || !worker.usable) {
      void worker.terminate();
      return;
    }
    this.#idle = worker;
    this.#idleTimer = setTimeout(() => void this.#takeIdle()?.terminate(), IDLE_WORKER_LIFETIME_MS);
    this.#idleTimer.unref();
  }

  /** Why gradient workers are unavailable to this pool, or null when they start. */
  startFailure(): string | null {
    return this.#startFailure;
  }

  /** Ends the idle worker; workers still training are ended when handed back. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#takeIdle()?.terminate();
  }

  #takeIdle(): GradientWorker | null {
    const idle = this.#idle;
    this.#idle = null;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    return idle;
  }
}
