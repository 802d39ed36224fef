import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Candle, timeframeMs } from '@runecast/market';
import { buildFeatureMatrix, type FeatureMatrix } from './feature-matrix.ts';
import { createSeededRandom, type RandomSource } from './seeded-random.ts';
import { generateSyntheticCandles } from './synthetic-candles.ts';

const START_MS = Date.UTC(2024, 0, 1);
const HOUR_MS = 3_600_000;

const series = generateSyntheticCandles({
  count: 520,
  seed: 11,
  startTimeMs: START_MS,
  skipIndices: [40, 41, 300],
});
const crossAssets: Record<string, Candle[]> = {
  'binance:ETH/USDT:1h': generateSyntheticCandles({
    count: 500,
    seed: 12,
    startTimeMs: START_MS + 30 * HOUR_MS,
    skipIndices: [200, 201, 202],
    symbol: 'ETH/USDT',
  }),
  // A coarser series: a 4h candle that is still open at t must not leak into row t.
  'binance:SOL/USDT:4h': generateSyntheticCandles({
    count: 140,
    seed: 13,
    timeframe: '4h',
    startTimeMs: START_MS,
    symbol: 'SOL/USDT',
  }),
};

function candleCloseMs(candle: Candle): number {
  return candle.openTimeMs + timeframeMs(candle.timeframe);
}

/** A random but valid candle: every price and the volume move, so any use of it would show. */
function perturb(candle: Candle, random: RandomSource): Candle {
  const scale = 0.7 + 0.6 * random();
  const open = candle.open * scale * (0.95 + 0.1 * random());
  const close = candle.close * scale * (0.95 + 0.1 * random());
  const high = Math.max(open, close) * (1 + 0.05 * random());
  const low = Math.min(open, close) * (1 - 0.05 * random());
  return { ...candle, open, high, low, close, volume: candle.volume * (0.1 + 3 * random()) };
}

function rowIndexOfCloseTime(matrix: FeatureMatrix, closeTimeMs: number): number {
  return (closeTimeMs - matrix.timeframeMs - matrix.openTimesMs[0]!) / matrix.timeframeMs;
}

function assertRowsEqualUpTo(
  expected: FeatureMatrix,
  actual: FeatureMatrix,
  lastRow: number,
  what: string,
): void {
  assert.deepEqual(actual.featureNames, expected.featureNames);
  for (let row = 0; row <= lastRow; row += 1) {
    for (let feature = 0; feature < expected.featureNames.length; feature += 1) {
      const before = expected.rows[row]![feature]!;
      const after = actual.rows[row]![feature]!;
      if (!Object.is(before, after)) {
        assert.fail(
          `${what}: feature ${expected.featureNames[feature]} of row ${row} changed (${before} -> ${after}) although only later candles changed`,
        );
      }
    }
  }
}

describe('feature rows are point in time', () => {
  const baseline = buildFeatureMatrix({ candles: series, crossAssets });
  const calendarFeatures = new Set(['timeOfDaySin', 'timeOfDayCos', 'dayOfWeekSin', 'dayOfWeekCos']);

  test('every feature is computed (finite) once its windows have filled', () => {
    const lastRow = baseline.rows.at(-1)!;
    baseline.featureNames.forEach((name, feature) => {
      assert.ok(Number.isFinite(lastRow[feature]), `${name} is not finite in the last row`);
    });
    assert.ok(baseline.featureNames.includes('cross.binance:SOL/USDT:4h.logReturn1'));
  });

  for (const cutIndex of [175, 222, 299, 301, 400, 515]) {
    const cutCloseMs = series[cutIndex]!.openTimeMs + HOUR_MS;

    test(`perturbing every candle after candle ${cutIndex} leaves rows up to it unchanged`, () => {
      const random = createSeededRandom(1000 + cutIndex);
      const perturbedSeries = series.map((candle) =>
        candleCloseMs(candle) > cutCloseMs ? perturb(candle, random) : candle,
      );
      const perturbedCross = Object.fromEntries(
        Object.entries(crossAssets).map(([key, candles]) => [
          key,
          candles.map((candle) => (candleCloseMs(candle) > cutCloseMs ? perturb(candle, random) : candle)),
        ]),
      );
      const perturbed = buildFeatureMatrix({ candles: perturbedSeries, crossAssets: perturbedCross });
      const lastRow = rowIndexOfCloseTime(baseline, cutCloseMs);
      assertRowsEqualUpTo(baseline, perturbed, lastRow, `cut at candle ${cutIndex}`);

      // The perturbation must reach every price-dependent feature later on, or the check above proves nothing.
      if (lastRow + 30 < baseline.rows.length) {
        baseline.featureNames.forEach((name, feature) => {
          if (calendarFeatures.has(name)) return;
          const changed = baseline.rows
            .slice(lastRow + 1)
            .some((row, offset) => !Object.is(row[feature], perturbed.rows[lastRow + 1 + offset]![feature]));
          assert.ok(changed, `perturbation after candle ${cutIndex} never changed ${name}`);
        });
      }
    });

    test(`dropping every candle after candle ${cutIndex} leaves rows up to it unchanged`, () => {
      const truncated = buildFeatureMatrix({
        candles: series.filter((candle) => candleCloseMs(candle) <= cutCloseMs),
        crossAssets: Object.fromEntries(
          Object.entries(crossAssets).map(([key, candles]) => [
            key,
            candles.filter((candle) => candleCloseMs(candle) <= cutCloseMs),
          ]),
        ),
      });
      const lastRow = rowIndexOfCloseTime(baseline, cutCloseMs);
      assert.equal(truncated.rows.length, lastRow + 1);
      assertRowsEqualUpTo(baseline, truncated, lastRow, `truncated at candle ${cutIndex}`);
    });
  }

  test('a still-open last candle is not used', () => {
    const withOpenCandle = [
      ...series.slice(0, 300),
      { ...perturb(series[300]!, createSeededRandom(5)), closed: false },
    ];
    const matrix = buildFeatureMatrix({ candles: withOpenCandle, crossAssets });
    const closedOnly = buildFeatureMatrix({ candles: series.slice(0, 300), crossAssets });
    assert.equal(matrix.rows.length, closedOnly.rows.length);
    assertRowsEqualUpTo(closedOnly, matrix, matrix.rows.length - 1, 'open last candle');
  });
});
