import type { CompiledMatrixKernels } from './matrix-kernels.ts';
import type { RecurrentWorkspace } from './recurrent-kernels.ts';
import type { RecurrentNetworkShape } from './recurrent-network.ts';

/**
 * Gradient of one shard of a batch: windows `start .. start + count - 1` of the batch, whose loss is
 * scaled by the whole batch's size so shard gradients add up to the batch gradient. A batch is always
 * cut into the same two shards, on one thread or two, so training gives the same bits either way.
 */
export function computeShardGradient(
  workspace: RecurrentWorkspace,
  parameters: Float32Array,
  rows: Float32Array,
  batchEnds: Int32Array,
  batchTargets: Float32Array,
  start: number,
  count: number,
  batchSize: number,
  gradient: Float32Array,
): number {
  gradient.fill(0);
  if (count === 0) return 0;
  workspace.forward(parameters, rows, batchEnds, start, count);
  return workspace.backward(batchTargets, start, 1 / batchSize, gradient);
}

/** Where the first shard of a batch of `batchSize` windows ends. */
export function shardSplit(batchSize: number): number {
  return Math.ceil(batchSize / 2);
}

/** Slots of the Int32Array that the training thread and the gradient worker coordinate through. */
export const CONTROL = {
  /** Incremented by the training thread for each request. */
  request: 0,
  /** Set by the worker to the request number it finished. */
  done: 1,
  command: 2,
  start: 3,
  count: 4,
  batchSize: 5,
  /** 0 when the last request succeeded, 1 when it threw. */
  status: 6,
  length: 8,
} as const;

export const COMMAND = { compute: 1, release: 2 } as const;

/** Shared memory and shapes a gradient worker needs for one training run. */
export interface GradientWorkerAttachment {
  /** The compiled matrix kernels (from `loadMatrixKernels`), so the worker need not compile them. */
  kernels: CompiledMatrixKernels;
  shape: RecurrentNetworkShape;
  sequenceLength: number;
  capacity: number;
  parameters: SharedArrayBuffer;
  rows: SharedArrayBuffer;
  batchEnds: SharedArrayBuffer;
  batchTargets: SharedArrayBuffer;
  gradient: SharedArrayBuffer;
  control: SharedArrayBuffer;
  /** Float64Array(1): the shard's sum of squared errors. */
  loss: SharedArrayBuffer;
}
