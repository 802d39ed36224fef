import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyLiveCandle,
  bucketStartMs,
  changeRatio,
  closeAtOrBefore,
  createLiveBarState,
  historyToChartData,
  MAX_CHART_CANDLES,
  timeframeForRange,
} from './candle-chart-data.ts';

const COLORS = { up: 'green', down: 'red' };
const HOUR_MS = 3_600_000;
const T0 = Date.UTC(2025, 5, 16, 10, 0, 0);

function candle(openTimeMs: number, open: number, high: number, low: number, close: number, volume: number) {
  return { openTimeMs, open, high, low, close, volume };
}

describe('historyToChartData', () => {
  test('turns columns into bars and coloured volume bars in seconds', () => {
    const { bars, volumes } = historyToChartData(
      {
        times: [T0, T0 + 60_000],
        open: [100, 101],
        high: [102, 101.5],
        low: [99, 99.5],
        close: [101, 100],
        volume: [5, 7],
      },
      COLORS,
    );
    assert.deepEqual(bars, [
      { time: T0 / 1000, open: 100, high: 102, low: 99, close: 101 },
      { time: T0 / 1000 + 60, open: 101, high: 101.5, low: 99.5, close: 100 },
    ]);
    assert.deepEqual(volumes, [
      { time: T0 / 1000, value: 5, color: 'green' },
      { time: T0 / 1000 + 60, value: 7, color: 'red' },
    ]);
  });

  test('keeps the later row of a repeated time, so times strictly increase', () => {
    const { bars } = historyToChartData(
      {
        times: [T0, T0, T0 + 60_000],
        open: [1, 2, 3],
        high: [1, 2, 3],
        low: [1, 2, 3],
        close: [1, 2, 3],
        volume: [1, 1, 1],
      },
      COLORS,
    );
    assert.deepEqual(
      bars.map((bar) => [bar.time, bar.close]),
      [
        [T0 / 1000, 2],
        [T0 / 1000 + 60, 3],
      ],
    );
  });

  test('handles an empty history', () => {
    assert.deepEqual(
      historyToChartData({ times: [], open: [], high: [], low: [], close: [], volume: [] }, COLORS),
      {
        bars: [],
        volumes: [],
      },
    );
  });
});

