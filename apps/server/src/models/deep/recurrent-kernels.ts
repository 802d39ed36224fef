// Forward pass and backpropagation through time of the LSTM and GRU layers (plus their dense head),
// written by hand on Float32Array buffers. They exist because TensorFlow.js trains these shapes far
// too slowly here: on this 2-core machine, sequence 60, 32 units, 25 features, batch 64, plain tfjs
// 4.22 trained 50-110 samples/s on its CPU backend and 200-530 samples/s on its WASM backend
// (about 140 and 600 samples per CPU-second), against a target of 3,000 samples/s. Each step's gates are fused into one matrix product, every
// buffer is preallocated in one WebAssembly memory and laid out time-major, the products run as SIMD
// WebAssembly (matrix-kernels.ts) and the activations as plain loops with a fast exponential
// (see bench/sequence-models.bench.ts for the figures measured side by side). tfjs stays the
// reference: a test loads the same weights into tf.layers.lstm / tf.layers.gru and checks that outputs
// and gradients agree.
import {
  createKernelArena,
  loadMatrixKernels,
  type CompiledMatrixKernels,
  type MatrixKernelExports,
} from './matrix-kernels.ts';
import { parameterLayout, type ParameterLayout, type RecurrentNetworkShape } from './recurrent-network.ts';

const EXPONENT_LIMIT = 80;
const POWERS_OF_TWO = Float64Array.from({ length: 257 }, (_, index) => 2 ** (index - 128));

/**
 * e^x within about 5e-9 relative error (x clamped to ±80, where the activations are saturated far
 * below float32 resolution): 2^n from a table times a degree-7 polynomial on |r| <= ln 2 / 2. Twice
 * as fast as Math.exp here, and the activations take a quarter of a training step with Math.exp.
 */
export function exponential(value: number): number {
  const clamped = value > EXPONENT_LIMIT ? EXPONENT_LIMIT : value < -EXPONENT_LIMIT ? -EXPONENT_LIMIT : value;
  const scaled = clamped * Math.LOG2E;
  const power = Math.floor(scaled + 0.5);
  const r = (scaled - power) * Math.LN2;
  const polynomial =
    1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040)))))));
  return polynomial * POWERS_OF_TWO[power + 128]!;
}

export function sigmoid(value: number): number {
  return 1 / (1 + exponential(-value));
}

export function hyperbolicTangent(value: number): number {
  return 2 / (1 + exponential(-2 * value)) - 1;
}

/** Carves 16-byte-aligned regions out of one WebAssembly memory. */
class ArenaLayout {
  #bytes = 0;
  reserve(count: number): number {
    const address = this.#bytes;
    this.#bytes += Math.ceil((count * 4) / 16) * 16;
    return address;
  }
  get bytes(): number {
    return this.#bytes;
  }
}

/**
 * Work buffers for one batch of windows of `sequenceLength` feature rows, sized once for `capacity`
 * windows. `forward` keeps what `backward` needs (gate activations, states), so they must be called
 * in pairs on the same windows. Buffers are time-major: the row of step t, window b is t·batch + b.
 */
export class RecurrentWorkspace {
  readonly layout: ParameterLayout;
  readonly #kernels: MatrixKernelExports;
  readonly #units: number;
  readonly #inputSize: number;
  readonly #isLstm: boolean;
  // Byte addresses (for the kernels) and views (for the loops) of every buffer.
  readonly #parametersAddress: number;
  readonly #parameters: Float32Array;
  readonly #gradientAddress: number;
  readonly #gradient: Float32Array;
  /** The windows' rows, window-major: [batch][T][inputSize]. */
  readonly #inputsAddress: number;
  readonly #inputs: Float32Array;
  /** Pre-activations, then activations, then (in backward) their gradients: [T][batch][gateWidth]. */
  readonly #gatesAddress: number;
  readonly #gates: Float32Array;
  /** Hidden states h[0..T] (h[0] = 0): [T + 1][batch][units]. */
  readonly #statesAddress: number;
  readonly #states: Float32Array;
  /** LSTM cell states c[0..T]: [T + 1][batch][units]. */
  readonly #cells: Float32Array;
  /** LSTM tanh(c[t + 1]): [T][batch][units]. */
  readonly #cellTanh: Float32Array;
  /** GRU r ∘ h[t], the input of the candidate's recurrent product: [T][batch][units]. */
  readonly #resetStatesAddress: number;
  readonly #resetStates: Float32Array;
  readonly #stateGradientAddress: number;
  readonly #stateGradientNextAddress: number;
  readonly #cellGradient: Float32Array;
  readonly #resetGradientAddress: number;
  readonly #resetGradient: Float32Array;
  readonly #transposedAddress: number;
  readonly #transposed: Float32Array;
  readonly #buffer: ArrayBuffer;
  // Row-start tables (int32, in floats from their matrix) for the kernels.
  readonly #inputRowStartsAddress: number;
  readonly #inputRowStarts: Int32Array;
  readonly #stateRowStartsAddress: number;
  readonly #stateRowStarts: Int32Array;
  readonly #gateRowStartsAddress: number;
  readonly #gateRowStarts: Int32Array;
  /** A single 1, read by every row of `#onesRowStarts`: the bias gradient is 1ᵀ · (gate gradients). */
  readonly #oneAddress: number;
  readonly #onesRowStartsAddress: number;
  readonly #outputs: Float32Array;
  #preparedBatch = -1;
  #batch = 0;

