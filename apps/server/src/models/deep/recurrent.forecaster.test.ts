import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ValidationError } from '@runecast/market';
import { buildFeatureMatrix, type FeatureMatrix } from '../../features/feature-matrix.ts';
import { generateSyntheticCandles } from '../../features/synthetic-candles.ts';
import { decodeArtifact, encodeArtifact } from '../forecaster-artifact.ts';
import { resolveFeatureColumns } from '../feature-columns.ts';
import { createForecaster, deserializeForecaster, listForecasterTypes } from '../forecaster.registry.ts';
import { resolveTrainingWindow } from '../training-window.ts';
import {
  DEEP_FORECASTER_DEFINITIONS,
  RecurrentForecaster,
  TrainingCancelledError,
  type RecurrentEpochProgress,
} from './index.ts';
import { buildSequenceDataset } from './sequence-dataset.ts';
import { GradientWorkerPool } from './gradient-worker.ts';
import { trainSequenceNetwork, validationLoss } from './sequence-trainer.ts';
import { createRecurrentWorkspace } from './recurrent-kernels.ts';
import { buildReferenceModel, referenceForward, useTfjsBackend } from './tfjs-reference.ts';

test('the registry holds the recurrent models', () => {
  for (const definition of DEEP_FORECASTER_DEFINITIONS) {
    assert.ok(listForecasterTypes().includes(definition.modelType), definition.modelType);
  }
});

// AR(1) returns so a sequence model has something to learn; small shapes keep each fit well under a second.
const candles = generateSyntheticCandles({ count: 900, seed: 31, autocorrelation: 0.4, volatility: 0.01 });
const crossCandles = generateSyntheticCandles({ count: 900, seed: 32, symbol: 'ETH/USDT' });
const matrix = buildFeatureMatrix({ candles, crossAssets: { 'synthetic:ETH/USDT:1h': crossCandles } });
const END_INDEX = 820;
const ORIGINS = Array.from({ length: 12 }, (_, index) => END_INDEX + 1 + index * 6);
const SMALL = {
  sequenceLength: 12,
  units: 8,
  batchSize: 32,
  maxEpochs: 3,
  trainingWindowSteps: 500,
  trainingThreads: 1,
};

const created: RecurrentForecaster[] = [];
after(() => {
  for (const forecaster of created) forecaster.dispose();
});

function create(
  modelType: string,
  params: Record<string, unknown> = SMALL,
  horizonMinutes = 240,
): RecurrentForecaster {
  const forecaster = createForecaster(modelType, { timeframe: '1h', horizonMinutes, params });
  assert.ok(forecaster instanceof RecurrentForecaster);
  created.push(forecaster);
  return forecaster;
}

for (const modelType of ['lstm', 'gru']) {
  describe(`${modelType} forecaster`, () => {
    test('reports every epoch of both trainings and forecasts with ordered conformal intervals', async () => {
      const forecaster = create(modelType);
      const progress: RecurrentEpochProgress[] = [];
      const summary = await forecaster.fit(
        { matrix, endIndex: END_INDEX },
        { onEpoch: (epoch) => progress.push(epoch) },
      );
      assert.ok(summary.calibrationResiduals >= 20);
      assert.deepEqual(
        progress.map((epoch) => `${epoch.phase}:${epoch.epoch}`),
        ['calibration:1', 'calibration:2', 'calibration:3', 'final:1', 'final:2', 'final:3'],
      );
      for (const epoch of progress) {
        assert.equal(epoch.maxEpochs, 3);
        assert.ok(Number.isFinite(epoch.trainLoss) && epoch.trainLoss > 0);
        assert.ok(Number.isFinite(epoch.validationLoss) && epoch.validationLoss > 0);
        assert.ok(epoch.samplesPerSecond > 0);
        assert.ok(epoch.bestEpoch >= 1 && epoch.bestEpoch <= epoch.epoch);
      }
      assert.deepEqual(forecaster.featureNames, matrix.featureNames);
      assert.equal(forecaster.trainingHistory.length, 3);
      for (const originIndex of ORIGINS) {
        const forecast = forecaster.predict({ matrix, originIndex });
        assert.equal(forecast.modelType, modelType);
        assert.ok(Number.isFinite(forecast.logReturn) && Math.abs(forecast.logReturn) < 0.2);
        assert.ok(forecast.intervals['95'].lower < forecast.intervals['80'].lower);
        assert.ok(
          forecast.intervals['80'].lower <= forecast.point &&
            forecast.point <= forecast.intervals['80'].upper,
        );
        assert.ok(forecast.intervals['80'].upper < forecast.intervals['95'].upper);
      }
    });

    test('serializes to bytes and back to a predictor with bit-identical forecasts', async () => {
      const forecaster = create(modelType);
      await forecaster.fit({ matrix, endIndex: END_INDEX });
      const bytes = forecaster.serialize();
      const restored = await deserializeForecaster(bytes);
      assert.ok(restored instanceof RecurrentForecaster);
      created.push(restored);
      assert.equal(restored.modelType, modelType);
      assert.deepEqual(restored.featureNames, forecaster.featureNames);
      assert.deepEqual(restored.params, forecaster.params);
      assert.deepEqual(restored.trainingHistory, forecaster.trainingHistory);
      for (const originIndex of ORIGINS) {
        const before = forecaster.predict({ matrix, originIndex });
        const afterRoundTrip = restored.predict({ matrix, originIndex });
        assert.ok(Object.is(before.logReturn, afterRoundTrip.logReturn), `origin ${originIndex}`);
        assert.deepEqual(afterRoundTrip, before);
      }
      assert.deepEqual(restored.serialize(), bytes);
    });
  });
}

