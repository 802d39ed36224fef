import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Candle, ValidationError } from '@runecast/market';
import { buildFeatureMatrix, listFeatureNames, memoizeOnMatrix } from './feature-matrix.ts';

const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2024, 0, 1); // a Monday, 00:00 UTC

function candle(index: number, close: number, extra: Partial<Candle> = {}): Candle {
  return {
    exchange: 'test',
    symbol: 'AAA/USDT',
    timeframe: '1h',
    openTimeMs: START_MS + index * HOUR_MS,
    open: close,
    high: close * 1.01,
    low: close * 0.99,
    close,
    volume: 10,
    quoteVolume: null,
    tradeCount: null,
    closed: true,
    ...extra,
  };
}

function column(matrix: ReturnType<typeof buildFeatureMatrix>, name: string): number[] {
  const position = matrix.featureNames.indexOf(name);
  assert.ok(position >= 0, `no column ${name}`);
  return matrix.rows.map((row) => row[position]!);
}

describe('buildFeatureMatrix', () => {
  const closes = [100, 110, 99, 99, 108.9, 120];
  const candles = closes.map((close, index) => candle(index, close));

  test('log returns, lags and momentum read only earlier closes', () => {
    const matrix = buildFeatureMatrix({
      candles,
      featureNames: ['logReturn1', 'logReturn1Lag1', 'logReturn4'],
    });
    const returns = column(matrix, 'logReturn1');
    assert.ok(Number.isNaN(returns[0]!));
    // log(110 / 100) = 0.0953102, log(99 / 110) = −0.1053605
    assert.ok(Math.abs(returns[1]! - Math.log(1.1)) < 1e-15);
    assert.ok(Math.abs(returns[2]! - Math.log(99 / 110)) < 1e-15);
    const lagged = column(matrix, 'logReturn1Lag1');
    assert.ok(Number.isNaN(lagged[1]!));
    assert.equal(lagged[2], returns[1]);
    // log(108.9 / 100) over four candles
    assert.ok(Math.abs(column(matrix, 'logReturn4')[4]! - Math.log(1.089)) < 1e-15);
  });

  test('range over close and the calendar at the candle close', () => {
    const matrix = buildFeatureMatrix({
      candles,
      featureNames: ['rangeOverClose', 'timeOfDaySin', 'timeOfDayCos', 'dayOfWeekSin', 'dayOfWeekCos'],
    });
    // high − low = 0.02 · close
    assert.ok(Math.abs(column(matrix, 'rangeOverClose')[3]! - 0.02) < 1e-12);
    // Candle 5 opens 05:00 and closes 06:00 → a quarter of the day: sin = 1, cos = 0.
    assert.ok(Math.abs(column(matrix, 'timeOfDaySin')[5]! - 1) < 1e-12);
    assert.ok(Math.abs(column(matrix, 'timeOfDayCos')[5]!) < 1e-12);
    // Monday 06:00 is day 0.25 of the week (Monday = 0): angle 2π · 0.25 / 7.
    assert.ok(Math.abs(column(matrix, 'dayOfWeekSin')[5]! - Math.sin((2 * Math.PI * 0.25) / 7)) < 1e-12);
    assert.ok(Math.abs(column(matrix, 'dayOfWeekCos')[5]! - Math.cos((2 * Math.PI * 0.25) / 7)) < 1e-12);
  });

  test('missing candles are filled flat on the grid and marked unobserved', () => {
    const withGap = [candle(0, 100), candle(1, 110), candle(4, 121)];
    const matrix = buildFeatureMatrix({ candles: withGap, featureNames: ['logReturn1'] });
    assert.deepEqual(Array.from(matrix.closes), [100, 110, 110, 110, 121]);
    assert.deepEqual(Array.from(matrix.observed), [1, 1, 0, 0, 1]);
    assert.deepEqual(column(matrix, 'logReturn1').slice(2, 4), [0, 0]);
    assert.ok(Math.abs(column(matrix, 'logReturn1')[4]! - Math.log(1.1)) < 1e-15);
  });

  test('a cross asset is read as of each close, including a coarser timeframe', () => {
    const fourHour = (index: number, close: number): Candle => ({
      ...candle(0, close),
      symbol: 'BBB/USDT',
      timeframe: '4h',
      openTimeMs: START_MS + index * 4 * HOUR_MS,
    });
    const series = Array.from({ length: 10 }, (_, index) => candle(index, 100));
    const matrix = buildFeatureMatrix({
      candles: series,
      crossAssets: { BBB: [fourHour(0, 50), fourHour(1, 55), fourHour(2, 60.5)] },
      featureNames: ['cross.BBB.logReturn1'],
    });
    const crossReturns = column(matrix, 'cross.BBB.logReturn1');
    // The first 4h candle closes at 04:00, the close of hourly candle 3: nothing is known before.
    assert.ok(crossReturns.slice(0, 4).every(Number.isNaN));
    // Candle 7 closes at 08:00 when the second 4h candle has just closed: log(55 / 50).
    assert.deepEqual(crossReturns.slice(4, 7), [0, 0, 0]);
    assert.ok(Math.abs(crossReturns[7]! - Math.log(1.1)) < 1e-15);
    assert.deepEqual(crossReturns.slice(8), [0, 0]);
  });

  test('every listed feature is produced, in the listed order', () => {
    const series = Array.from({ length: 300 }, (_, index) => candle(index, 100 + Math.sin(index / 5) * 5));
    const matrix = buildFeatureMatrix({ candles: series, crossAssets: { BBB: series } });
    assert.deepEqual(matrix.featureNames, listFeatureNames(['BBB']));
    assert.ok(matrix.rows.at(-1)!.every(Number.isFinite));
  });

  test('bad input is rejected with a message naming the problem', () => {
    assert.throws(() => buildFeatureMatrix({ candles: [] }), /no closed candles/);
    assert.throws(
      () => buildFeatureMatrix({ candles: [candle(1, 100), candle(0, 100)] }),
      /strictly ascending/,
    );
    assert.throws(
      () => buildFeatureMatrix({ candles: [candle(0, 100), { ...candle(1, 100), timeframe: '5m' }] }),
      /timeframe 5m/,
    );
    assert.throws(
      () => buildFeatureMatrix({ candles: [candle(0, 100, { closed: false }), candle(1, 100)] }),
      /still open/,
    );
    assert.throws(() => buildFeatureMatrix({ candles: [candle(0, Number.NaN)] }), ValidationError);
    assert.throws(
      () => buildFeatureMatrix({ candles, featureNames: ['rsi99'] }),
      /unknown feature\(s\) rsi99/,
    );
    assert.throws(() => buildFeatureMatrix({ candles, settings: { returnLags: [0] } }), /returnLags/);
  });
});

test('values memoized on a matrix are built once, stay with it, and are not copied with it', () => {
  const matrix = buildFeatureMatrix({
    candles: Array.from({ length: 30 }, (_, index) => candle(index, 100 + index)),
  });
  let builds = 0;
  assert.equal(
    memoizeOnMatrix(matrix, 'k', () => (builds += 1)),
    1,
  );
  assert.equal(
    memoizeOnMatrix(matrix, 'k', () => (builds += 1)),
    1,
  );
  const copy = structuredClone(matrix);
  assert.deepEqual(Object.keys(copy), Object.keys(matrix), 'the memo is no field of the matrix');
  assert.equal(
    memoizeOnMatrix(copy, 'k', () => (builds += 1)),
    2,
    'a copy builds its own',
  );
  const other = buildFeatureMatrix({
    candles: Array.from({ length: 30 }, (_, index) => candle(index, 50 + index)),
  });
  assert.equal(
    memoizeOnMatrix(other, 'k', () => (builds += 1)),
    3,
  );
});
