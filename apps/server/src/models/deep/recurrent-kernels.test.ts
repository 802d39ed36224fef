import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createSeededRandom } from '../../features/seeded-random.ts';
import { AdamOptimizer } from './adam.optimizer.ts';
import { computeShardGradient } from './gradient-shard.ts';
import { createRecurrentWorkspace, exponential } from './recurrent-kernels.ts';
import { initializeParameters, parameterLayout, type RecurrentNetworkShape } from './recurrent-network.ts';
import {
  buildReferenceModel,
  referenceForward,
  referenceGradients,
  useTfjsBackend,
  type Tfjs,
  type TfjsBackendName,
} from './tfjs-reference.ts';

// An odd batch, 5 inputs and 8 units (one 8-wide block, then a 4-wide one for the GRU's 24 gates)
// exercise every edge of the block loops.
const SEQUENCE_LENGTH = 6;
const BATCH = 5;
const INPUT_SIZE = 5;
const UNITS = 8;

interface Case {
  shape: RecurrentNetworkShape;
  parameters: Float32Array;
  windows: Float32Array;
  windowEnds: Int32Array;
  targets: Float32Array;
}

function makeCase(cell: 'lstm' | 'gru', seed: number): Case {
  const shape: RecurrentNetworkShape = { cell, inputSize: INPUT_SIZE, units: UNITS };
  const parameters = initializeParameters(shape, seed);
  const layout = parameterLayout(shape);
  const random = createSeededRandom(seed + 1);
  // Non-zero biases and dense weights so every parameter's gradient is exercised.
  for (let index = layout.biasOffset; index < layout.size; index += 1)
    parameters[index]! += (random() - 0.5) * 0.6;
  const windows = Float32Array.from({ length: BATCH * SEQUENCE_LENGTH * INPUT_SIZE }, () => 2 * random() - 1);
  const windowEnds = Int32Array.from(
    { length: BATCH },
    (_, window) => window * SEQUENCE_LENGTH + SEQUENCE_LENGTH - 1,
  );
  const targets = Float32Array.from({ length: BATCH }, () => random() - 0.5);
  return { shape, parameters, windows, windowEnds, targets };
}

function maxAbsoluteDifference(left: ArrayLike<number>, right: ArrayLike<number>): number {
  assert.equal(left.length, right.length);
  let worst = 0;
  for (let index = 0; index < left.length; index += 1)
    worst = Math.max(worst, Math.abs(left[index]! - right[index]!));
  return worst;
}

for (const backend of ['cpu', 'wasm'] as TfjsBackendName[]) {
  describe(`recurrent kernels against TensorFlow.js (${backend} backend)`, () => {
    before(async () => {
      await useTfjsBackend(backend);
    });

    for (const cell of ['lstm', 'gru'] as const) {
      test(`${cell}: forward outputs equal tf.layers.${cell} + dense on the same weights`, async () => {
        const { shape, parameters, windows, windowEnds } = makeCase(cell, 11);
        const workspace = await createRecurrentWorkspace(shape, SEQUENCE_LENGTH, BATCH);
        const ours = Float32Array.from(workspace.forward(parameters, windows, windowEnds, 0, BATCH));
        const reference = referenceForward(
          buildReferenceModel(shape, SEQUENCE_LENGTH, parameters),
          windows,
          BATCH,
        );
        assert.ok(maxAbsoluteDifference(ours, reference) < 1e-5, `outputs differ: ${ours} vs ${reference}`);
        assert.ok(
          ours.some((value) => Math.abs(value) > 0.05),
          'outputs are not trivially zero',
        );
      });

      test(`${cell}: backpropagation through time equals tfjs autodiff (variableGrads)`, async () => {
        const { shape, parameters, windows, windowEnds, targets } = makeCase(cell, 23);
        const layout = parameterLayout(shape);
        const workspace = await createRecurrentWorkspace(shape, SEQUENCE_LENGTH, BATCH);
        workspace.forward(parameters, windows, windowEnds, 0, BATCH);
        const gradient = new Float32Array(layout.size);
        const sumSquaredError = workspace.backward(targets, 0, 1 / BATCH, gradient);
        const reference = referenceGradients(
          buildReferenceModel(shape, SEQUENCE_LENGTH, parameters),
          shape,
          windows,
          targets,
        );
        assert.ok(Math.abs(sumSquaredError / BATCH - reference.loss) < 1e-6);
        const difference = maxAbsoluteDifference(gradient, reference.gradient);
        assert.ok(difference < 1e-5, `gradients differ by ${difference}`);
        // Each tensor has a gradient somewhere: the comparison is not between two zero vectors.
        for (const [start, end] of [
          [layout.kernelOffset, layout.recurrentKernelOffset],
          [layout.recurrentKernelOffset, layout.biasOffset],
          [layout.biasOffset, layout.denseKernelOffset],
          [layout.denseKernelOffset, layout.size],
        ] as const) {
          assert.ok(reference.gradient.subarray(start, end).some((value) => Math.abs(value) > 1e-4));
        }
      });
    }
  });
}

