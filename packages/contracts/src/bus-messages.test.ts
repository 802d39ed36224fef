import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  backfillProgressMessageSchema,
  candleBatchMessageSchema,
  fromCandleColumns,
  ingestFaultMessageSchema,
  schemaForTopic,
  sourceStateMessageSchema,
  topicPrefixOf,
  topOfBookMessageSchema,
  toCandleColumns,
  tradeBatchMessageSchema,
  type CandleBatchMessage,
} from './index.ts';

const minuteMs = 60_000;
const startMs = Date.UTC(2025, 5, 1);

function candleBatch(): CandleBatchMessage {
  return {
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timeframe: '1m',
    source: { label: 'ccxt:binance', simulated: false },
    candles: toCandleColumns(
      [0, 1].map((index) => ({
        openTimeMs: startMs + index * minuteMs,
        open: 100,
        high: 105,
        low: 99,
        close: 104,
        volume: 3.5,
        quoteVolume: 360,
        tradeCount: 12,
        closed: true,
      })),
    ),
  };
}

function issuesOf(result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) {
  assert.equal(result.success, false, 'expected the message to be rejected');
  return (result.error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('candle batch schema', () => {
  test('accepts a well-formed batch and rejects each kind of corruption', () => {
    const wellFormed = candleBatch();
    const parsed = candleBatchMessageSchema.parse(wellFormed);
    assert.deepEqual(parsed, wellFormed);
    assert.notEqual(parsed.candles.open, wellFormed.candles.open, 'columns are copied, not shared');
    const corruptions: [string, (batch: CandleBatchMessage) => void, RegExp][] = [
      ['NaN price', (batch) => (batch.candles.open[0] = Number.NaN), /candles\.open\.0/],
      ['infinite volume', (batch) => (batch.candles.volume[0] = Infinity), /candles\.volume\.0/],
      [
        'a price as text',
        (batch) => ((batch.candles.open as unknown[])[1] = '100'),
        /candles\.open\.1: expected finite numbers/,
      ],
      [
        'a column that is not an array',
        (batch) => ((batch.candles as { closed: unknown }).closed = 'yes'),
        /candles\.closed: expected an array of booleans/,
      ],
      ['negative volume', (batch) => (batch.candles.volume[0] = -1), /candles\.volume\.0/],
      ['high below low', (batch) => (batch.candles.high[0] = 98), /candles\.high\.0: high 98 is below low/],
      ['close above high', (batch) => (batch.candles.close[0] = 106), /outside the high-low range/],
      ['off the grid', (batch) => (batch.candles.openTimeMs[1]! += 1), /not on the 1m grid/],
      ['out of order', (batch) => batch.candles.openTimeMs.reverse(), /strictly increasing/],
      ['fractional trade count', (batch) => (batch.candles.tradeCount[0] = 1.5), /tradeCount\.0/],
      ['empty batch', (batch) => (batch.candles = toCandleColumns([])), /at least one candle/],
      ['a short column', (batch) => batch.candles.close.pop(), /column close has 1 values, openTimeMs has 2/],
      [
        'too many candles',
        (batch) => {
          const one = fromCandleColumns(batch.candles)[0]!;
          batch.candles = toCandleColumns(
            Array.from({ length: 5001 }, (_, index) => ({ ...one, openTimeMs: startMs + index * minuteMs })),
          );
        },
        /at most 5000 candles/,
      ],
      [
        'a column missing',
        (batch) => delete (batch.candles as Partial<typeof batch.candles>).closed,
        /closed/,
      ],
      ['bad symbol', (batch) => (batch.symbol = 'btcusdt'), /BASE\/QUOTE/],
      ['unknown timeframe', (batch) => ((batch as { timeframe: string }).timeframe = '7m'), /timeframe/],
      [
        'source without simulated flag',
        (batch) => ((batch as { source: unknown }).source = { label: 'x' }),
        /source\.simulated/,
      ],
    ];
    for (const [name, corrupt, expected] of corruptions) {
      const batch = candleBatch();
      corrupt(batch);
      const issues = issuesOf(candleBatchMessageSchema.safeParse(batch));
      assert.match(issues.join('\n'), expected, name);
    }
  });
});

describe('candle columns', () => {
  test('turn into candle objects and back unchanged', () => {
    const columns = candleBatch().candles;
    columns.quoteVolume[1] = null;
    columns.closed[1] = false;
    const candles = fromCandleColumns(columns);
    assert.equal(candles.length, 2);
    assert.deepEqual(candles[1], {
      openTimeMs: startMs + minuteMs,
      open: 100,
      high: 105,
      low: 99,
      close: 104,
      volume: 3.5,
      quoteVolume: null,
      tradeCount: 12,
      closed: false,
    });
    assert.deepEqual(toCandleColumns(candles), columns);
  });
});

describe('other bus messages', () => {
  test('trades must be ordered and positive', () => {
    const trades = {
      exchange: 'kraken',
      symbol: 'ETH/USD',
      source: { label: 'emulator:simulated', simulated: true },
      trades: [
        { tradeId: '1', timestampMs: startMs, price: 10, amount: 1, side: 'buy' },
        { tradeId: '2', timestampMs: startMs + 5, price: 10.5, amount: 0.2, side: null },
      ],
    };
    assert.equal(tradeBatchMessageSchema.safeParse(trades).success, true);
    const reordered = { ...trades, trades: [...trades.trades].reverse() };
    assert.match(issuesOf(tradeBatchMessageSchema.safeParse(reordered)).join(), /ordered by time/);
    const zeroAmount = { ...trades, trades: [{ ...trades.trades[0], amount: 0 }] };
    assert.match(issuesOf(tradeBatchMessageSchema.safeParse(zeroAmount)).join(), /amount/);
  });

  test('a crossed book is rejected', () => {
    const book = {
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timestampMs: startMs,
      bidPrice: 100,
      bidSize: 1,
      askPrice: 100.5,
      askSize: 2,
      source: { label: 'ccxt:binance', simulated: false },
    };
    assert.equal(topOfBookMessageSchema.safeParse(book).success, true);
    assert.match(issuesOf(topOfBookMessageSchema.safeParse({ ...book, bidPrice: 101 })).join(), /crossed/);
  });

  test('backfill progress keeps doneMs within its range', () => {
    const progress = {
      series: 'binance:BTC/USDT:1m',
      fromMs: startMs,
      toMs: startMs + 100 * minuteMs,
      doneMs: startMs + 50 * minuteMs,
      candlesWritten: 50,
      percent: 50,
      state: 'running',
      message: null,
      atMs: startMs + 1,
    };
    assert.equal(backfillProgressMessageSchema.safeParse(progress).success, true);
    assert.match(
      issuesOf(backfillProgressMessageSchema.safeParse({ ...progress, doneMs: startMs - 1 })).join(),
      /between fromMs and toMs/,
    );
    assert.match(
      issuesOf(backfillProgressMessageSchema.safeParse({ ...progress, state: 'paused' })).join(),
      /state/,
    );
    assert.match(
      issuesOf(backfillProgressMessageSchema.safeParse({ ...progress, series: 'BTC/USDT' })).join(),
      /source:BASE\/QUOTE:timeframe/,
    );
  });

  test('faults and source states', () => {
    const fault = {
      exchange: 'binance',
      source: 'live:candles',
      kind: 'malformed_message',
      message: 'kline without close price',
      count: 3,
      series: 'binance:BTC/USDT:1m',
      atMs: startMs,
    };
    assert.equal(ingestFaultMessageSchema.safeParse(fault).success, true);
    assert.match(issuesOf(ingestFaultMessageSchema.safeParse({ ...fault, count: 0 })).join(), /count/);
    assert.match(
      issuesOf(ingestFaultMessageSchema.safeParse({ ...fault, kind: 'Bad Kind' })).join(),
      /snake_case/,
    );
    const state = {
      exchange: 'binance',
      state: 'reconnecting',
      attempt: 2,
      reason: 'socket closed',
      atMs: startMs,
    };
    assert.equal(sourceStateMessageSchema.safeParse(state).success, true);
    assert.equal(sourceStateMessageSchema.safeParse({ ...state, state: 'flapping' }).success, false);
  });
});

describe('topic schemas', () => {
  test('every topic family maps to its schema; unknown topics have none', () => {
    assert.equal(schemaForTopic('data.candles.binance.BTC-USDT.1m'), candleBatchMessageSchema);
    assert.equal(schemaForTopic('data.trades.binance.BTC-USDT'), tradeBatchMessageSchema);
    assert.equal(schemaForTopic('data.book.binance.BTC-USDT'), topOfBookMessageSchema);
    assert.equal(schemaForTopic('ingest.progress.binance.BTC-USDT.1m'), backfillProgressMessageSchema);
    assert.equal(schemaForTopic('ingest.faults.binance'), ingestFaultMessageSchema);
    assert.equal(schemaForTopic('source.state.binance'), sourceStateMessageSchema);
    assert.equal(schemaForTopic('data.candlesticks.binance'), undefined);
    assert.equal(schemaForTopic('data.candles'), undefined);
    assert.equal(topicPrefixOf('source.state.kraken'), 'source.state');
  });
});
