import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findOhlcvProblem, sameCandleValues, sameOhlcv, type OhlcvValues } from './candle.ts';

const good: OhlcvValues = {
  openTimeMs: 60_000,
  open: 100,
  high: 105,
  low: 99,
  close: 104,
  volume: 2,
  quoteVolume: 200,
  tradeCount: 3,
};
const check = (values: OhlcvValues) =>
  findOhlcvProblem(
    values.open,
    values.high,
    values.low,
    values.close,
    values.volume,
    values.quoteVolume,
    values.tradeCount,
  );

test('the one candle rule names the first problem and its field', () => {
  assert.equal(check(good), null);
  const cases: [Partial<OhlcvValues>, string, RegExp][] = [
    [{ open: Number.NaN }, 'open', /open is not a finite number \(NaN\)/],
    [{ volume: Infinity }, 'volume', /volume is not a finite number/],
    [{ low: 0 }, 'low', /low must be a positive number \(0\)/],
    [{ volume: -1 }, 'volume', /volume is negative \(-1\)/],
    [{ high: 98 }, 'high', /high 98 is below low 99/],
    [{ open: 106, high: 105 }, 'open', /open 106 is outside the high-low range 99\.\.105/],
    [{ close: 98.5 }, 'close', /close 98.5 is outside the high-low range/],
    [{ quoteVolume: -2 }, 'quoteVolume', /quote volume is not a non-negative number/],
    [{ tradeCount: 1.5 }, 'tradeCount', /trade count is not a non-negative whole number/],
  ];
  for (const [change, field, message] of cases) {
    const problem = check({ ...good, ...change });
    assert.equal(problem?.field, field, JSON.stringify(change));
    assert.match(problem!.message, message);
  }
  assert.equal(check({ ...good, quoteVolume: null, tradeCount: null }), null);
});

test('candle equality: exchange values, then every value', () => {
  assert.equal(sameOhlcv(good, { ...good, tradeCount: null }), true);
  assert.equal(sameCandleValues(good, { ...good, tradeCount: null }), false);
  assert.equal(sameOhlcv(good, { ...good, close: 103 }), false);
  assert.equal(sameOhlcv(good, { ...good, openTimeMs: 120_000 }), false);
  assert.equal(sameCandleValues(good, { ...good }), true);
});
