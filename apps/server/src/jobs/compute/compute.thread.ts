import { parentPort } from 'node:worker_threads';
import type { ComputeTask, ComputeThreadMessage } from './compute-tasks.ts';
import { runComputeTask, serializeError } from './run-compute-task.ts';

// The compute thread: runs one task per message and answers with events, then a result or an error.
const port = parentPort;
if (!port) throw new Error('compute.thread.ts runs only as a worker thread');

port.on('message', (task: ComputeTask) => {
  const send = (message: ComputeThreadMessage): void => port.postMessage(message);
  runComputeTask(task, send).then(
    (result) => send({ type: 'result', result }),
    (error: unknown) => send({ type: 'error', error: serializeError(error) }),
  );
});
