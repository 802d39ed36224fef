import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { MODEL_TYPES, ValidationError } from '@runecast/market';
import { buildFeatureMatrix } from '../features/feature-matrix.ts';
import { generateSyntheticCandles } from '../features/synthetic-candles.ts';
import { forecastArma, parseArimaSummary } from './arima.forecaster.ts';
import type { EnsembleForecaster } from './ensemble.forecaster.ts';
import type { Forecast, Forecaster } from './forecaster.port.ts';
import {
  createForecaster,
  deserializeForecaster,
  getForecasterDefinition,
  listForecasterTypes,
} from './forecaster.registry.ts';
import { targetLogReturn } from './training-window.ts';

// Returns with AR(1) structure, so a model that reads the past can beat naive.
const candles = generateSyntheticCandles({ count: 1700, seed: 21, autocorrelation: 0.45, volatility: 0.01 });
const crossCandles = generateSyntheticCandles({ count: 1700, seed: 22, symbol: 'ETH/USDT' });
const matrix = buildFeatureMatrix({ candles, crossAssets: { 'synthetic:ETH/USDT:1h': crossCandles } });
/** The models fast enough to fit here on every run; the recurrent ones have tests of their own. */
const FAST_MODEL_TYPES = MODEL_TYPES.filter((modelType) => modelType !== 'lstm' && modelType !== 'gru');
const END_INDEX = 1300;
const ORIGINS = Array.from({ length: 40 }, (_, index) => END_INDEX + 1 + index * 9);

/** Small settings so every model fits in well under a second here. */
const FAST_PARAMS: Record<string, Record<string, unknown>> = {
  rf: { nEstimators: 8, maxDepth: 4, samplesPerFit: 200 },
  svr: { trainingWindowSteps: 600 },
  arima: { trainingWindowSteps: 400, maxP: 2, maxQ: 2 },
  ensemble: { memberParams: { arima: { trainingWindowSteps: 400, maxP: 2, maxQ: 2 } } },
};

const created: Forecaster[] = [];
after(() => {
  for (const forecaster of created) forecaster.dispose();
});

async function fitted(
  modelType: string,
  horizonMinutes = 240,
  params?: Record<string, unknown>,
): Promise<Forecaster> {
  const forecaster = createForecaster(modelType, {
    timeframe: '1h',
    horizonMinutes,
    params: params ?? FAST_PARAMS[modelType] ?? {},
  });
  created.push(forecaster);
  await forecaster.fit({ matrix, endIndex: END_INDEX });
  return forecaster;
}

describe('every registered model', () => {
  test('the registry holds exactly the model types of the vocabulary, in its order', () => {
    assert.deepEqual(listForecasterTypes(), [...MODEL_TYPES]);
  });

  for (const modelType of FAST_MODEL_TYPES) {
    test(`${modelType}: forecasts carry ordered conformal intervals and survive serialization exactly`, async () => {
      const forecaster = await fitted(modelType);
      const forecasts: Forecast[] = ORIGINS.map((originIndex) => forecaster.predict({ matrix, originIndex }));
      for (const forecast of forecasts) {
        assert.ok(Number.isFinite(forecast.point) && forecast.point > 0);
        const { intervals } = forecast;
        assert.ok(intervals['95'].lower <= intervals['80'].lower);
        assert.ok(intervals['80'].lower <= forecast.point && forecast.point <= intervals['80'].upper);
        assert.ok(intervals['80'].upper <= intervals['95'].upper);
        assert.ok(intervals['95'].upper > intervals['95'].lower, 'intervals have width');
        assert.equal(forecast.quantiles['0.1'], intervals['80'].lower);
        assert.equal(forecast.targetTimeMs - forecast.issuedAtMs, 240 * 60_000);
      }

      const bytes = forecaster.serialize();
      const restored = await deserializeForecaster(bytes);
      created.push(restored);
      assert.equal(restored.modelType, modelType);
      assert.deepEqual(restored.featureNames, forecaster.featureNames);
      assert.deepEqual(
        ORIGINS.map((originIndex) => restored.predict({ matrix, originIndex })),
        forecasts,
        'a restored model forecasts exactly the same numbers',
      );
      assert.deepEqual(restored.serialize(), bytes, 'serializing the restored model gives the same bytes');
    });
  }

  test('models reading the past beat naive on a series with autocorrelated returns', async () => {
    const testOrigins = Array.from({ length: 300 }, (_, index) => END_INDEX + 1 + index);
    const squaredError = async (modelType: string): Promise<number> => {
      const forecaster = await fitted(modelType, 60, {
        ...FAST_PARAMS[modelType],
        ...(modelType === 'ridge' ? { lambda: 10 } : {}),
      });
      let sum = 0;
      for (const originIndex of testOrigins) {
        const error =
          targetLogReturn(matrix, originIndex, 1) - forecaster.predictLogReturn({ matrix, originIndex });
        sum += error * error;
      }
      return sum / testOrigins.length;
    };
    const naive = await squaredError('naive');
    for (const modelType of ['arima', 'ridge']) {
      const model = await squaredError(modelType);
      assert.ok(model < 0.9 * naive, `${modelType} MSE ${model} should be well below naive ${naive}`);
    }
  });
});