  /** `kernels` is the module from `loadMatrixKernels()`; see `createRecurrentWorkspace`. */
  constructor(
    readonly shape: RecurrentNetworkShape,
    readonly sequenceLength: number,
    readonly capacity: number,
    kernels: CompiledMatrixKernels,
  ) {
    this.layout = parameterLayout(shape);
    if (!Number.isSafeInteger(sequenceLength) || sequenceLength < 1) {
      throw new RangeError(`sequenceLength must be a positive integer, got ${sequenceLength}`);
    }
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
    if (shape.units % 4 !== 0) throw new RangeError(`units must be a multiple of 4, got ${shape.units}`);
    const { units, inputSize } = shape;
    const steps = sequenceLength;
    const gateWidth = this.layout.gateWidth;
    this.#units = units;
    this.#inputSize = inputSize;
    this.#isLstm = shape.cell === 'lstm';
    const stateSize = capacity * units;
    const arena = new ArenaLayout();
    const at = {
      parameters: arena.reserve(this.layout.size),
      gradient: arena.reserve(this.layout.size),
      transposed: arena.reserve(gateWidth * units),
      inputs: arena.reserve(capacity * steps * inputSize),
      gates: arena.reserve(steps * capacity * gateWidth),
      states: arena.reserve((steps + 1) * stateSize),
      cells: arena.reserve(this.#isLstm ? (steps + 1) * stateSize : 0),
      cellTanh: arena.reserve(this.#isLstm ? steps * stateSize : 0),
      resetStates: arena.reserve(this.#isLstm ? 0 : steps * stateSize),
      stateGradient: arena.reserve(stateSize),
      stateGradientNext: arena.reserve(stateSize),
      cellGradient: arena.reserve(stateSize),
      resetGradient: arena.reserve(stateSize),
      inputRowStarts: arena.reserve(steps * capacity),
      stateRowStarts: arena.reserve((steps + 1) * capacity),
      gateRowStarts: arena.reserve(steps * capacity),
      one: arena.reserve(1),
      onesRowStarts: arena.reserve(steps * capacity),
    };
    const created = createKernelArena(kernels, arena.bytes);
    this.#kernels = created.kernels;
    this.#buffer = created.buffer;
    const buffer = created.buffer;
    const floats = (address: number, count: number): Float32Array => new Float32Array(buffer, address, count);
    const ints = (address: number, count: number): Int32Array => new Int32Array(buffer, address, count);
    this.#parametersAddress = at.parameters;
    this.#parameters = floats(at.parameters, this.layout.size);
    this.#gradientAddress = at.gradient;
    this.#gradient = floats(at.gradient, this.layout.size);
    this.#transposedAddress = at.transposed;
    this.#transposed = floats(at.transposed, gateWidth * units);
    this.#inputsAddress = at.inputs;
    this.#inputs = floats(at.inputs, capacity * steps * inputSize);
    this.#gatesAddress = at.gates;
    this.#gates = floats(at.gates, steps * capacity * gateWidth);
    this.#statesAddress = at.states;
    this.#states = floats(at.states, (steps + 1) * stateSize);
    this.#cells = floats(at.cells, this.#isLstm ? (steps + 1) * stateSize : 0);
    this.#cellTanh = floats(at.cellTanh, this.#isLstm ? steps * stateSize : 0);
    this.#resetStatesAddress = at.resetStates;
    this.#resetStates = floats(at.resetStates, this.#isLstm ? 0 : steps * stateSize);
    this.#stateGradientAddress = at.stateGradient;
    this.#stateGradientNextAddress = at.stateGradientNext;
    this.#cellGradient = floats(at.cellGradient, stateSize);
    this.#resetGradientAddress = at.resetGradient;
    this.#resetGradient = floats(at.resetGradient, stateSize);
    this.#inputRowStartsAddress = at.inputRowStarts;
    this.#inputRowStarts = ints(at.inputRowStarts, steps * capacity);
    this.#stateRowStartsAddress = at.stateRowStarts;
    this.#stateRowStarts = ints(at.stateRowStarts, (steps + 1) * capacity);
    this.#gateRowStartsAddress = at.gateRowStarts;
    this.#gateRowStarts = ints(at.gateRowStarts, steps * capacity);
    this.#oneAddress = at.one;
    floats(at.one, 1)[0] = 1;
    this.#onesRowStartsAddress = at.onesRowStarts;
    ints(at.onesRowStarts, steps * capacity).fill(0);
    this.#outputs = new Float32Array(capacity);
  }

  #floats(address: number, count: number): Float32Array {
    return new Float32Array(this.#buffer, address, count);
  }

  #prepare(batch: number): void {
    this.#batch = batch;
    if (this.#preparedBatch === batch) return;
    const steps = this.sequenceLength;
    for (let step = 0; step < steps; step += 1) {
      for (let window = 0; window < batch; window += 1) {
        this.#inputRowStarts[step * batch + window] = (window * steps + step) * this.#inputSize;
      }
    }
    for (let row = 0; row < (steps + 1) * batch; row += 1) this.#stateRowStarts[row] = row * this.#units;
    for (let row = 0; row < steps * batch; row += 1) this.#gateRowStarts[row] = row * this.layout.gateWidth;
    this.#preparedBatch = batch;
  }

  /** multiply() with element offsets: a's rows through the table at `startsAddress` from entry `startIndex`. */
  #multiply(
    rows: number,
    columns: number,
    depth: number,
    aAddress: number,
    startsAddress: number,
    startIndex: number,
    columnOffset: number,
    bAddress: number,
    bOffset: number,
    ldb: number,
    cAddress: number,
    cOffset: number,
    ldc: number,
    accumulate: boolean,
  ): void {
    this.#kernels.multiply(
      rows,
      columns,
      depth,
      aAddress,
      startsAddress + 4 * startIndex,
      columnOffset,
      bAddress + 4 * bOffset,
      ldb,
      cAddress + 4 * cOffset,
      ldc,
      accumulate ? 1 : 0,
    );
  }

  /**
   * Runs `count` windows; window b is the `sequenceLength` rows of `rows` (row-major, `inputSize`
   * values each) ending at row `windowEnds[windowStart + b]`. Returns the outputs (valid until the next call).
   */
  forward(
    parameters: Float32Array,
    rows: Float32Array,
    windowEnds: ArrayLike<number>,
    windowStart: number,
    count: number,
  ): Float32Array {
    if (count < 1 || count > this.capacity)
      throw new RangeError(`batch of ${count} windows outside 1..${this.capacity}`);
    if (parameters.length !== this.layout.size) {
      throw new RangeError(`expected ${this.layout.size} parameters, got ${parameters.length}`);
    }
    const steps = this.sequenceLength;
    const batch = count;
    const inputSize = this.#inputSize;
    const windowFloats = steps * inputSize;
    for (let window = 0; window < batch; window += 1) {
      const lastRow = windowEnds[windowStart + window]!;
      const firstRow = lastRow - steps + 1;
      if (firstRow < 0 || (lastRow + 1) * inputSize > rows.length) {
        throw new RangeError(`window ending at row ${lastRow} lies outside the rows`);
      }
      this.#inputs.set(
        rows.subarray(firstRow * inputSize, firstRow * inputSize + windowFloats),
        window * windowFloats,
      );
    }
    this.#prepare(batch);
    this.#parameters.set(parameters);
    const units = this.#units;
    const layout = this.layout;
    const gateWidth = layout.gateWidth;
    const gates = this.#gates;
    const states = this.#states;
    const bias = this.#parameters.subarray(layout.biasOffset, layout.biasOffset + gateWidth);
    for (let row = 0; row < steps * batch; row += 1) gates.set(bias, row * gateWidth);
    // The input half of every step's pre-activations in one product over all steps and windows.
    this.#multiply(
      steps * batch,
      gateWidth,
      inputSize,
      this.#inputsAddress,
      this.#inputRowStartsAddress,
      0,
      0,
      this.#parametersAddress,
      layout.kernelOffset,
      gateWidth,
      this.#gatesAddress,
      0,
      gateWidth,
      true,
    );
    states.fill(0, 0, batch * units);
    if (this.#isLstm) this.#forwardLstm(batch);
    else this.#forwardGru(batch);
    const outputs = this.#outputs;
    const lastStates = steps * batch * units;
    const weights = this.#parameters;
    const denseBias = weights[layout.denseBiasOffset]!;
    for (let window = 0; window < batch; window += 1) {
      let sum = denseBias;
      const state = lastStates + window * units;
      for (let unit = 0; unit < units; unit += 1)
        sum += states[state + unit]! * weights[layout.denseKernelOffset + unit]!;
      outputs[window] = sum;
    }
    return outputs.subarray(0, batch);
  }

