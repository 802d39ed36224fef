import { RunecastError } from '@runecast/market';
import { createSeededRandom } from '../../features/seeded-random.ts';
import { AdamOptimizer, clippingScale } from './adam.optimizer.ts';
import { computeShardGradient, CONTROL, shardSplit } from './gradient-shard.ts';
import { GradientWorkerPool, type GradientWorker } from './gradient-worker.ts';
import { loadMatrixKernels } from './matrix-kernels.ts';
import { RecurrentWorkspace } from './recurrent-kernels.ts';
import { initializeParameters, parameterLayout, type RecurrentNetworkShape } from './recurrent-network.ts';
import type { SequenceDataset } from './sequence-dataset.ts';

/** One finished epoch, as reported to `onEpoch` (losses are mean squared errors on the scaled target). */
export interface EpochProgress {
  /** 1-based. */
  epoch: number;
  maxEpochs: number;
  /** Mean loss over the epoch's training batches, each taken before its update (as Keras reports it). */
  trainLoss: number;
  /** Loss on the held-out validation windows after the epoch. */
  validationLoss: number;
  /** Training windows per second of this epoch's training pass (forward, backward and update). */
  samplesPerSecond: number;
  /** Epoch with the lowest validation loss so far. */
  bestEpoch: number;
}

export interface SequenceTrainingSettings {
  batchSize: number;
  learningRate: number;
  maxEpochs: number;
  /** Epochs without a better validation loss before training stops (the best weights are kept). */
  patience: number;
  gradientClipNorm: number;
  seed: number;
  /** 2 lets a worker thread compute half of every batch; results are the same bits as with 1. */
  threads: number;
  /** Starting weights; seeded tfjs-style initialisation when absent. */
  initialParameters?: Float32Array;
}

export interface SequenceTrainingHooks {
  onEpoch?: (progress: EpochProgress) => void;
  signal?: AbortSignal;
  /** Where a helper thread comes from when `threads` > 1 (default: a pool of this training alone). */
  gradientWorkers?: GradientWorkerPool;
}

export interface SequenceTrainingResult {
  /** Weights of the epoch with the lowest validation loss. */
  parameters: Float32Array;
  bestEpoch: number;
  epochs: EpochProgress[];
  /** Whether a worker thread computed half of each batch. */
  usedWorker: boolean;
}

