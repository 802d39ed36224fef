import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Candle, ValidationError } from '@runecast/market';
import { textMetricSeries } from '../signals/text-metrics.ts';
import { buildFeatureMatrix, listFeatureNames } from './feature-matrix.ts';
import { TEXT_METRIC_FEATURES, type TextMetricSeriesInput } from './text-metric-features.ts';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const START_MS = Date.UTC(2024, 0, 1);

function candle(index: number, timeframe: '1h' | '4h' = '1h'): Candle {
  const stepMs = timeframe === '1h' ? HOUR_MS : 4 * HOUR_MS;
  return {
    exchange: 'test',
    symbol: 'AAA/USDT',
    timeframe,
    openTimeMs: START_MS + index * stepMs,
    open: 100 + index,
    high: 102 + index,
    low: 99 + index,
    close: 101 + index,
    volume: 10,
    quoteVolume: null,
    tradeCount: null,
    closed: true,
  };
}

function column(matrix: ReturnType<typeof buildFeatureMatrix>, name: string): number[] {
  const position = matrix.featureNames.indexOf(name);
  assert.ok(position >= 0, `no column ${name}`);
  return matrix.rows.map((row) => row[position]!);
}

const at = (hours: number, minutes = 0): number => START_MS + hours * HOUR_MS + minutes * MINUTE_MS;

