import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildFeatureMatrix, type FeatureMatrix } from '../../features/feature-matrix.ts';
import { generateSyntheticCandles } from '../../features/synthetic-candles.ts';
import { EwmaVolatility } from './ewma.volatility.ts';
import { HarVolatility } from './har.volatility.ts';
import { leastSquares } from './least-squares.ts';
import { regimeCandles } from './regime-candles.fixtures.ts';
import { garmanKlassVariance, parkinsonVariance, rangeVarianceSums } from './range-variance.ts';
import { createVolatilityModel, parseVolatilitySpec } from './volatility.registry.ts';

function assertClose(actual: number, expected: number, tolerance = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);
}

/** A bare matrix of closes only (flat candles), for the return-based models. */
function closesMatrix(closes: number[]): FeatureMatrix {
  const values = Float64Array.from(closes);
  return {
    timeframe: '1h',
    timeframeMs: 3_600_000,
    featureNames: [],
    rows: closes.map(() => new Float64Array(0)),
    openTimesMs: Float64Array.from(closes, (_, index) => index * 3_600_000),
    closes: values,
    opens: values,
    highs: values,
    lows: values,
    observed: new Uint8Array(closes.length).fill(1),
  };
}

describe('range-based variance', () => {
  test('Parkinson and Garman–Klass by hand', () => {
    // ln 1.1 = 0.0953102; (ln 1.1)² = 0.00908403; / (4 ln 2 = 2.7725887) = 0.00327637.
    assertClose(parkinsonVariance(110, 100), Math.log(1.1) ** 2 / (4 * Math.LN2));
    assertClose(parkinsonVariance(110, 100), 0.0032763716, 1e-9);
    // ½ · 0.00908403 − (2 ln 2 − 1) · (ln 1.05)² = 0.00454202 − 0.3862944 · 0.00238048 = 0.00362245.
    assertClose(garmanKlassVariance(100, 110, 100, 105), 0.0036224491, 1e-9);
    assert.equal(parkinsonVariance(100, 100), 0);
    // Open and close at the extremes: ½ − (2 ln 2 − 1) = 0.1137 of the squared range, still positive.
    assertClose(
      garmanKlassVariance(100, 101, 100, 101),
      (0.5 - (2 * Math.LN2 - 1)) * Math.log(1.01) ** 2,
      1e-15,
    );
  });

  test('running sums give window totals', () => {
    const matrix = buildFeatureMatrix({ candles: generateSyntheticCandles({ count: 50, seed: 3 }) });
    const sums = rangeVarianceSums(matrix, 'parkinson');
    let direct = 0;
    for (let index = 10; index <= 19; index += 1)
      direct += parkinsonVariance(matrix.highs[index]!, matrix.lows[index]!);
    assertClose(sums[20]! - sums[10]!, direct, 1e-15);
  });
});

describe('least squares', () => {
  test('recovers an exact linear relation', () => {
    const rows = [
      [1, 0, 1],
      [1, 1, 0],
      [1, 2, 3],
      [1, 3, 1],
      [1, -1, 2],
    ].map((row) => Float64Array.from(row));
    const targets = rows.map((row) => 1 + 2 * row[1]! - 3 * row[2]!);
    const coefficients = leastSquares(rows, targets);
    assertClose(coefficients[0]!, 1, 1e-7);
    assertClose(coefficients[1]!, 2, 1e-7);
    assertClose(coefficients[2]!, -3, 1e-7);
  });
});

describe('EWMA volatility', () => {
  test('returns of constant size: σ = |r|, horizon scale √h · |r|', () => {
    const closes = [100];
    for (let index = 1; index < 60; index += 1)
      closes.push(closes[index - 1]! * Math.exp(index % 2 === 0 ? 0.01 : -0.01));
    const model = new EwmaVolatility(4, { lambda: 0.94, lookbackSteps: 250 });
    assertClose(model.predictScale({ matrix: closesMatrix(closes), originIndex: 59 }), 0.02, 1e-12);
  });

  test('one shock: σ² = λσ² + (1 − λ)r², worked by hand', () => {
    // 30 returns of 1%, then one of 5%: σ² = 0.94 · 0.0001 + 0.06 · 0.0025 = 0.000244.
    const closes = [100];
    for (let index = 1; index <= 30; index += 1) closes.push(closes[index - 1]! * Math.exp(0.01));
    closes.push(closes[30]! * Math.exp(0.05));
    const model = new EwmaVolatility(1, { lambda: 0.94, lookbackSteps: 250 });
    assertClose(
      model.predictScale({ matrix: closesMatrix(closes), originIndex: 31 }),
      Math.sqrt(0.000244),
      1e-12,
    );
    assert.notEqual(model.predictionProblem({ matrix: closesMatrix(closes), originIndex: 10 }), null);
  });
});

describe('HAR volatility', () => {
  const matrix = buildFeatureMatrix({ candles: regimeCandles(12) });

  test('forecasts wider moves in the wild regime than in the calm one', () => {
    const model = new HarVolatility(4, parseVolatilitySpec({ modelType: 'har' }).params as never);
    model.fit({ matrix, endIndex: 1600 });
    // Origins deep inside a wild block (1800–1999, block 9) and a calm one (2000–2199, block 10).
    const wild = model.predictScale({ matrix, originIndex: 1950 });
    const calm = model.predictScale({ matrix, originIndex: 2150 });
    assert.ok(wild > 3 * calm, `wild ${wild} vs calm ${calm}`);
  });

  test('reads nothing after the origin', () => {
    const model = createVolatilityModel({ modelType: 'har', params: { estimator: 'garman-klass' } }, 4);
    model.fit({ matrix, endIndex: 1600 });
    const before = model.predictScale({ matrix, originIndex: 2050 });
    const changed: FeatureMatrix = {
      ...matrix,
      highs: matrix.highs.map((value, index) => (index > 2050 ? value * 1.5 : value)),
    };
    assert.equal(model.predictScale({ matrix: changed, originIndex: 2050 }), before);
  });

  test('state round-trips', () => {
    const model = createVolatilityModel({ modelType: 'har' }, 4);
    model.fit({ matrix, endIndex: 1600 });
    const copy = createVolatilityModel({ modelType: 'har' }, 4);
    copy.restoreState(JSON.parse(JSON.stringify(model.serializeState())));
    assert.equal(
      copy.predictScale({ matrix, originIndex: 2100 }),
      model.predictScale({ matrix, originIndex: 2100 }),
    );
  });

  test('unknown models and bad parameters are refused', () => {
    assert.throws(() => parseVolatilitySpec({ modelType: 'egarch' }), /unknown volatility model/);
    assert.throws(() => parseVolatilitySpec({ modelType: 'ewma', params: { lambda: 2 } }), /lambda/);
  });
});