describe('recurrent forecaster against TensorFlow.js', () => {
  for (const modelType of ['lstm', 'gru']) {
    test(`${modelType}: forecasts equal tfjs's on the fitted weights and scalers`, async () => {
      const tf = await useTfjsBackend('cpu');
      const forecaster = create(modelType);
      await forecaster.fit({ matrix, endIndex: END_INDEX });
      const network = forecaster.exportNetwork()!;
      const steps = SMALL.sequenceLength;
      const columns = resolveFeatureColumns(matrix, forecaster.featureNames);
      const model = buildReferenceModel(network.shape, steps, network.parameters);
      const windows = new Float32Array(ORIGINS.length * steps * columns.length);
      ORIGINS.forEach((origin, window) => {
        for (let step = 0; step < steps; step += 1) {
          const row = matrix.rows[origin - steps + 1 + step]!;
          columns.forEach((column, feature) => {
            windows[(window * steps + step) * columns.length + feature] =
              (row[column]! - network.features.means[feature]!) / network.features.deviations[feature]!;
          });
        }
      });
      const reference = referenceForward(model, windows, ORIGINS.length);
      model.dispose();
      tf.disposeVariables();
      ORIGINS.forEach((originIndex, window) => {
        const expected = reference[window]! * network.targetDeviation + network.targetMean;
        const actual = forecaster.predictLogReturn({ matrix, originIndex });
        assert.ok(Math.abs(actual - expected) < 1e-6, `origin ${originIndex}: ${actual} vs tfjs ${expected}`);
      });
    });
  }
});

