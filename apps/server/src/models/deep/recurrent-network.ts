import { ValidationError } from '@runecast/market';
import { createSeededRandom, nextGaussian, type RandomSource } from '../../features/seeded-random.ts';

export const RECURRENT_CELLS = ['lstm', 'gru'] as const;
export type RecurrentCell = (typeof RECURRENT_CELLS)[number];

/** One recurrent layer over a sequence of feature rows, then a dense unit reading its last state. */
export interface RecurrentNetworkShape {
  cell: RecurrentCell;
  /** Features per time step. */
  inputSize: number;
  units: number;
}

/**
 * Where each tensor lives in the one Float32Array holding every parameter, laid out as tfjs holds
 * them so weights move between the two unchanged: kernel [inputSize, gates·units], recurrent kernel
 * [units, gates·units], bias [gates·units], dense kernel [units, 1], dense bias [1]. Gates are in
 * tfjs order: LSTM input, forget, candidate, output; GRU update (z), reset (r), candidate (h).
 */
export interface ParameterLayout {
  gateCount: number;
  /** gateCount · units: the width of one pre-activation row. */
  gateWidth: number;
  kernelOffset: number;
  recurrentKernelOffset: number;
  biasOffset: number;
  denseKernelOffset: number;
  denseBiasOffset: number;
  /** Total number of parameters. */
  size: number;
}

export function gateCount(cell: RecurrentCell): number {
  return cell === 'lstm' ? 4 : 3;
}

export function assertNetworkShape(shape: RecurrentNetworkShape): void {
  if (!RECURRENT_CELLS.includes(shape.cell)) {
    throw new ValidationError(
      `recurrent cell must be one of ${RECURRENT_CELLS.join(', ')}, got ${String(shape.cell)}`,
    );
  }
  for (const key of ['inputSize', 'units'] as const) {
    if (!Number.isSafeInteger(shape[key]) || shape[key] < 1) {
      throw new ValidationError(`recurrent network ${key} must be a positive integer, got ${shape[key]}`);
    }
  }
}

export function parameterLayout(shape: RecurrentNetworkShape): ParameterLayout {
  assertNetworkShape(shape);
  const gates = gateCount(shape.cell);
  const gateWidth = gates * shape.units;
  const kernelOffset = 0;
  const recurrentKernelOffset = kernelOffset + shape.inputSize * gateWidth;
  const biasOffset = recurrentKernelOffset + shape.units * gateWidth;
  const denseKernelOffset = biasOffset + gateWidth;
  const denseBiasOffset = denseKernelOffset + shape.units;
  return {
    gateCount: gates,
    gateWidth,
    kernelOffset,
    recurrentKernelOffset,
    biasOffset,
    denseKernelOffset,
    denseBiasOffset,
    size: denseBiasOffset + 1,
  };
}

function fillGlorotUniform(
  target: Float32Array,
  offset: number,
  fanIn: number,
  fanOut: number,
  random: RandomSource,
): void {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  for (let index = 0; index < fanIn * fanOut; index += 1) target[offset + index] = (2 * random() - 1) * limit;
}

/**
 * Orthogonal rows (units × gateWidth, units <= gateWidth) by modified Gram-Schmidt on Gaussian rows,
 * the same distribution tfjs' default recurrent initializer draws from; it keeps early gradients
 * through time from exploding or vanishing.
 */
function fillOrthogonalRows(
  target: Float32Array,
  offset: number,
  rows: number,
  columns: number,
  random: RandomSource,
): void {
  const matrix = Array.from({ length: rows }, () =>
    Float64Array.from({ length: columns }, () => nextGaussian(random)),
  );
  for (let row = 0; row < rows; row += 1) {
    const vector = matrix[row]!;
    for (let previous = 0; previous < row; previous += 1) {
      const basis = matrix[previous]!;
      let projection = 0;
      for (let column = 0; column < columns; column += 1) projection += vector[column]! * basis[column]!;
      for (let column = 0; column < columns; column += 1) vector[column]! -= projection * basis[column]!;
    }
    let norm = 0;
    for (let column = 0; column < columns; column += 1) norm += vector[column]! ** 2;
    norm = Math.sqrt(norm);
    for (let column = 0; column < columns; column += 1) vector[column]! /= norm;
    for (let column = 0; column < columns; column += 1)
      target[offset + row * columns + column] = vector[column]!;
  }
}

/**
 * Seeded initial parameters as tfjs initialises these layers: Glorot-uniform kernels, orthogonal
 * recurrent kernel, zero biases except a forget-gate bias of 1 for the LSTM (so memory is kept at first).
 */
export function initializeParameters(shape: RecurrentNetworkShape, seed: number): Float32Array {
  const layout = parameterLayout(shape);
  const random = createSeededRandom(seed);
  const parameters = new Float32Array(layout.size);
  fillGlorotUniform(parameters, layout.kernelOffset, shape.inputSize, layout.gateWidth, random);
  fillOrthogonalRows(parameters, layout.recurrentKernelOffset, shape.units, layout.gateWidth, random);
  if (shape.cell === 'lstm')
    parameters.fill(1, layout.biasOffset + shape.units, layout.biasOffset + 2 * shape.units);
  fillGlorotUniform(parameters, layout.denseKernelOffset, shape.units, 1, random);
  return parameters;
}