  #forwardLstm(batch: number): void {
    const units = this.#units;
    const gateWidth = this.layout.gateWidth;
    const gates = this.#gates;
    const states = this.#states;
    const cells = this.#cells;
    const cellTanh = this.#cellTanh;
    cells.fill(0, 0, batch * units);
    for (let step = 0; step < this.sequenceLength; step += 1) {
      this.#multiply(
        batch,
        gateWidth,
        units,
        this.#statesAddress,
        this.#stateRowStartsAddress,
        step * batch,
        0,
        this.#parametersAddress,
        this.layout.recurrentKernelOffset,
        gateWidth,
        this.#gatesAddress,
        step * batch * gateWidth,
        gateWidth,
        true,
      );
      for (let window = 0; window < batch; window += 1) {
        const row = step * batch + window;
        const gate = row * gateWidth;
        const previous = row * units;
        const next = previous + batch * units;
        for (let unit = 0; unit < units; unit += 1) {
          const input = sigmoid(gates[gate + unit]!);
          const forget = sigmoid(gates[gate + units + unit]!);
          const candidate = hyperbolicTangent(gates[gate + 2 * units + unit]!);
          const output = sigmoid(gates[gate + 3 * units + unit]!);
          gates[gate + unit] = input;
          gates[gate + units + unit] = forget;
          gates[gate + 2 * units + unit] = candidate;
          gates[gate + 3 * units + unit] = output;
          const cell = forget * cells[previous + unit]! + input * candidate;
          cells[next + unit] = cell;
          const squashed = hyperbolicTangent(cell);
          cellTanh[previous + unit] = squashed;
          states[next + unit] = output * squashed;
        }
      }
    }
  }

  #forwardGru(batch: number): void {
    const units = this.#units;
    const gateWidth = this.layout.gateWidth;
    const gates = this.#gates;
    const states = this.#states;
    const resetStates = this.#resetStates;
    for (let step = 0; step < this.sequenceLength; step += 1) {
      const stepGates = step * batch * gateWidth;
      // Update and reset gates read h; the candidate reads r ∘ h, so its product waits for r.
      this.#multiply(
        batch,
        2 * units,
        units,
        this.#statesAddress,
        this.#stateRowStartsAddress,
        step * batch,
        0,
        this.#parametersAddress,
        this.layout.recurrentKernelOffset,
        gateWidth,
        this.#gatesAddress,
        stepGates,
        gateWidth,
        true,
      );
      for (let window = 0; window < batch; window += 1) {
        const row = step * batch + window;
        const gate = row * gateWidth;
        const previous = row * units;
        for (let unit = 0; unit < units; unit += 1) {
          const update = sigmoid(gates[gate + unit]!);
          const reset = sigmoid(gates[gate + units + unit]!);
          gates[gate + unit] = update;
          gates[gate + units + unit] = reset;
          resetStates[previous + unit] = reset * states[previous + unit]!;
        }
      }
      this.#multiply(
        batch,
        units,
        units,
        this.#resetStatesAddress,
        this.#stateRowStartsAddress,
        step * batch,
        0,
        this.#parametersAddress,
        this.layout.recurrentKernelOffset + 2 * units,
        gateWidth,
        this.#gatesAddress,
        stepGates + 2 * units,
        gateWidth,
        true,
      );
      for (let window = 0; window < batch; window += 1) {
        const row = step * batch + window;
        const gate = row * gateWidth;
        const previous = row * units;
        const next = previous + batch * units;
        for (let unit = 0; unit < units; unit += 1) {
          const update = gates[gate + unit]!;
          const candidate = hyperbolicTangent(gates[gate + 2 * units + unit]!);
          gates[gate + 2 * units + unit] = candidate;
          states[next + unit] = update * states[previous + unit]! + (1 - update) * candidate;
        }
      }
    }
  }

  /**
   * Gradient of `lossScale · Σ (output − target)²` over the windows of the last `forward`, added to
   * `gradient` (laid out like the parameters). Returns Σ (output − target)² for those windows.
   * `targets[targetStart + b]` is the target of window b.
   */
  backward(
    targets: ArrayLike<number>,
    targetStart: number,
    lossScale: number,
    gradient: Float32Array,
  ): number {
    const batch = this.#batch;
    const steps = this.sequenceLength;
    const units = this.#units;
    const layout = this.layout;
    const gateWidth = layout.gateWidth;
    const weights = this.#parameters;
    const states = this.#states;
    const ours = this.#gradient.fill(0);
    const stateGradient = this.#floats(this.#stateGradientAddress, batch * units);
    let sumSquaredError = 0;
    const lastStates = steps * batch * units;
    for (let window = 0; window < batch; window += 1) {
      const error = this.#outputs[window]! - targets[targetStart + window]!;
      sumSquaredError += error * error;
      const outputGradient = 2 * error * lossScale;
      ours[layout.denseBiasOffset]! += outputGradient;
      for (let unit = 0; unit < units; unit += 1) {
        ours[layout.denseKernelOffset + unit]! +=
          states[lastStates + window * units + unit]! * outputGradient;
        stateGradient[window * units + unit] = weights[layout.denseKernelOffset + unit]! * outputGradient;
      }
    }
    const transposed = this.#transposed;
    for (let unit = 0; unit < units; unit += 1) {
      for (let column = 0; column < gateWidth; column += 1) {
        transposed[column * units + unit] =
          weights[layout.recurrentKernelOffset + unit * gateWidth + column]!;
      }
    }
    if (this.#isLstm) this.#backwardLstm(batch);
    else this.#backwardGru(batch);

    const kernels = this.#kernels;
    const rowCount = steps * batch;
    const gradientAt = (offset: number): number => this.#gradientAddress + 4 * offset;
    if (this.#isLstm) {
      kernels.accumulateTransposed(
        units,
        gateWidth,
        rowCount,
        this.#statesAddress,
        this.#stateRowStartsAddress,
        0,
        this.#gatesAddress,
        gateWidth,
        gradientAt(layout.recurrentKernelOffset),
        gateWidth,
      );
    } else {
      kernels.accumulateTransposed(
        units,
        2 * units,
        rowCount,
        this.#statesAddress,
        this.#stateRowStartsAddress,
        0,
        this.#gatesAddress,
        gateWidth,
        gradientAt(layout.recurrentKernelOffset),
        gateWidth,
      );
      kernels.accumulateTransposed(
        units,
        units,
        rowCount,
        this.#resetStatesAddress,
        this.#stateRowStartsAddress,
        0,
        this.#gatesAddress + 4 * 2 * units,
        gateWidth,
        gradientAt(layout.recurrentKernelOffset + 2 * units),
        gateWidth,
      );
    }
    kernels.accumulateTransposed(
      this.#inputSize,
      gateWidth,
      rowCount,
      this.#inputsAddress,
      this.#inputRowStartsAddress,
      0,
      this.#gatesAddress,
      gateWidth,
      gradientAt(layout.kernelOffset),
      gateWidth,
    );
    kernels.accumulateTransposed(
      1,
      gateWidth,
      rowCount,
      this.#oneAddress,
      this.#onesRowStartsAddress,
      0,
      this.#gatesAddress,
      gateWidth,
      gradientAt(layout.biasOffset),
      gateWidth,
    );
    for (let index = 0; index < ours.length; index += 1) gradient[index]! += ours[index]!;
    return sumSquaredError;
  }

  /** Walks the steps backwards, turning the gate activations into pre-activation gradients in place. */
  #backwardLstm(batch: number): void {
    const units = this.#units;
    const gateWidth = this.layout.gateWidth;
    const gates = this.#gates;
    const cells = this.#cells;
    const cellTanh = this.#cellTanh;
    const stateGradient = this.#floats(this.#stateGradientAddress, batch * units);
    const cellGradient = this.#cellGradient.fill(0, 0, batch * units);
    for (let step = this.sequenceLength - 1; step >= 0; step -= 1) {
      for (let window = 0; window < batch; window += 1) {
        const row = step * batch + window;
        const gate = row * gateWidth;
        const previous = row * units;
        const local = window * units;
        for (let unit = 0; unit < units; unit += 1) {
          const input = gates[gate + unit]!;
          const forget = gates[gate + units + unit]!;
          const candidate = gates[gate + 2 * units + unit]!;
          const output = gates[gate + 3 * units + unit]!;
          const squashed = cellTanh[previous + unit]!;
          const stateDelta = stateGradient[local + unit]!;
          const cellDelta = cellGradient[local + unit]! + stateDelta * output * (1 - squashed * squashed);
          gates[gate + unit] = cellDelta * candidate * input * (1 - input);
          gates[gate + units + unit] = cellDelta * cells[previous + unit]! * forget * (1 - forget);
          gates[gate + 2 * units + unit] = cellDelta * input * (1 - candidate * candidate);
          gates[gate + 3 * units + unit] = stateDelta * squashed * output * (1 - output);
          cellGradient[local + unit] = cellDelta * forget;
        }
      }
      // h[0] is the fixed zero state: no gradient flows past the first step.
      if (step > 0) {
        this.#multiply(
          batch,
          units,
          gateWidth,
          this.#gatesAddress,
          this.#gateRowStartsAddress,
          step * batch,
          0,
          this.#transposedAddress,
          0,
          units,
          this.#stateGradientAddress,
          0,
          units,
          false,
        );
      }
    }
  }

  #backwardGru(batch: number): void {
    const units = this.#units;
    const gateWidth = this.layout.gateWidth;
    const gates = this.#gates;
    const states = this.#states;
    const resetGradient = this.#resetGradient;
    let stateGradientAddress = this.#stateGradientAddress;
    let previousGradientAddress = this.#stateGradientNextAddress;
    for (let step = this.sequenceLength - 1; step >= 0; step -= 1) {
      const stateGradient = this.#floats(stateGradientAddress, batch * units);
      const previousGradient = this.#floats(previousGradientAddress, batch * units);
      for (let window = 0; window < batch; window += 1) {
        const row = step * batch + window;
        const gate = row * gateWidth;
        const previous = row * units;
        const local = window * units;
        for (let unit = 0; unit < units; unit += 1) {
          const update = gates[gate + unit]!;
          const candidate = gates[gate + 2 * units + unit]!;
          const delta = stateGradient[local + unit]!;
          gates[gate + 2 * units + unit] = delta * (1 - update) * (1 - candidate * candidate);
          gates[gate + unit] = delta * (states[previous + unit]! - candidate) * update * (1 - update);
          previousGradient[local + unit] = delta * update;
        }
      }
      // Gradient of r ∘ h through the candidate's recurrent kernel.
      this.#multiply(
        batch,
        units,
        units,
        this.#gatesAddress,
        this.#gateRowStartsAddress,
        step * batch,
        2 * units,
        this.#transposedAddress,
        2 * units * units,
        units,
        this.#resetGradientAddress,
        0,
        units,
        false,
      );
      for (let window = 0; window < batch; window += 1) {
        const row = step * batch + window;
        const gate = row * gateWidth;
        const previous = row * units;
        const local = window * units;
        for (let unit = 0; unit < units; unit += 1) {
          const reset = gates[gate + units + unit]!;
          const resetDelta = resetGradient[local + unit]!;
          gates[gate + units + unit] = resetDelta * states[previous + unit]! * reset * (1 - reset);
          previousGradient[local + unit]! += resetDelta * reset;
        }
      }
      if (step > 0) {
        this.#multiply(
          batch,
          units,
          2 * units,
          this.#gatesAddress,
          this.#gateRowStartsAddress,
          step * batch,
          0,
          this.#transposedAddress,
          0,
          units,
          previousGradientAddress,
          0,
          units,
          true,
        );
      }
      const swap = stateGradientAddress;
      stateGradientAddress = previousGradientAddress;
      previousGradientAddress = swap;
    }
  }
}

/** A workspace with the kernels module loaded (compiled on first use). */
export async function createRecurrentWorkspace(
  shape: RecurrentNetworkShape,
  sequenceLength: number,
  capacity: number,
): Promise<RecurrentWorkspace> {
  return new RecurrentWorkspace(shape, sequenceLength, capacity, await loadMatrixKernels());
}
