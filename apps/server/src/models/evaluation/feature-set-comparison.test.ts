import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Candle } from '@runecast/market';
import { buildFeatureMatrix, listFeatureNames } from '../../features/feature-matrix.ts';
import { createSeededRandom, nextGaussian } from '../../features/seeded-random.ts';
import { TEXT_METRIC_FEATURES, type TextMetricSample } from '../../features/text-metric-features.ts';
import { compareFeatureSets } from './feature-set-comparison.ts';
import { runWalkForward, type WalkForwardModelSpec } from './walk-forward.ts';

const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2024, 0, 1);
const COUNT = 1_100;

/**
 * Hourly candles whose next return follows the sentiment known at each close (`signal` > 0), or
 * ignores it (`signal` = 0); the sentiment sample of hour i is taken at candle i's close.
 */
function market(signal: number, seed: number): { candles: Candle[]; sentiment: TextMetricSample[] } {
  const random = createSeededRandom(seed);
  const candles: Candle[] = [];
  const sentiment: TextMetricSample[] = [];
  let close = 100;
  let mood = 0;
  for (let index = 0; index < COUNT; index += 1) {
    const open = close;
    close = open * Math.exp(signal * mood + 0.004 * nextGaussian(random));
    const openTimeMs = START_MS + index * HOUR_MS;
    candles.push({
      exchange: 'synthetic',
      symbol: 'SYN/USDT',
      timeframe: '1h',
      openTimeMs,
      open,
      high: Math.max(open, close) * 1.001,
      low: Math.min(open, close) * 0.999,
      close,
      volume: 100 + 10 * random(),
      quoteVolume: null,
      tradeCount: null,
      closed: true,
    });
    mood = 2 * random() - 1;
    sentiment.push({ timeMs: openTimeMs + HOUR_MS, value: mood });
  }
  return { candles, sentiment };
}

async function compare(signal: number, seed: number) {
  const { candles, sentiment } = market(signal, seed);
  const counts = sentiment.map((sample) => ({ timeMs: sample.timeMs, value: 3 }));
  const matrix = buildFeatureMatrix({
    candles,
    textMetrics: { news: { count_1h: counts, sentiment_mean_1h: sentiment } },
  });
  const base = listFeatureNames();
  const ridge = (featureNames: string[]): WalkForwardModelSpec[] => [
    { modelType: 'ridge', params: { lambda: 1, trainingWindowSteps: 400, featureNames } },
  ];
  const settings = { horizonMinutes: 60, testStartIndex: 600, retrainEverySteps: 48 };
  const without = await runWalkForward({ matrix, models: ridge(base), settings });
  const withText = await runWalkForward({
    matrix,
    models: ridge([...base, 'text.news.count_1h', 'text.news.sentiment_mean_1h']),
    settings,
  });
  return { without, withText, comparison: compareFeatureSets(without, withText, ['naive', 'ridge']) };
}

describe('comparing a model with and without extra features', () => {
  test('a planted sentiment signal is found and the difference is significant', async () => {
    const { comparison } = await compare(0.004, 3);
    const ridge = comparison.find((entry) => entry.label === 'ridge')!;
    assert.ok(ridge.origins > 400);
    assert.ok(ridge.with.mase < ridge.without.mase - 0.05, `MASE ${ridge.without.mase} → ${ridge.with.mase}`);
    assert.ok(ridge.squaredError.statistic < 0);
    assert.ok(ridge.squaredError.pValue < 1e-6, `p = ${ridge.squaredError.pValue}`);
    // Naive reads no features: the same forecasts, no difference at all.
    const naive = comparison.find((entry) => entry.label === 'naive')!;
    assert.equal(naive.squaredError.meanLossDifference, 0);
    assert.equal(naive.squaredError.pValue, 1);
    assert.equal(TEXT_METRIC_FEATURES.length, 10);
  });

  test('sentiment that does not drive the price shows no significant gain', async () => {
    const { comparison } = await compare(0, 4);
    const ridge = comparison.find((entry) => entry.label === 'ridge')!;
    assert.ok(!(ridge.squaredError.pValue < 0.05 && ridge.squaredError.statistic < 0));
  });

  test('runs on different origins are not compared', async () => {
    const { without, withText } = await compare(0, 5);
    const shifted = {
      ...withText,
      origins: { ...withText.origins, openTimeMs: withText.origins.openTimeMs.map((time) => time + HOUR_MS) },
    };
    assert.throws(() => compareFeatureSets(without, shifted, ['ridge']), /origin 0 differs/);
    const shorter = {
      ...withText,
      origins: { ...withText.origins, openTimeMs: withText.origins.openTimeMs.subarray(1) },
    };
    assert.throws(() => compareFeatureSets(without, shorter, ['ridge']), /forecast \d+ and \d+ origins/);
    assert.throws(() => compareFeatureSets(without, withText, ['svr']), /no model svr/);
  });
});
