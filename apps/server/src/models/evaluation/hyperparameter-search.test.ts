import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildFeatureMatrix } from '../../features/feature-matrix.ts';
import { createSeededRandom } from '../../features/seeded-random.ts';
import { generateSyntheticCandles } from '../../features/synthetic-candles.ts';
import { parseForecasterParams } from '../forecaster.registry.ts';
import { sampleParameters, tuneHyperparameters } from './hyperparameter-search.ts';

const candles = generateSyntheticCandles({ count: 1400, seed: 41, autocorrelation: 0.3 });
const TRAINING_END_INDEX = 1100;

async function tuneRidge(matrix = buildFeatureMatrix({ candles }), seed = 5) {
  return tuneHyperparameters({
    matrix,
    modelType: 'ridge',
    horizonMinutes: 120,
    trainingEndIndex: TRAINING_END_INDEX,
    validationSteps: 300,
    trials: 4,
    seed,
    walkForward: { retrainEverySteps: 100 },
    baseParams: { trainingWindowSteps: 400 },
    parameterSpace: { lambda: { kind: 'log-uniform', min: 0.1, max: 1e5 } },
  });
}

describe('random search', () => {
  test('scores the defaults and random candidates on the training period only, best is the lowest', async () => {
    const result = await tuneRidge();
    assert.equal(result.trials.length, 4);
    assert.deepEqual(result.trials[0]!.params, parseForecasterParams('ridge', { trainingWindowSteps: 400 }));
    // Every inner target is inside the training period: last origin + 2 candles <= trainingEndIndex.
    assert.equal(result.validationEndIndex + 2, TRAINING_END_INDEX);
    assert.equal(result.validationEndIndex - result.validationStartIndex + 1, 300);
    const scores = result.trials.map((trial) => trial.score);
    assert.equal(result.best.score, Math.min(...scores));
    for (const trial of result.trials) {
      assert.equal(trial.error, null);
      assert.equal(trial.score, trial.metrics!.rmse);
      assert.ok(trial.naiveScore! > 0);
    }
    assert.equal(new Set(result.trials.map((trial) => trial.params.lambda)).size, 4);
  });

  test('the same seed draws the same candidates; data after the training period is never read', async () => {
    const first = await tuneRidge();
    const random = createSeededRandom(9);
    const changedLater = candles.map((candle, index) =>
      index <= TRAINING_END_INDEX
        ? candle
        : { ...candle, close: candle.open, high: candle.high * (1 + random()) },
    );
    const second = await tuneRidge(buildFeatureMatrix({ candles: changedLater }));
    assert.deepEqual(
      second.trials.map((trial) => [trial.params, trial.score]),
      first.trials.map((trial) => [trial.params, trial.score]),
    );
  });

  test('failed candidates are recorded; when all fail the search says so', async () => {
    await assert.rejects(
      tuneHyperparameters({
        matrix: buildFeatureMatrix({ candles }),
        modelType: 'ridge',
        horizonMinutes: 120,
        trainingEndIndex: TRAINING_END_INDEX,
        validationSteps: 300,
        trials: 2,
        baseParams: { lambda: -1 },
        parameterSpace: {},
      }),
      /every ridge candidate failed; first error: ridge parameters are invalid: lambda/,
    );
  });

  test('draws stay inside the declared space', () => {
    const random = createSeededRandom(1);
    for (let draw = 0; draw < 200; draw += 1) {
      const params = sampleParameters(
        {
          depth: { kind: 'integer', min: 2, max: 4 },
          rate: { kind: 'log-uniform', min: 0.01, max: 10 },
          kernel: { kind: 'choice', values: ['rbf', 'linear'] },
        },
        random,
      );
      assert.ok([2, 3, 4].includes(params.depth as number));
      assert.ok((params.rate as number) >= 0.01 && (params.rate as number) <= 10);
      assert.ok(['rbf', 'linear'].includes(params.kernel as string));
    }
  });
});
