// Training throughput and single-forecast latency of the LSTM and GRU forecasters' kernels, beside
// plain TensorFlow.js (CPU and WASM backends) on the same shapes in the same run, and how far our
// forecasts are from tfjs's on the same weights. Real BTC/USDT 1h when RUNECAST_REPLAY_DIR is set,
// otherwise a seeded synthetic series.
// Run: [RUNECAST_REPLAY_DIR=../shared/data] node --import tsx bench/sequence-models.bench.ts
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Candle, horizonSteps } from '@runecast/market';
import { buildFeatureMatrix, type FeatureMatrix } from '../apps/server/src/features/feature-matrix.ts';
import { readFreqtradeHourlyCandles } from './bench-support.ts';
import { generateSyntheticCandles } from '../apps/server/src/features/synthetic-candles.ts';
import { resolveFeatureColumns } from '../apps/server/src/models/feature-columns.ts';
import { createRecurrentWorkspace } from '../apps/server/src/models/deep/recurrent-kernels.ts';
import {
  initializeParameters,
  type RecurrentCell,
  type RecurrentNetworkShape,
} from '../apps/server/src/models/deep/recurrent-network.ts';
import {
  buildSequenceDataset,
  type SequenceDataset,
} from '../apps/server/src/models/deep/sequence-dataset.ts';
import { trainSequenceNetwork } from '../apps/server/src/models/deep/sequence-trainer.ts';
import {
  buildReferenceModel,
  referenceForward,
  setReferenceWeights,
  useTfjsBackend,
  type TfjsBackendName,
} from '../apps/server/src/models/deep/tfjs-reference.ts';
import { resolveTrainingWindow } from '../apps/server/src/models/training-window.ts';

const SEQUENCE_LENGTH = 60;
const UNITS = 32;
const BATCH_SIZE = 64;
const HORIZON_MINUTES = 240;
const TRAINING_WINDOW_STEPS = 4320;
const OUR_EPOCHS = 3;
/** tfjs windows per timed fit: enough for a stable rate, few enough to keep the bench to minutes. */
const TFJS_TRAINING_WINDOWS: Record<TfjsBackendName, number> = { cpu: 384, wasm: 1536 };
const TFJS_LATENCY_CALLS: Record<TfjsBackendName, number> = { cpu: 20, wasm: 100 };
const OUR_LATENCY_CALLS = 1000;
const PARITY_WINDOWS = 256;
const HISTORY_FROM_MS = Date.UTC(2020, 0, 1);
const HISTORY_TO_MS = Date.UTC(2021, 9, 1);

interface SeriesSource {
  label: string;
  candles: Candle[];
  crossAssets: Record<string, Candle[]>;
}

function readFreqtradeCandles(path: string, symbol: string): Candle[] {
  return readFreqtradeHourlyCandles(path, symbol).filter(
    (candle) => candle.openTimeMs >= HISTORY_FROM_MS && candle.openTimeMs < HISTORY_TO_MS,
  );
}

function loadSeries(): SeriesSource {
  const replayDir = process.env.RUNECAST_REPLAY_DIR ? resolve(process.env.RUNECAST_REPLAY_DIR) : null;
  const btcPath = replayDir ? join(replayDir, 'binance_spot_1h', 'BTC_USDT-1h.json') : null;
  if (btcPath && existsSync(btcPath)) {
    const ethPath = join(replayDir!, 'binance_spot_1h', 'ETH_USDT-1h.json');
    return {
      label: 'real BTC/USDT 1h (Binance, 2020-01 → 2021-09)',
      candles: readFreqtradeCandles(btcPath, 'BTC/USDT'),
      crossAssets: existsSync(ethPath)
        ? { 'binance:ETH/USDT:1h': readFreqtradeCandles(ethPath, 'ETH/USDT') }
        : {},
    };
  }
  const count = 15_000;
  return {
    label: `simulated series (seeded, ${count} hourly candles; set RUNECAST_REPLAY_DIR for real data)`,
    candles: generateSyntheticCandles({
      count,
      seed: 7,
      autocorrelation: 0.1,
      volatility: 0.01,
      symbol: 'SIM/USDT',
    }),
    crossAssets: {
      'synthetic:SIM2/USDT:1h': generateSyntheticCandles({
        count,
        seed: 8,
        volatility: 0.012,
        symbol: 'SIM2/USDT',
      }),
    },
  };
}

