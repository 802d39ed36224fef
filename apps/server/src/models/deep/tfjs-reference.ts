// TensorFlow.js as the reference implementation of the recurrent layers: the same weights loaded
// into tf.layers.lstm / tf.layers.gru plus a dense unit, so our kernels can be checked against it
// (tests) and measured beside it (bench). Not used to train or serve forecasts.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { parameterLayout, type RecurrentNetworkShape } from './recurrent-network.ts';

export type TfjsBackendName = 'cpu' | 'wasm';
export type Tfjs = typeof tf;

let wasmPathsSet = false;

/**
 * Switches tfjs to a backend and returns it. In Node the WASM backend must be told where its .wasm
 * files are: the dist folder of @tensorflow/tfjs-backend-wasm inside node_modules.
 */
export async function useTfjsBackend(backend: TfjsBackendName): Promise<Tfjs> {
  // Production mode silences the "install tfjs-node" banner, which cannot be installed here anyway.
  tf.enableProdMode();
  if (backend === 'wasm' && !wasmPathsSet) {
    const wasmFile = createRequire(import.meta.url).resolve(
      '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
    );
    setWasmPaths(`${dirname(wasmFile)}/`);
    wasmPathsSet = true;
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} could not be initialised`);
  await tf.ready();
  return tf;
}

/** The tfjs model: [batch, sequenceLength, inputSize] → recurrent layer → dense(1), with our weights. */
export function buildReferenceModel(
  shape: RecurrentNetworkShape,
  sequenceLength: number,
  parameters?: Float32Array,
): tf.LayersModel {
  const model = tf.sequential();
  const config = {
    units: shape.units,
    inputShape: [sequenceLength, shape.inputSize],
    // tfjs defaults to hard sigmoid; the logistic sigmoid is what our kernels (and Keras 3) use.
    recurrentActivation: 'sigmoid' as const,
    activation: 'tanh' as const,
    // Keeps tfjs from spending seconds on its orthogonal initialiser; the weights are replaced anyway.
    recurrentInitializer: 'glorotUniform' as const,
  };
  model.add(shape.cell === 'lstm' ? tf.layers.lstm(config) : tf.layers.gru(config));
  model.add(tf.layers.dense({ units: 1 }));
  if (parameters) setReferenceWeights(model, shape, parameters);
  return model;
}

/** Loads our parameter vector into the tfjs model (same tensor layout, no conversion). */
export function setReferenceWeights(
  model: tf.LayersModel,
  shape: RecurrentNetworkShape,
  parameters: Float32Array,
): void {
  const layout = parameterLayout(shape);
  if (parameters.length !== layout.size) {
    throw new Error(`expected ${layout.size} parameters for this shape, got ${parameters.length}`);
  }
  const slice = (offset: number, length: number): Float32Array => parameters.slice(offset, offset + length);
  const { inputSize, units } = shape;
  const width = layout.gateWidth;
  tf.tidy(() => {
    model.layers[0]!.setWeights([
      tf.tensor2d(slice(layout.kernelOffset, inputSize * width), [inputSize, width]),
      tf.tensor2d(slice(layout.recurrentKernelOffset, units * width), [units, width]),
      tf.tensor1d(slice(layout.biasOffset, width)),
    ]);
    model.layers[1]!.setWeights([
      tf.tensor2d(slice(layout.denseKernelOffset, units), [units, 1]),
      tf.tensor1d(slice(layout.denseBiasOffset, 1)),
    ]);
  });
}

/** Outputs of the tfjs model for windows laid out [batch, sequenceLength, inputSize]. */
export function referenceForward(model: tf.LayersModel, windows: Float32Array, batch: number): Float32Array {
  const [, sequenceLength, inputSize] = model.inputs[0]!.shape as [null, number, number];
  return tf.tidy(() => {
    const output = model.predict(tf.tensor3d(windows, [batch, sequenceLength, inputSize])) as tf.Tensor;
    return output.dataSync() as Float32Array;
  });
}

/**
 * Gradient of the mean squared error over the batch with respect to every weight, computed by tfjs'
 * autodiff and laid out like our parameter vector.
 */
export function referenceGradients(
  model: tf.LayersModel,
  shape: RecurrentNetworkShape,
  windows: Float32Array,
  targets: Float32Array,
): { loss: number; gradient: Float32Array } {
  const batch = targets.length;
  const [, sequenceLength, inputSize] = model.inputs[0]!.shape as [null, number, number];
  const layout = parameterLayout(shape);
  return tf.tidy(() => {
    const inputs = tf.tensor3d(windows, [batch, sequenceLength, inputSize]);
    const labels = tf.tensor2d(targets, [batch, 1]);
    const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(
      () =>
        tf.losses.meanSquaredError(labels, model.apply(inputs, { training: true }) as tf.Tensor) as tf.Scalar,
      variables,
    );
    const offsets = [
      layout.kernelOffset,
      layout.recurrentKernelOffset,
      layout.biasOffset,
      layout.denseKernelOffset,
      layout.denseBiasOffset,
    ];
    const gradient = new Float32Array(layout.size);
    variables.forEach((variable, index) => gradient.set(grads[variable.name]!.dataSync(), offsets[index]!));
    return { loss: value.dataSync()[0]!, gradient };
  });
}
