import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Candle } from '@runecast/market';
import { StreamCandleTracker } from './stream-candle-tracker.ts';

const minuteMs = 60_000;
const startMs = Date.UTC(2025, 5, 2, 10, 0);
const at = (index: number) => startMs + index * minuteMs;

/** The in-progress version of candle `index` after `trades` trades of 1 unit each. */
function version(index: number, trades: number): Candle {
  const close = 100 + trades;
  return {
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timeframe: '1m',
    openTimeMs: at(index),
    open: 100,
    high: Math.max(100, close),
    low: 100,
    close,
    volume: trades,
    quoteVolume: null,
    tradeCount: null,
    closed: false,
  };
}

const indexes = (candles: readonly Candle[]) =>
  candles.map((candle) => (candle.openTimeMs - startMs) / minuteMs);

describe('deciding when a streamed candle is final', () => {
  test('final after two batches of later candles, with its last version', () => {
    const tracker = new StreamCandleTracker({ timeframe: '1m', startMs: at(0) });
    assert.deepEqual(tracker.accept([version(0, 1)]).finalized, []);
    assert.deepEqual(tracker.accept([version(0, 3)]).finalized, []);
    assert.deepEqual(tracker.accept([version(1, 1)]).finalized, [], 'one later batch is not enough');
    const update = tracker.accept([version(1, 2)]);
    assert.deepEqual(indexes(update.finalized), [0]);
    assert.equal(update.finalized[0]!.volume, 3);
    assert.equal(update.finalized[0]!.closed, true);
    assert.equal(update.current?.openTimeMs, at(1));
    assert.equal(tracker.finalUntilMs, at(1));
  });

  test('the last update of a candle arriving after the next one started is still taken', () => {
    const tracker = new StreamCandleTracker({ timeframe: '1m', startMs: at(0) });
    tracker.accept([version(0, 2)]);
    tracker.accept([version(1, 1)]);
    const late = tracker.accept([version(0, 5)]);
    assert.equal(late.outOfOrder, 1, 'news of an older candle after a newer one is counted');
    const update = tracker.accept([version(1, 2)]);
    assert.deepEqual(indexes(update.finalized), [0]);
    assert.equal(update.finalized[0]!.volume, 5);
  });

  test('duplicates and stale versions change nothing and are counted', () => {
    const tracker = new StreamCandleTracker({ timeframe: '1m', startMs: at(0) });
    tracker.accept([version(0, 4)]);
    const repeat = tracker.accept([version(0, 4)]);
    assert.equal(repeat.duplicates, 1);
    const stale = tracker.accept([version(0, 2)]);
    assert.equal(stale.outOfOrder, 1);
    tracker.accept([version(1, 1)]);
    const update = tracker.accept([version(1, 1), version(1, 2)]);
    assert.equal(update.finalized[0]!.volume, 4);
    const late = tracker.accept([version(0, 4)]);
    assert.equal(late.duplicates, 1, 'a final candle repeated late is a duplicate');
    assert.deepEqual(late.corrections, []);
  });

  test('candles before the start belong to the REST repair and are ignored', () => {
    const tracker = new StreamCandleTracker({ timeframe: '1m', startMs: at(5) });
    const update = tracker.accept([version(3, 9), version(4, 9), version(5, 1)]);
    assert.equal(update.outOfOrder, 0, 'a snapshot of recent candles on subscribe is no fault');
    assert.deepEqual(update.finalized, []);
    assert.equal(update.current?.openTimeMs, at(5));
  });

  test('a jump over candles reports the skipped stretch for a REST fetch', () => {
    const tracker = new StreamCandleTracker({ timeframe: '1m', startMs: at(0) });
    tracker.accept([version(0, 1)]);
    tracker.accept([version(3, 1)]);
    const update = tracker.accept([version(3, 2)]);
    assert.deepEqual(indexes(update.finalized), [0]);
    tracker.accept([version(4, 1)]);
    const next = tracker.accept([version(4, 2)]);
    assert.deepEqual(indexes(next.finalized), [3]);
    assert.deepEqual(next.skipped, [{ startMs: at(1), endMs: at(3) }]);
  });

  test('a fuller version of a final candle arriving late asks for a correction', () => {
    const tracker = new StreamCandleTracker({ timeframe: '1m', startMs: at(0) });
    tracker.accept([version(0, 2)]);
    tracker.accept([version(1, 1)]);
    tracker.accept([version(1, 2)]);
    const late = tracker.accept([version(0, 7)]);
    assert.deepEqual(late.corrections, [at(0)]);
  });
});