describe('recurrent kernels', () => {
  test('two shards of a batch add up to the gradient of the whole batch', async () => {
    const { shape, parameters, windows, windowEnds, targets } = makeCase('lstm', 5);
    const size = parameterLayout(shape).size;
    const workspace = await createRecurrentWorkspace(shape, SEQUENCE_LENGTH, BATCH);
    const whole = new Float32Array(size);
    const wholeLoss = computeShardGradient(
      workspace,
      parameters,
      windows,
      windowEnds,
      targets,
      0,
      BATCH,
      BATCH,
      whole,
    );
    const first = new Float32Array(size);
    const second = new Float32Array(size);
    const loss =
      computeShardGradient(workspace, parameters, windows, windowEnds, targets, 0, 3, BATCH, first) +
      computeShardGradient(workspace, parameters, windows, windowEnds, targets, 3, 2, BATCH, second);
    for (let index = 0; index < size; index += 1) first[index]! += second[index]!;
    assert.ok(Math.abs(loss - wholeLoss) < 1e-9);
    assert.ok(maxAbsoluteDifference(first, whole) < 1e-6);
  });

  test('a window outside the rows is refused', async () => {
    const { shape, parameters, windows } = makeCase('gru', 3);
    const workspace = await createRecurrentWorkspace(shape, SEQUENCE_LENGTH, 2);
    assert.throws(
      () => workspace.forward(parameters, windows, [SEQUENCE_LENGTH - 2], 0, 1),
      /outside the rows/,
    );
    assert.throws(() => workspace.forward(parameters, windows, [0, 0, 0], 0, 3), /outside 1\.\.2/);
  });

  test('the fast exponential stays within 1e-8 relative error of Math.exp', () => {
    let worst = 0;
    for (let value = -60; value <= 60; value += 0.0137) {
      worst = Math.max(worst, Math.abs(exponential(value) / Math.exp(value) - 1));
    }
    assert.ok(worst < 1e-8, `relative error ${worst}`);
    assert.equal(exponential(1e6), exponential(80));
    assert.ok(exponential(-1e6) > 0);
  });
});

describe('Adam', () => {
  let tf: Tfjs;
  before(async () => {
    tf = await useTfjsBackend('cpu');
  });

  test('three steps move the weights as tf.train.adam does', () => {
    const start = Float32Array.from([0.5, -1.25, 2, 0.001]);
    const gradients = [
      Float32Array.from([0.1, -0.2, 0.3, 0]),
      Float32Array.from([-0.05, 0.4, 0.3, 1e-4]),
      Float32Array.from([0.2, 0.1, -0.3, -2]),
    ];
    const ours = Float32Array.from(start);
    const optimizer = new AdamOptimizer(ours.length, { learningRate: 0.01 });
    for (const gradient of gradients) optimizer.step(ours, gradient);

    const variable = tf.variable(tf.tensor1d(start));
    const reference = tf.train.adam(0.01);
    for (const gradient of gradients)
      reference.applyGradients([{ name: variable.name, tensor: tf.tensor1d(gradient) }]);
    assert.ok(maxAbsoluteDifference(ours, variable.dataSync()) < 1e-6);
    variable.dispose();
    reference.dispose();
  });
});