describe('recurrent training', () => {
  function dataset(sequenceLength = 12) {
    const window = resolveTrainingWindow({ matrix, endIndex: END_INDEX, windowSteps: 500 }, 4, 500);
    return buildSequenceDataset(window, {
      columns: resolveFeatureColumns(matrix, matrix.featureNames),
      sequenceLength,
      validationFraction: 0.15,
      label: 'lstm',
    }).dataset;
  }

  test('a worker thread on the second core gives the same weights, bit for bit, as one thread', async () => {
    const data = dataset();
    const shape = { cell: 'gru' as const, inputSize: data.inputSize, units: 8 };
    const settings = {
      batchSize: 32,
      learningRate: 0.003,
      maxEpochs: 2,
      patience: 5,
      gradientClipNorm: 1,
      seed: 7,
    };
    const single = await trainSequenceNetwork(shape, data, { ...settings, threads: 1 });
    const parallel = await trainSequenceNetwork(shape, data, { ...settings, threads: 2 });
    assert.equal(single.usedWorker, false);
    assert.equal(parallel.usedWorker, true, 'the worker thread started');
    assert.deepEqual(parallel.parameters, single.parameters);
    assert.deepEqual(
      parallel.epochs.map((epoch) => epoch.validationLoss),
      single.epochs.map((epoch) => epoch.validationLoss),
    );
  });

  test('a pool lends its worker to one training after another and lends nothing once closed', async () => {
    const data = dataset();
    const shape = { cell: 'gru' as const, inputSize: data.inputSize, units: 8 };
    const settings = {
      batchSize: 32,
      learningRate: 0.003,
      maxEpochs: 1,
      patience: 5,
      gradientClipNorm: 1,
      seed: 7,
      threads: 2,
    };
    const pool = new GradientWorkerPool();
    const first = await trainSequenceNetwork(shape, data, settings, { gradientWorkers: pool });
    const second = await trainSequenceNetwork(shape, data, settings, { gradientWorkers: pool });
    assert.equal(first.usedWorker, true);
    assert.equal(second.usedWorker, true, 'the worker handed back is lent again');
    assert.deepEqual(second.parameters, first.parameters);
    await pool.close();
    const closed = await trainSequenceNetwork(shape, data, settings, { gradientWorkers: pool });
    assert.equal(closed.usedWorker, false, 'a closed pool lends nothing; training runs on one thread');
    assert.deepEqual(closed.parameters, first.parameters);
  });

  test('stops early once validation loss stalls and keeps the best epoch’s weights', async () => {
    const data = dataset();
    const shape = { cell: 'lstm' as const, inputSize: data.inputSize, units: 8 };
    const result = await trainSequenceNetwork(shape, data, {
      batchSize: 16,
      learningRate: 0.02,
      maxEpochs: 40,
      patience: 2,
      gradientClipNorm: 1,
      seed: 3,
      threads: 1,
    });
    assert.ok(result.epochs.length < 40, `ran all ${result.epochs.length} epochs`);
    assert.equal(result.epochs.length, result.bestEpoch + 2);
    const best = result.epochs[result.bestEpoch - 1]!;
    assert.equal(Math.min(...result.epochs.map((epoch) => epoch.validationLoss)), best.validationLoss);
    const workspace = await createRecurrentWorkspace(shape, data.sequenceLength, 16);
    assert.equal(validationLoss(workspace, result.parameters, data), best.validationLoss);
  });

  test('an aborted signal stops training with TrainingCancelledError', async () => {
    const forecaster = create('gru');
    const controller = new AbortController();
    await assert.rejects(
      forecaster.fit(
        { matrix, endIndex: END_INDEX },
        {
          signal: controller.signal,
          onEpoch: () => controller.abort(),
        },
      ),
      TrainingCancelledError,
    );
  });

  test('a forecast at t reads no candle after t', async () => {
    const forecaster = create('lstm');
    await forecaster.fit({ matrix, endIndex: END_INDEX });
    const origin = ORIGINS[3]!;
    const perturbed: FeatureMatrix = {
      ...matrix,
      rows: matrix.rows.map((row, index) => (index > origin ? row.map((value) => value * -3 + 1) : row)),
      closes: matrix.closes.map((close, index) => (index > origin ? close * 2 : close)),
    };
    assert.ok(
      Object.is(
        forecaster.predictLogReturn({ matrix: perturbed, originIndex: origin }),
        forecaster.predictLogReturn({ matrix, originIndex: origin }),
      ),
    );
  });

  test('origins without a full window of known features cannot be forecast', async () => {
    const forecaster = create('gru');
    await forecaster.fit({ matrix, endIndex: END_INDEX });
    assert.equal(forecaster.canPredict({ matrix, originIndex: 5 }), false);
    assert.throws(
      () => forecaster.predict({ matrix, originIndex: 5 }),
      /needs 12 candles of history|not known/,
    );
    assert.equal(forecaster.canPredict({ matrix, originIndex: END_INDEX }), true);
  });
});

describe('recurrent forecaster input checks', () => {
  test('unknown or out-of-range parameters are refused by name', () => {
    assert.throws(
      () => createForecaster('lstm', { timeframe: '1h', horizonMinutes: 240, params: { layers: 2 } }),
      /layers/,
    );
    assert.throws(
      () => createForecaster('gru', { timeframe: '1h', horizonMinutes: 240, params: { sequenceLength: 1 } }),
      /sequenceLength/,
    );
  });

  test('too little history is a clear error', async () => {
    const forecaster = create('lstm', { ...SMALL, sequenceLength: 200 });
    await assert.rejects(forecaster.fit({ matrix, endIndex: 400 }), (error: Error) => {
      assert.ok(error instanceof ValidationError);
      assert.match(error.message, /training windows of 200 candles/);
      return true;
    });
  });

  test('corrupt artifacts are refused with a ValidationError', async () => {
    const forecaster = create('gru');
    await forecaster.fit({ matrix, endIndex: END_INDEX });
    const artifact = decodeArtifact(forecaster.serialize());
    const state = artifact.state as Record<string, unknown>;
    const truncated = { ...artifact, state: { ...state, parameters: String(state.parameters).slice(0, 40) } };
    await assert.rejects(deserializeForecaster(encodeArtifact(truncated)), /weight bytes/);
    const wrongCell = { ...artifact, modelType: 'lstm' };
    await assert.rejects(deserializeForecaster(encodeArtifact(wrongCell)), /holds a gru network/);
    const fewerFeatures = { ...artifact, featureNames: artifact.featureNames.slice(1) };
    await assert.rejects(deserializeForecaster(encodeArtifact(fewerFeatures)), ValidationError);
  });
});