/** Training stopped because its AbortSignal fired. */
export class TrainingCancelledError extends RunecastError {
  constructor() {
    super('cancelled', 'training cancelled');
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TrainingCancelledError();
}

function sharedFloat32(length: number, shared: boolean): Float32Array {
  return new Float32Array(shared ? new SharedArrayBuffer(length * 4) : new ArrayBuffer(length * 4));
}

/** Mean squared error of the network on the validation windows. */
export function validationLoss(
  workspace: RecurrentWorkspace,
  parameters: Float32Array,
  dataset: SequenceDataset,
): number {
  const count = dataset.validationEnds.length;
  let sumSquaredError = 0;
  for (let start = 0; start < count; start += workspace.capacity) {
    const size = Math.min(workspace.capacity, count - start);
    const outputs = workspace.forward(parameters, dataset.rows, dataset.validationEnds, start, size);
    for (let index = 0; index < size; index += 1) {
      sumSquaredError += (outputs[index]! - dataset.validationTargets[start + index]!) ** 2;
    }
  }
  return sumSquaredError / count;
}

/**
 * Fits the recurrent network with Adam on shuffled mini-batches (seeded), reporting every epoch,
 * and stops early once the validation loss has not improved for `patience` epochs.
 */
export async function trainSequenceNetwork(
  shape: RecurrentNetworkShape,
  dataset: SequenceDataset,
  settings: SequenceTrainingSettings,
  hooks: SequenceTrainingHooks = {},
): Promise<SequenceTrainingResult> {
  throwIfAborted(hooks.signal);
  const layout = parameterLayout(shape);
  const trainingCount = dataset.trainingEnds.length;
  const batchSize = Math.min(settings.batchSize, trainingCount);
  const shardCapacity = shardSplit(batchSize);
  const wantsWorker = settings.threads > 1 && trainingCount > batchSize;
  const ownPool = wantsWorker && hooks.gradientWorkers === undefined ? new GradientWorkerPool() : null;
  const pool = hooks.gradientWorkers ?? ownPool;
  const worker = wantsWorker && pool ? await pool.acquire() : null;
  const shared = worker !== null;

  const parameters = sharedFloat32(layout.size, shared);
  parameters.set(settings.initialParameters ?? initializeParameters(shape, settings.seed));
  const rows = shared ? sharedFloat32(dataset.rows.length, true) : dataset.rows;
  if (shared) rows.set(dataset.rows);
  const batchEnds = new Int32Array(
    shared ? new SharedArrayBuffer(batchSize * 4) : new ArrayBuffer(batchSize * 4),
  );
  const batchTargets = sharedFloat32(batchSize, shared);
  const gradient = new Float32Array(layout.size);
  const secondGradient = sharedFloat32(layout.size, shared);
  const kernels = await loadMatrixKernels();
  const workspace = new RecurrentWorkspace(shape, dataset.sequenceLength, shardCapacity, kernels);
  const optimizer = new AdamOptimizer(layout.size, { learningRate: settings.learningRate });
  const random = createSeededRandom(settings.seed ^ 0x5eed);
  const order = Int32Array.from({ length: trainingCount }, (_, index) => index);

  let attached: GradientWorker | null = null;
  try {
    if (worker) {
      await worker.attach({
        kernels,
        shape,
        sequenceLength: dataset.sequenceLength,
        capacity: shardCapacity,
        parameters: parameters.buffer as SharedArrayBuffer,
        rows: rows.buffer as SharedArrayBuffer,
        batchEnds: batchEnds.buffer as SharedArrayBuffer,
        batchTargets: batchTargets.buffer as SharedArrayBuffer,
        gradient: secondGradient.buffer as SharedArrayBuffer,
        control: new SharedArrayBuffer(CONTROL.length * 4),
        loss: new SharedArrayBuffer(8),
      });
      attached = worker;
    }
    const epochs: EpochProgress[] = [];
    let bestLoss = Number.POSITIVE_INFINITY;
    let bestEpoch = 0;
    let bestParameters = Float32Array.from(parameters);
    for (let epoch = 1; epoch <= settings.maxEpochs; epoch += 1) {
      for (let index = trainingCount - 1; index > 0; index -= 1) {
        const swap = Math.floor(random() * (index + 1));
        const kept = order[index]!;
        order[index] = order[swap]!;
        order[swap] = kept;
      }
      const startedMs = performance.now();
      let epochLoss = 0;
      for (let batchStart = 0; batchStart < trainingCount; batchStart += batchSize) {
        throwIfAborted(hooks.signal);
        const size = Math.min(batchSize, trainingCount - batchStart);
        for (let index = 0; index < size; index += 1) {
          const sample = order[batchStart + index]!;
          batchEnds[index] = dataset.trainingEnds[sample]!;
          batchTargets[index] = dataset.trainingTargets[sample]!;
        }
        const split = shardSplit(size);
        attached?.begin(split, size - split, size);
        let sumSquaredError = computeShardGradient(
          workspace,
          parameters,
          rows,
          batchEnds,
          batchTargets,
          0,
          split,
          size,
          gradient,
        );
        if (attached) {
          sumSquaredError += attached.finish();
        } else {
          sumSquaredError += computeShardGradient(
            workspace,
            parameters,
            rows,
            batchEnds,
            batchTargets,
            split,
            size - split,
            size,
            secondGradient,
          );
        }
        for (let index = 0; index < layout.size; index += 1) gradient[index]! += secondGradient[index]!;
        const scale = clippingScale(gradient, settings.gradientClipNorm);
        optimizer.step(parameters, gradient, scale);
        epochLoss += sumSquaredError;
      }
      const trainingSeconds = (performance.now() - startedMs) / 1000;
      if (!parameters.every(Number.isFinite)) {
        throw new RunecastError(
          'training_diverged',
          `training diverged at epoch ${epoch} (weights are no longer finite); lower the learning rate`,
        );
      }
      const loss = validationLoss(workspace, parameters, dataset);
      if (loss < bestLoss) {
        bestLoss = loss;
        bestEpoch = epoch;
        bestParameters = Float32Array.from(parameters);
      }
      const progress: EpochProgress = {
        epoch,
        maxEpochs: settings.maxEpochs,
        trainLoss: epochLoss / trainingCount,
        validationLoss: loss,
        samplesPerSecond: trainingCount / Math.max(trainingSeconds, 1e-9),
        bestEpoch,
      };
      epochs.push(progress);
      hooks.onEpoch?.(progress);
      if (epoch - bestEpoch >= settings.patience) break;
      // Lets the job runner see cancellation and heartbeats between epochs.
      await new Promise((resolve) => setImmediate(resolve));
      throwIfAborted(hooks.signal);
    }
    return { parameters: bestParameters, bestEpoch, epochs, usedWorker: attached !== null };
  } finally {
    if (worker) {
      try {
        attached?.detach();
      } catch {
        // A worker that cannot be released is marked unusable and terminated by the release below.
      }
      pool!.release(worker);
    }
    await ownPool?.close();
  }
}
