import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from './errors.ts';
import {
  defaultHorizonsMinutes,
  formatHorizon,
  horizonChoicesMinutes,
  horizonSteps,
  parseHorizonMinutes,
} from './horizon.ts';

describe('horizons', () => {
  test('parses minutes and durations', () => {
    assert.equal(parseHorizonMinutes('4h'), 240);
    assert.equal(parseHorizonMinutes('24h'), 1440);
    assert.equal(parseHorizonMinutes('15m'), 15);
    assert.equal(parseHorizonMinutes('1d'), 1440);
    assert.equal(parseHorizonMinutes('90'), 90);
    assert.equal(parseHorizonMinutes(60), 60);
    assert.throws(() => parseHorizonMinutes('4 hours'), ValidationError);
    assert.throws(() => parseHorizonMinutes('0h'), /positive/);
    assert.throws(() => parseHorizonMinutes(1.5), /positive whole number/);
  });

  test('converts to candles and names the nearest valid horizons when not a multiple', () => {
    assert.equal(horizonSteps(240, '1h'), 4);
    assert.equal(horizonSteps(1440, '1h'), 24);
    assert.equal(horizonSteps(15, '1m'), 15);
    assert.throws(
      () => horizonSteps(90, '1h'),
      /horizon 90m is not a multiple of the 1h timeframe \(60 minutes\); try 1h or 2h/,
    );
    assert.throws(() => horizonSteps(30, '1h'), /try 1h$/);
  });

  test('defaults: 4h and 24h for hourly series, 5m, 15m and 60m for minute series', () => {
    assert.deepEqual(defaultHorizonsMinutes('1h'), [240, 1440]);
    assert.deepEqual(defaultHorizonsMinutes('1m'), [5, 15, 60]);
    assert.equal(formatHorizon(1440), '24h');
  });
});

test('horizon choices are the defaults plus 4h and 24h where the timeframe divides them', () => {
  assert.deepEqual(horizonChoicesMinutes('1m'), [5, 15, 60, 240, 1440]);
  assert.deepEqual(horizonChoicesMinutes('15m'), [60, 240, 1440]);
  assert.deepEqual(horizonChoicesMinutes('1h'), [240, 1440]);
  assert.deepEqual(horizonChoicesMinutes('4h'), [1440, 5760]);
  assert.deepEqual(horizonChoicesMinutes('1d'), [1440, 10080]);
});