/** Windows laid out [count, sequenceLength, inputSize] as tfjs takes them. */
function gatherWindows(dataset: SequenceDataset, ends: Int32Array, count: number): Float32Array {
  const width = dataset.sequenceLength * dataset.inputSize;
  const windows = new Float32Array(count * width);
  for (let window = 0; window < count; window += 1) {
    const firstRow = ends[window]! - dataset.sequenceLength + 1;
    windows.set(
      dataset.rows.subarray(
        firstRow * dataset.inputSize,
        (firstRow + dataset.sequenceLength) * dataset.inputSize,
      ),
      window * width,
    );
  }
  return windows;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface Measurement {
  cell: RecurrentCell;
  engine: string;
  samplesPerSecond: number;
  /** Training windows per second of CPU time used by the whole process (all its threads). */
  samplesPerCpuSecond: number;
  latencyMs: number;
}

function cpuSeconds(since?: NodeJS.CpuUsage): number {
  const usage = process.cpuUsage(since);
  return (usage.user + usage.system) / 1e6;
}

async function measureOurs(
  shape: RecurrentNetworkShape,
  dataset: SequenceDataset,
  threads: number,
): Promise<{
  samplesPerSecond: number;
  samplesPerCpuSecond: number;
  parameters: Float32Array;
  usedWorker: boolean;
}> {
  const cpuAtEpochEnd: number[] = [];
  const result = await trainSequenceNetwork(
    shape,
    dataset,
    {
      batchSize: BATCH_SIZE,
      learningRate: 0.001,
      maxEpochs: OUR_EPOCHS,
      patience: OUR_EPOCHS,
      gradientClipNorm: 1,
      seed: 42,
      threads,
    },
    { onEpoch: () => cpuAtEpochEnd.push(cpuSeconds()) },
  );
  // The first epoch includes compiling the kernels (and starting the worker); the rest are steady state.
  const steady = result.epochs.slice(1).map((epoch) => epoch.samplesPerSecond);
  // CPU time between the end of epoch 1 and the last epoch; it includes those epochs' validation passes.
  const steadyCpuSeconds = cpuAtEpochEnd.at(-1)! - cpuAtEpochEnd[0]!;
  return {
    samplesPerSecond: median(steady),
    samplesPerCpuSecond: (steady.length * dataset.trainingEnds.length) / steadyCpuSeconds,
    parameters: result.parameters,
    usedWorker: result.usedWorker,
  };
}

async function measureOurLatency(
  shape: RecurrentNetworkShape,
  dataset: SequenceDataset,
  parameters: Float32Array,
): Promise<number> {
  const workspace = await createRecurrentWorkspace(shape, SEQUENCE_LENGTH, 1);
  const ends = dataset.validationEnds;
  for (let call = 0; call < 200; call += 1)
    workspace.forward(parameters, dataset.rows, ends, call % ends.length, 1);
  const times: number[] = [];
  for (let call = 0; call < OUR_LATENCY_CALLS; call += 1) {
    const startedMs = performance.now();
    workspace.forward(parameters, dataset.rows, ends, call % ends.length, 1);
    times.push(performance.now() - startedMs);
  }
  return median(times);
}

async function measureTfjs(
  backend: TfjsBackendName,
  shape: RecurrentNetworkShape,
  dataset: SequenceDataset,
  initialParameters: Float32Array,
): Promise<{ samplesPerSecond: number; samplesPerCpuSecond: number; latencyMs: number }> {
  const tf = await useTfjsBackend(backend);
  const count = Math.min(TFJS_TRAINING_WINDOWS[backend], dataset.trainingEnds.length);
  const model = buildReferenceModel(shape, SEQUENCE_LENGTH, initialParameters);
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'meanSquaredError' });
  const inputs = tf.tensor3d(gatherWindows(dataset, dataset.trainingEnds, count), [
    count,
    SEQUENCE_LENGTH,
    shape.inputSize,
  ]);
  const targets = tf.tensor2d(dataset.trainingTargets.subarray(0, count), [count, 1]);
  const warmInputs = inputs.slice([0, 0, 0], [BATCH_SIZE, SEQUENCE_LENGTH, shape.inputSize]);
  const warmTargets = targets.slice([0, 0], [BATCH_SIZE, 1]);
  await model.fit(warmInputs, warmTargets, { batchSize: BATCH_SIZE, epochs: 1, verbose: 0 });
  const startedMs = performance.now();
  const cpuBefore = process.cpuUsage();
  await model.fit(inputs, targets, { batchSize: BATCH_SIZE, epochs: 1, shuffle: true, verbose: 0 });
  const samplesPerCpuSecond = count / cpuSeconds(cpuBefore);
  const samplesPerSecond = count / ((performance.now() - startedMs) / 1000);

  const single = gatherWindows(dataset, dataset.validationEnds, 1);
  const times: number[] = [];
  for (let call = -3; call < TFJS_LATENCY_CALLS[backend]; call += 1) {
    const callStartedMs = performance.now();
    referenceForward(model, single, 1);
    if (call >= 0) times.push(performance.now() - callStartedMs);
  }
  tf.dispose([inputs, targets, warmInputs, warmTargets]);
  model.dispose();
  return { samplesPerSecond, samplesPerCpuSecond, latencyMs: median(times) };
}

