import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Candle, timeframeMs } from '@runecast/market';
import { textMetricSeries } from '../signals/text-metrics.ts';
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

describe('text metric features are point in time', () => {
  interface ArchivedItem {
    publishedAtMs: number;
    seenAtMs: number;
    sentiment: number | null;
  }
  const knownAt = (item: ArchivedItem): number => Math.max(item.publishedAtMs, item.seenAtMs);
  const random = createSeededRandom(77);
  const items: ArchivedItem[] = [];
  for (let index = 0; index < 2_000; index += 1) {
    const publishedAtMs = START_MS + Math.floor(random() * 520 * HOUR_MS);
    // Most items are seen within minutes; some only hours later (a feed that lists them late).
    const delayMs = random() < 0.9 ? Math.floor(random() * 10 * 60_000) : Math.floor(random() * 6 * HOUR_MS);
    items.push({
      publishedAtMs,
      seenAtMs: publishedAtMs + delayMs,
      sentiment: random() < 0.1 ? null : 2 * random() - 1,
    });
  }
  const endMs = START_MS + 521 * HOUR_MS;
  const metricsOf = (archived: readonly ArchivedItem[]) =>
    textMetricSeries(
      archived.map((item) => ({ knownAtMs: knownAt(item), sentiment: item.sentiment })),
      START_MS,
      endMs,
    );
  const baseline = buildFeatureMatrix({ candles: series, textMetrics: { news: metricsOf(items) } });
  const textColumns = baseline.featureNames.flatMap((name, position) =>
    name.startsWith('text.') ? [position] : [],
  );

  test('every text feature is there and known once its series has started', () => {
    assert.equal(textColumns.length, 10);
    for (const position of textColumns) assert.ok(Number.isFinite(baseline.rows.at(-1)![position]));
  });

  for (const cutIndex of [30, 175, 299, 400]) {
    const cutCloseMs = series[cutIndex]!.openTimeMs + HOUR_MS;

    test(`changing every text item and metric sample after candle ${cutIndex} leaves rows up to it unchanged`, () => {
      const change = createSeededRandom(2000 + cutIndex);
      const perturbedItems: ArchivedItem[] = items.map((item) =>
        knownAt(item) > cutCloseMs ? { ...item, sentiment: change() < 0.5 ? -1 : 1 } : item,
      );
      for (let extra = 0; extra < 300; extra += 1) {
        const publishedAtMs = cutCloseMs - 5 * HOUR_MS + Math.floor(change() * 40 * HOUR_MS);
        // Published before the cut but first seen after it: still in the future at the cut.
        perturbedItems.push({
          publishedAtMs,
          seenAtMs: Math.max(publishedAtMs, cutCloseMs + 1),
          sentiment: change() < 0.5 ? 0.99 : -0.99,
        });
      }
      const perturbedSeries = Object.fromEntries(
        Object.entries(metricsOf(perturbedItems)).map(([metric, samples]) => [
          metric,
          samples.map((sample) =>
            sample.timeMs > cutCloseMs ? { ...sample, value: sample.value + 10 * change() } : sample,
          ),
        ]),
      );
      const perturbed = buildFeatureMatrix({ candles: series, textMetrics: { news: perturbedSeries } });
      const lastRow = rowIndexOfCloseTime(baseline, cutCloseMs);
      assertRowsEqualUpTo(baseline, perturbed, lastRow, `text cut at candle ${cutIndex}`);
      // The change must show in every text feature later on, or the check above proves nothing.
      for (const position of textColumns) {
        const changed = baseline.rows
          .slice(lastRow + 1)
          .some((row, offset) => !Object.is(row[position], perturbed.rows[lastRow + 1 + offset]![position]));
        assert.ok(
          changed,
          `changing the text after candle ${cutIndex} never changed ${baseline.featureNames[position]}`,
        );
      }
    });

    test(`dropping every text item and metric sample after candle ${cutIndex} leaves rows up to it unchanged`, () => {
      const truncatedSeries = Object.fromEntries(
        Object.entries(metricsOf(items.filter((item) => knownAt(item) <= cutCloseMs))).map(
          ([metric, samples]) => [metric, samples.filter((sample) => sample.timeMs <= cutCloseMs)],
        ),
      );
      const truncated = buildFeatureMatrix({ candles: series, textMetrics: { news: truncatedSeries } });
      assertRowsEqualUpTo(
        baseline,
        truncated,
        rowIndexOfCloseTime(baseline, cutCloseMs),
        `text dropped at ${cutIndex}`,
      );
    });
  }
});
