import assert from 'node:assert/strict';
import { test } from 'node:test';
import { textMetricsAt, type CountedTextItem } from './text-metrics.ts';

const HOUR_MS = 3_600_000;
const AT_MS = Date.UTC(2025, 9, 10, 12);

test('counts, mean, dispersion and shares over 1 h and 24 h, start exclusive, end inclusive', () => {
  const items: CountedTextItem[] = [
    { knownAtMs: AT_MS, sentiment: 0.5 },
    { knownAtMs: AT_MS - 30 * 60_000, sentiment: -0.5 },
    { knownAtMs: AT_MS - HOUR_MS, sentiment: 0.9 },
    { knownAtMs: AT_MS - 5 * HOUR_MS, sentiment: 0 },
    { knownAtMs: AT_MS - 6 * HOUR_MS, sentiment: null },
    { knownAtMs: AT_MS - 24 * HOUR_MS, sentiment: 1 },
  ];
  const metrics = textMetricsAt(items, AT_MS);
  assert.equal(metrics.count_1h, 2);
  assert.equal(metrics.sentiment_mean_1h, 0);
  assert.equal(metrics.sentiment_dispersion_1h, 0.5);
  assert.equal(metrics.share_positive_1h, 0.5);
  assert.equal(metrics.share_negative_1h, 0.5);
  assert.equal(metrics.count_24h, 5);
  assert.ok(Math.abs((metrics.sentiment_mean_24h ?? Number.NaN) - 0.9 / 4) < 1e-12);
  assert.equal(metrics.share_positive_24h, 0.5);
  assert.equal(metrics.share_negative_24h, 0.25);
});

test('a window without items has a count of 0 and no other statistic', () => {
  const metrics = textMetricsAt([{ knownAtMs: AT_MS - 2 * HOUR_MS, sentiment: 0.4 }], AT_MS);
  assert.equal(metrics.count_1h, 0);
  assert.equal('sentiment_mean_1h' in metrics, false);
  assert.equal('share_positive_1h' in metrics, false);
  assert.equal(metrics.count_24h, 1);
});

test('point in time: items known after the time change nothing, however many or extreme', () => {
  const past: CountedTextItem[] = Array.from({ length: 40 }, (_, index) => ({
    knownAtMs: AT_MS - index * 17 * 60_000,
    sentiment: Math.sin(index),
  }));
  const before = textMetricsAt(past, AT_MS);
  const future: CountedTextItem[] = Array.from({ length: 40 }, (_, index) => ({
    knownAtMs: AT_MS + 1 + index * 60_000,
    sentiment: index % 2 === 0 ? 1 : -1,
  }));
  assert.deepEqual(textMetricsAt([...future, ...past, ...future], AT_MS), before);
  // And the items do count once they are known.
  assert.notDeepEqual(
    textMetricsAt([...past, ...future], AT_MS + HOUR_MS),
    textMetricsAt(past, AT_MS + HOUR_MS),
  );
});