/** Largest |ours − tfjs| over validation windows, with our trained weights loaded into tfjs. */
async function forecastDifference(
  backend: TfjsBackendName,
  shape: RecurrentNetworkShape,
  dataset: SequenceDataset,
  parameters: Float32Array,
): Promise<number> {
  await useTfjsBackend(backend);
  const count = Math.min(PARITY_WINDOWS, dataset.validationEnds.length);
  const workspace = await createRecurrentWorkspace(shape, SEQUENCE_LENGTH, count);
  const ours = workspace.forward(parameters, dataset.rows, dataset.validationEnds, 0, count);
  const model = buildReferenceModel(shape, SEQUENCE_LENGTH);
  setReferenceWeights(model, shape, parameters);
  const reference = referenceForward(model, gatherWindows(dataset, dataset.validationEnds, count), count);
  model.dispose();
  let worst = 0;
  for (let index = 0; index < count; index += 1)
    worst = Math.max(worst, Math.abs(ours[index]! - reference[index]!));
  return worst;
}

function buildDataset(matrix: FeatureMatrix): { dataset: SequenceDataset; targetDeviation: number } {
  const window = resolveTrainingWindow(
    { matrix },
    horizonSteps(HORIZON_MINUTES, matrix.timeframe),
    TRAINING_WINDOW_STEPS,
  );
  const { dataset, scaling } = buildSequenceDataset(window, {
    columns: resolveFeatureColumns(matrix, matrix.featureNames),
    sequenceLength: SEQUENCE_LENGTH,
    validationFraction: 0.15,
    label: 'bench',
  });
  return { dataset, targetDeviation: scaling.targetDeviation };
}

