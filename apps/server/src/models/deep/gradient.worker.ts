// Worker thread computing the second shard of each training batch on the second core. It waits on
// shared memory (Atomics) rather than messages: a message round trip costs more than a small shard.
import { parentPort } from 'node:worker_threads';
import { COMMAND, computeShardGradient, CONTROL, type GradientWorkerAttachment } from './gradient-shard.ts';
import { RecurrentWorkspace } from './recurrent-kernels.ts';

function serve(attachment: GradientWorkerAttachment): void {
  const workspace = new RecurrentWorkspace(
    attachment.shape,
    attachment.sequenceLength,
    attachment.capacity,
    attachment.kernels,
  );
  const parameters = new Float32Array(attachment.parameters);
  const rows = new Float32Array(attachment.rows);
  const batchEnds = new Int32Array(attachment.batchEnds);
  const batchTargets = new Float32Array(attachment.batchTargets);
  const gradient = new Float32Array(attachment.gradient);
  const control = new Int32Array(attachment.control);
  const loss = new Float64Array(attachment.loss);
  let seen = Atomics.load(control, CONTROL.request);
  parentPort!.postMessage({ type: 'attached' });
  for (;;) {
    Atomics.wait(control, CONTROL.request, seen);
    seen = Atomics.load(control, CONTROL.request);
    const command = Atomics.load(control, CONTROL.command);
    if (command === COMMAND.compute) {
      try {
        loss[0] = computeShardGradient(
          workspace,
          parameters,
          rows,
          batchEnds,
          batchTargets,
          Atomics.load(control, CONTROL.start),
          Atomics.load(control, CONTROL.count),
          Atomics.load(control, CONTROL.batchSize),
          gradient,
        );
        Atomics.store(control, CONTROL.status, 0);
      } catch (error) {
        Atomics.store(control, CONTROL.status, 1);
        parentPort!.postMessage({ type: 'failed', message: (error as Error).message });
      }
    }
    Atomics.store(control, CONTROL.done, seen);
    Atomics.notify(control, CONTROL.done);
    if (command === COMMAND.release) return;
  }
}

parentPort!.on('message', (message: { type: 'attach'; attachment: GradientWorkerAttachment }) => {
  if (message.type === 'attach') serve(message.attachment);
});

parentPort!.postMessage({ type: 'ready' });