describe('bad input', () => {
  test('unknown models, bad parameters and horizons off the grid are named', () => {
    assert.throws(
      () => createForecaster('prophet', { timeframe: '1h', horizonMinutes: 240 }),
      /unknown model "prophet"; known models: naive, drift, seasonal-naive, arima, ridge, rf, svr, naive-volatility/,
    );
    assert.throws(
      () => createForecaster('ridge', { timeframe: '1h', horizonMinutes: 240, params: { lambda: -1 } }),
      /ridge parameters are invalid: lambda/,
    );
    assert.throws(
      () => createForecaster('ridge', { timeframe: '1h', horizonMinutes: 240, params: { lamda: 1 } }),
      /Unrecognized key/,
    );
    assert.throws(() => createForecaster('naive', { timeframe: '1h', horizonMinutes: 90 }), /not a multiple/);
    assert.throws(
      () =>
        createForecaster('seasonal-naive', {
          timeframe: '1h',
          horizonMinutes: 240,
          params: { seasonMinutes: 90 },
        }),
      /season 90m is not a multiple/,
    );
  });

  test('a model cannot forecast before it is fitted, nor from a context that is too short', async () => {
    const unfitted = createForecaster('naive', { timeframe: '1h', horizonMinutes: 240 });
    assert.throws(() => unfitted.predict({ matrix, originIndex: 10 }), /not fitted/);
    const ridge = await fitted('ridge');
    assert.equal(ridge.canPredict({ matrix, originIndex: 5 }), false);
    assert.throws(() => ridge.predict({ matrix, originIndex: 5 }), /is not known at this origin/);
    assert.throws(
      () => ridge.predict({ matrix, originIndex: matrix.rows.length }),
      /outside the feature matrix/,
    );
  });

  test('training needs enough data', async () => {
    const short = createForecaster('naive', { timeframe: '1h', horizonMinutes: 240 });
    await assert.rejects(short.fit({ matrix, endIndex: 3 }), /too little data/);
    const ridge = createForecaster('ridge', { timeframe: '1h', horizonMinutes: 240 });
    await assert.rejects(ridge.fit({ matrix, endIndex: 200 }), ValidationError);
  });

  test('corrupt artifacts are refused with a clear error', async () => {
    await assert.rejects(deserializeForecaster(new TextEncoder().encode('not json')), /not UTF-8 JSON/);
    await assert.rejects(
      deserializeForecaster(new TextEncoder().encode(JSON.stringify({ format: 'other' }))),
      /artifact is invalid/,
    );
    const ridge = await fitted('ridge');
    const artifact = JSON.parse(new TextDecoder().decode(ridge.serialize())) as {
      state: { coefficients: number[] };
    };
    artifact.state.coefficients.pop();
    await assert.rejects(
      deserializeForecaster(new TextEncoder().encode(JSON.stringify(artifact))),
      /coefficients/,
    );
  });

  test('each model declares a parameter space that its schema accepts', () => {
    for (const modelType of FAST_MODEL_TYPES) {
      const definition = getForecasterDefinition(modelType);
      for (const [name, distribution] of Object.entries(definition.parameterSpace)) {
        const sample =
          distribution.kind === 'choice' ? distribution.values[0] : (distribution.min + distribution.max) / 2;
        const value = distribution.kind === 'integer' ? Math.round(sample as number) : sample;
        assert.ok(definition.paramsSchema.safeParse({ [name]: value }).success, `${modelType}.${name}`);
      }
    }
  });
});