function formatRate(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

export async function runSequenceModelsBench(): Promise<void> {
  const benchStartedMs = performance.now();
  const loadBefore = loadavg()[0]!;
  const source = loadSeries();
  const matrix = buildFeatureMatrix({ candles: source.candles, crossAssets: source.crossAssets });
  const { dataset, targetDeviation } = buildDataset(matrix);
  console.log(`sequence models bench: ${source.label}`);
  console.log(
    `  ${matrix.featureNames.length} features, sequence ${SEQUENCE_LENGTH}, ${UNITS} units, batch ${BATCH_SIZE}, ` +
      `${dataset.trainingEnds.length} training windows (horizon ${HORIZON_MINUTES / 60}h), ` +
      `${availableParallelism()} cores, 1-minute load average ${loadBefore.toFixed(2)} at start`,
  );
  const measurements: Measurement[] = [];
  const differences: string[] = [];
  for (const cell of ['lstm', 'gru'] as const) {
    const shape: RecurrentNetworkShape = { cell, inputSize: dataset.inputSize, units: UNITS };
    const initial = initializeParameters(shape, 42);
    const single = await measureOurs(shape, dataset, 1);
    const parallel = await measureOurs(shape, dataset, 2);
    const latencyMs = await measureOurLatency(shape, dataset, parallel.parameters);
    measurements.push({
      cell,
      engine: 'runecast, 1 thread',
      samplesPerSecond: single.samplesPerSecond,
      samplesPerCpuSecond: single.samplesPerCpuSecond,
      latencyMs,
    });
    measurements.push({
      cell,
      engine: parallel.usedWorker ? 'runecast, 2 threads' : 'runecast, 2 threads (worker unavailable: 1)',
      samplesPerSecond: parallel.samplesPerSecond,
      samplesPerCpuSecond: parallel.samplesPerCpuSecond,
      latencyMs,
    });
    for (const backend of ['cpu', 'wasm'] as const) {
      const tfjs = await measureTfjs(backend, shape, dataset, initial);
      measurements.push({ cell, engine: `tfjs ${backend}`, ...tfjs });
      const difference = await forecastDifference(backend, shape, dataset, parallel.parameters);
      differences.push(
        `  ${cell} vs tfjs ${backend}: max |Δ| ${difference.toExponential(2)} (standardised output), ` +
          `${(difference * targetDeviation).toExponential(2)} in log return, over ${Math.min(PARITY_WINDOWS, dataset.validationEnds.length)} validation windows`,
      );
    }
  }

  const header = [
    'model',
    'engine',
    'train samples/s',
    '× tfjs cpu',
    '× tfjs wasm',
    'samples/CPU-s',
    'forecast ms',
    'target 3000/s',
  ];
  const rows = measurements.map((measurement) => {
    const cpu = measurements.find((other) => other.cell === measurement.cell && other.engine === 'tfjs cpu')!;
    const wasm = measurements.find(
      (other) => other.cell === measurement.cell && other.engine === 'tfjs wasm',
    )!;
    const ours = measurement.engine.startsWith('runecast');
    return [
      measurement.cell,
      measurement.engine,
      formatRate(measurement.samplesPerSecond),
      (measurement.samplesPerSecond / cpu.samplesPerSecond).toFixed(1),
      (measurement.samplesPerSecond / wasm.samplesPerSecond).toFixed(1),
      formatRate(measurement.samplesPerCpuSecond),
      measurement.latencyMs.toFixed(3),
      ours ? (measurement.samplesPerSecond >= 3000 ? 'met' : 'missed') : '',
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  console.log();
  console.log(line(header));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(line(row));
  console.log(
    'train samples/s: wall clock, steady-state epochs; samples/CPU-s: per second of CPU time of the whole process ' +
      '(for ours it includes the validation passes), which other load on the machine does not lower.',
  );
  console.log('\nforecasts on the same weights (our kernels vs tf.layers):');
  for (const difference of differences) console.log(difference);
  console.log(
    `\nsequence models bench: ${((performance.now() - benchStartedMs) / 1000).toFixed(1)} s, ` +
      `1-minute load average ${loadavg()[0]!.toFixed(2)} at the end (other processes on these cores lower every rate)`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runSequenceModelsBench();
}