describe('text metric features', () => {
  const candles = Array.from({ length: 8 }, (_, index) => candle(index));
  // Row i is built at the close of candle i: START + (i + 1) h.
  const series: TextMetricSeriesInput = {
    count_1h: [
      { timeMs: at(1), value: 2 },
      { timeMs: at(2), value: 0 },
      // 03:00 and 04:00 are missing (the collector was down); 05:30 is off the hour.
      { timeMs: at(5, 30), value: 1 },
    ],
    sentiment_mean_1h: [
      { timeMs: at(1), value: 0.4 },
      { timeMs: at(5, 30), value: -0.6 },
    ],
    share_positive_1h: [{ timeMs: at(1), value: 0.5 }],
  };

  test('a sample is used from the first row whose close is at or after its time, within the age limit', () => {
    const matrix = buildFeatureMatrix({
      candles,
      textMetrics: { news: series },
      featureNames: ['text.news.count_1h', 'text.news.sentiment_mean_1h', 'text.news.share_positive_1h'],
    });
    // Row closes: 01:00 02:00 03:00 04:00 05:00 06:00 07:00 08:00
    // count: sample 01:00 → rows 0; 02:00 → rows 1, 2 (1 h old), 3 (2 h old: the limit);
    // at 05:00 the 02:00 sample is 3 h old → NaN; 05:30 → rows 5 (06:00) and 6 (07:00), and at
    // 08:00 it is 2.5 h old → NaN.
    assert.deepEqual(column(matrix, 'text.news.count_1h'), [2, 0, 0, 0, Number.NaN, 1, 1, Number.NaN]);
    // The mean of 02:00 has no sample: the window was empty, so 0 (not the 01:00 mean carried on).
    assert.deepEqual(column(matrix, 'text.news.sentiment_mean_1h'), [
      0.4,
      0,
      0,
      0,
      Number.NaN,
      -0.6,
      -0.6,
      Number.NaN,
    ]);
    // 05:30 had one item but no share sample: read as no scored item, 0.
    assert.deepEqual(column(matrix, 'text.news.share_positive_1h'), [
      0.5,
      0,
      0,
      0,
      Number.NaN,
      0,
      0,
      Number.NaN,
    ]);
    // No 24h samples at all: missing, never a made-up zero.
    const withWide = buildFeatureMatrix({ candles, textMetrics: { news: series } });
    assert.ok(column(withWide, 'text.news.count_24h').every(Number.isNaN));
    assert.ok(column(withWide, 'text.news.sentiment_mean_24h').every(Number.isNaN));
  });

  test('a tighter age limit leaves more gaps; zero means only exactly on time', () => {
    const matrix = buildFeatureMatrix({
      candles,
      textMetrics: { news: series },
      textMetricOptions: { maxAgeMs: 0 },
      featureNames: ['text.news.count_1h'],
    });
    assert.deepEqual(column(matrix, 'text.news.count_1h'), [
      2,
      0,
      Number.NaN,
      Number.NaN,
      Number.NaN,
      Number.NaN,
      Number.NaN,
      Number.NaN,
    ]);
  });

  test('on a coarser grid the row reads the sample at its close, not one inside the next candle', () => {
    const coarse = Array.from({ length: 8 }, (_, index) => candle(index, '4h'));
    const hourly: TextMetricSeriesInput = {
      count_24h: Array.from({ length: 24 }, (_, hour) => ({ timeMs: at(hour + 1), value: hour + 1 })),
    };
    const matrix = buildFeatureMatrix({
      candles: coarse,
      textMetrics: { news: hourly },
      featureNames: ['text.news.count_24h'],
    });
    // Closes at 04:00, 08:00, …, 24:00; at 28:00 the last sample (24:00) is 4 h old.
    assert.deepEqual(column(matrix, 'text.news.count_24h'), [4, 8, 12, 16, 20, 24, Number.NaN, Number.NaN]);
  });

  test('series built from items count an item from the later of its published and first-seen time', () => {
    const items = [
      // Published 00:10, seen 00:20: known 00:20, in the window (00:00, 01:00].
      { knownAtMs: Math.max(at(0, 10), at(0, 20)), sentiment: 0.5 },
      { knownAtMs: at(0, 50), sentiment: -0.25 },
      // Published 00:30 but first seen at 01:05: counts from the 02:00 sample on.
      { knownAtMs: Math.max(at(0, 30), at(1, 5)), sentiment: 0.9 },
      { knownAtMs: at(1, 0), sentiment: null },
    ];
    const metrics = textMetricSeries(items, at(1), at(3));
    const matrix = buildFeatureMatrix({
      candles,
      textMetrics: { news: metrics },
      featureNames: [
        'text.news.count_1h',
        'text.news.sentiment_mean_1h',
        'text.news.sentiment_dispersion_1h',
        'text.news.share_negative_1h',
        'text.news.count_24h',
        'text.news.sentiment_mean_24h',
      ],
    });
    // 01:00: items at 00:20, 00:50, 01:00 (unscored) → count 3; scores 0.5 and −0.25: mean 0.125,
    // dispersion |0.5 − 0.125| = 0.375, one of two negative.
    // 02:00: the 01:05 item alone (1h); 24h: all four, mean (0.5 − 0.25 + 0.9) / 3 = 0.383333…
    // 03:00: the 1h window is empty: count 0, statistics 0.
    assert.deepEqual(column(matrix, 'text.news.count_1h').slice(0, 4), [3, 1, 0, 0]);
    assert.deepEqual(column(matrix, 'text.news.sentiment_mean_1h').slice(0, 4), [0.125, 0.9, 0, 0]);
    assert.deepEqual(column(matrix, 'text.news.sentiment_dispersion_1h').slice(0, 3), [0.375, 0, 0]);
    assert.deepEqual(column(matrix, 'text.news.share_negative_1h').slice(0, 3), [0.5, 0, 0]);
    assert.deepEqual(column(matrix, 'text.news.count_24h').slice(0, 4), [3, 4, 4, 4]);
    const mean24h = column(matrix, 'text.news.sentiment_mean_24h');
    assert.ok(Math.abs(mean24h[1]! - 1.15 / 3) < 1e-12);
    // Row 3 (04:00) is 1 h after the last sample (03:00), row 4 (05:00) 2 h, row 5 past the limit.
    assert.deepEqual(column(matrix, 'text.news.count_24h').slice(3), [
      4,
      4,
      Number.NaN,
      Number.NaN,
      Number.NaN,
    ]);
  });

  test('listed names, and bad input rejected with its reason', () => {
    const names = listFeatureNames([], undefined, ['news']);
    assert.deepEqual(
      names.filter((name) => name.startsWith('text.')),
      TEXT_METRIC_FEATURES.map((metric) => `text.news.${metric}`),
    );
    assert.throws(
      () => buildFeatureMatrix({ candles, textMetrics: { news: { mood_1h: [] } as TextMetricSeriesInput } }),
      (error: unknown) =>
        error instanceof ValidationError && /unknown metric\(s\) mood_1h/.test(error.message),
    );
    assert.throws(
      () =>
        buildFeatureMatrix({
          candles,
          textMetrics: {
            news: {
              count_1h: [
                { timeMs: at(2), value: 1 },
                { timeMs: at(1), value: 1 },
              ],
            },
          },
        }),
      /strictly ascending/,
    );
    assert.throws(
      () =>
        buildFeatureMatrix({
          candles,
          textMetrics: { news: { count_1h: [{ timeMs: at(1), value: Number.NaN }] } },
        }),
      /not a finite number/,
    );
    assert.throws(() => buildFeatureMatrix({ candles, textMetrics: { 'a.b': {} } }), /no dots/);
    assert.throws(
      () => buildFeatureMatrix({ candles, textMetrics: { news: {} }, textMetricOptions: { maxAgeMs: -1 } }),
      /maxAgeMs/,
    );
  });
});