describe('ARMA read from the auto-ARIMA summary', () => {
  test('parses order and coefficients', () => {
    const summary = [
      ' AutoARIMA summary: ',
      'ARIMA Seasonal Order : ( 1, 0, 2) * (0, 0, 0) ',
      'Coefficients        Value               Standard Error       ',
      'AR1              -0.25363            0.471611             ',
      'MA1              -0.157355           0.473991             ',
      'MA2              -0.516592           0.270179             ',
      'MEAN             0.0001                    ',
      'TREND            0                    ',
      'SIGMA^2          2.20115e-05          ',
    ];
    assert.deepEqual(parseArimaSummary(summary), {
      mean: 0.0001,
      ar: [-0.25363],
      ma: [-0.157355, -0.516592],
    });
    assert.throws(() => parseArimaSummary(summary.slice(0, 4)), /could not be read as ARMA\(1, 2\)/);
  });

  test('forecasts by the ARMA recursion, worked by hand', () => {
    // μ = 0.1, φ = 0.5, θ = 0.4 (subtracted), series [0.3, 0.1, 0.2] → centred y = [0.2, 0, 0.1]
    // residuals: e0 = 0.2; e1 = 0 − 0.5·0.2 + 0.4·0.2 = −0.02; e2 = 0.1 − 0 + 0.4·(−0.02) = 0.092
    // step 1: ŷ = 0.5·0.1 − 0.4·0.092 = 0.0132 → 0.1132; step 2: ŷ = 0.5·0.0132 = 0.0066 → 0.1066
    const forecast = forecastArma({ mean: 0.1, ar: [0.5], ma: [0.4] }, [0.3, 0.1, 0.2], 2);
    assert.ok(Math.abs(forecast[0]! - 0.1132) < 1e-12);
    assert.ok(Math.abs(forecast[1]! - 0.1066) < 1e-12);
  });
});

describe('ensemble', () => {
  test('averages the members that forecast best on the validation window, and says which', async () => {
    const ensemble = createForecaster('ensemble', {
      timeframe: '1h',
      horizonMinutes: 240,
      params: { members: ['naive', 'drift', 'ses'], top: 2 },
    }) as EnsembleForecaster;
    created.push(ensemble);
    await ensemble.fit({ matrix, endIndex: END_INDEX });
    const ranking = ensemble.ranking;
    assert.deepEqual(
      ranking.map((entry) => entry.validationMse),
      [...ranking.map((entry) => entry.validationMse)].sort((left, right) => left - right),
    );
    assert.deepEqual(
      ranking.map((entry) => entry.chosen),
      [true, true, false],
    );
    // The chosen members, fitted on their own on the same data, average to the ensemble's forecast.
    const members = await Promise.all(
      ranking.filter((entry) => entry.chosen).map((entry) => fitted(entry.modelType)),
    );
    for (const originIndex of ORIGINS.slice(0, 5)) {
      const mean =
        members.reduce((sum, member) => sum + member.predictLogReturn({ matrix, originIndex }), 0) /
        members.length;
      assert.ok(Math.abs(ensemble.predictLogReturn({ matrix, originIndex }) - mean) < 1e-12);
    }
  });

  test('refuses members it cannot build', () => {
    const bad: Record<string, unknown>[] = [
      { members: ['naive', 'prophet'] },
      { members: ['naive', 'ensemble'] },
      { members: ['naive', 'naive'] },
      { members: ['naive', 'drift'], top: 3 },
      { members: ['naive', 'drift'], memberParams: { ses: {} } },
      { members: ['naive', 'drift'], memberParams: { drift: { trainingWindowSteps: 1 } } },
    ];
    for (const params of bad) {
      assert.throws(
        () => createForecaster('ensemble', { timeframe: '1h', horizonMinutes: 240, params }),
        ValidationError,
        JSON.stringify(params),
      );
    }
  });
});