describe('live candles folded into a larger timeframe', () => {
  test('updates the open 1h bar without counting a re-sent minute twice', () => {
    // History ends with the 10:00 hour bar, built from minutes up to 10:05 (volume 12, of which 2 in 10:05).
    const lastBar = { time: T0 / 1000, open: 100, high: 103, low: 99, close: 102, volume: 12 };
    const state = createLiveBarState(HOUR_MS, lastBar, { openTimeMs: T0 + 5 * 60_000, volume: 2 });

    // 10:05 again, grown to volume 3 and a new high: +1 volume.
    let bar = applyLiveCandle(state, candle(T0 + 5 * 60_000, 101, 104, 101, 103.5, 3));
    assert.deepEqual(bar, { time: T0 / 1000, open: 100, high: 104, low: 99, close: 103.5, volume: 13 });

    // 10:06, a new minute: its whole volume is added.
    bar = applyLiveCandle(state, candle(T0 + 6 * 60_000, 103.5, 103.6, 98, 98.5, 4));
    assert.deepEqual(bar, { time: T0 / 1000, open: 100, high: 104, low: 98, close: 98.5, volume: 17 });

    // 10:06 updated: the volume replaces its earlier value.
    bar = applyLiveCandle(state, candle(T0 + 6 * 60_000, 103.5, 103.6, 98, 99, 5));
    assert.equal(bar?.volume, 18);
    assert.equal(bar?.close, 99);

    // A late update of 10:05 moves high/low but not the close, which belongs to 10:06.
    bar = applyLiveCandle(state, candle(T0 + 5 * 60_000, 101, 104, 101, 103.7, 3.5));
    assert.equal(bar?.close, 99);
    assert.equal(bar?.volume, 18.5);
  });

  test('starts a new bar when a candle opens the next period', () => {
    const state = createLiveBarState(
      HOUR_MS,
      { time: T0 / 1000, open: 1, high: 2, low: 1, close: 2, volume: 1 },
      null,
    );
    const bar = applyLiveCandle(state, candle(T0 + HOUR_MS, 2, 3, 2, 2.5, 9));
    assert.deepEqual(bar, { time: (T0 + HOUR_MS) / 1000, open: 2, high: 3, low: 2, close: 2.5, volume: 9 });
  });

  test('ignores candles older than the bar on screen', () => {
    const state = createLiveBarState(
      HOUR_MS,
      { time: T0 / 1000, open: 1, high: 2, low: 1, close: 2, volume: 1 },
      null,
    );
    assert.equal(applyLiveCandle(state, candle(T0 - 60_000, 2, 3, 2, 2.5, 9)), null);
  });

  test('leaves the volume of a minute the history already counted', () => {
    // Newest stored minute is 10:05; a correction of 10:03 arrives.
    const state = createLiveBarState(
      HOUR_MS,
      { time: T0 / 1000, open: 1, high: 2, low: 1, close: 2, volume: 10 },
      { openTimeMs: T0 + 5 * 60_000, volume: 1 },
    );
    const bar = applyLiveCandle(state, candle(T0 + 3 * 60_000, 1.5, 2.5, 0.5, 1.8, 4));
    assert.deepEqual(bar, { time: T0 / 1000, open: 1, high: 2.5, low: 0.5, close: 2, volume: 10 });
  });

  test('on the same timeframe a candle replaces its bar', () => {
    const state = createLiveBarState(
      60_000,
      { time: T0 / 1000, open: 1, high: 2, low: 1, close: 2, volume: 1 },
      {
        openTimeMs: T0,
        volume: 1,
      },
    );
    assert.deepEqual(applyLiveCandle(state, candle(T0, 1, 2.2, 1, 2.1, 1.5)), {
      time: T0 / 1000,
      open: 1,
      high: 2.2,
      low: 1,
      close: 2.1,
      volume: 1.5,
    });
  });
});

describe('helpers', () => {
  test('bucket start is on the UTC grid', () => {
    assert.equal(bucketStartMs(T0 + 59 * 60_000 + 59_999, HOUR_MS), T0);
    assert.equal(bucketStartMs(Date.UTC(2025, 5, 16, 17, 26), 14_400_000), Date.UTC(2025, 5, 16, 16));
  });

  test('close at or before a time', () => {
    const bars = [10, 20, 30].map((time) => ({ time, open: time, high: time, low: time, close: time + 1 }));
    assert.equal(closeAtOrBefore(bars, 5), undefined);
    assert.equal(closeAtOrBefore(bars, 10), 11);
    assert.equal(closeAtOrBefore(bars, 25), 21);
    assert.equal(closeAtOrBefore(bars, 99), 31);
  });

  test('change ratio', () => {
    assert.equal(changeRatio(100, 110), 0.10000000000000009);
    assert.equal(changeRatio(undefined, 110), null);
  });
});

describe('timeframeForRange', () => {
  test('keeps the timeframe asked for while the range fits, else the finest coarser one that does', () => {
    assert.equal(timeframeForRange('1m', 7 * 86_400_000), '1m');
    assert.equal(timeframeForRange('1m', 30 * 86_400_000), '1m');
    assert.equal(timeframeForRange('1m', 365 * 86_400_000), '15m');
    assert.equal(timeframeForRange('1h', 365 * 86_400_000), '1h');
    assert.ok((365 * 86_400_000) / (15 * 60_000) <= MAX_CHART_CANDLES);
    // Beyond every timeframe's reach the coarsest is used.
    assert.equal(timeframeForRange('1m', 1_000 * 365 * 86_400_000), '1d');
  });
});
