import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { coverageSegments } from './coverage-model.ts';

const DAY = 86_400_000;

describe('coverageSegments', () => {
  test('places ranges on the strip and sums the share of each state', () => {
    const { segments, summary } = coverageSegments([
      { startMs: 0, endMs: 6 * DAY, state: 'complete' },
      { startMs: 6 * DAY, endMs: 7 * DAY, state: 'missing' },
      { startMs: 7 * DAY, endMs: 10 * DAY, state: 'complete' },
    ]);
    assert.deepEqual(
      segments.map((segment) => [segment.state, segment.leftPercent, segment.widthPercent]),
      [
        ['complete', 0, 60],
        ['missing', 60, 10],
        ['complete', 70, 30],
      ],
    );
    assert.deepEqual(summary, {
      fromMs: 0,
      toMs: 10 * DAY,
      share: { complete: 0.9, empty: 0, missing: 0.1 },
      missingRanges: 1,
    });
  });

  test('keeps a one-minute gap visible on a long strip', () => {
    const { segments } = coverageSegments([
      { startMs: 0, endMs: 30 * DAY, state: 'complete' },
      { startMs: 10 * DAY, endMs: 10 * DAY + 60_000, state: 'missing' },
    ]);
    assert.equal(segments.find((segment) => segment.state === 'missing')?.widthPercent, 0.25);
  });

  test('clips to a given span and drops ranges outside it', () => {
    const { segments, summary } = coverageSegments(
      [
        { startMs: 0, endMs: 2 * DAY, state: 'empty' },
        { startMs: 5 * DAY, endMs: 6 * DAY, state: 'complete' },
      ],
      { fromMs: DAY, toMs: 3 * DAY },
    );
    assert.deepEqual(
      segments.map((segment) => [segment.state, segment.startMs, segment.leftPercent, segment.widthPercent]),
      [['empty', DAY, 0, 50]],
    );
    assert.equal(summary?.share.empty, 0.5);
  });

  test('nothing to draw without ranges', () => {
    assert.deepEqual(coverageSegments([]), { segments: [], summary: null });
  });
});
