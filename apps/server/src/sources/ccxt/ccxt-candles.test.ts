import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildCandlePage, type CandlePageInput, type CandleRow } from './ccxt-candles.ts';
import { EXCHANGE_PROFILE_OVERRIDES, exchangeProfile } from './ccxt-capabilities.ts';

const minuteMs = 60_000;
const startMs = Date.UTC(2023, 2, 20, 0, 0);

/** A Binance kline row as the exchange sends it, and as ccxt parses it. */
function binanceRow(index: number, close = 100 + index): CandleRow {
  const openTimeMs = startMs + index * minuteMs;
  const raw = [
    openTimeMs,
    String(close - 0.5),
    String(close + 1),
    String(close - 1),
    String(close),
    '2.5',
    openTimeMs + minuteMs - 1,
    '250.25',
    17,
    '1.0',
    '100.0',
    '0',
  ];
  return { raw, parsed: [openTimeMs, close - 0.5, close + 1, close - 1, close, 2.5] };
}

const binance = exchangeProfile({ id: 'binance', has: {}, timeframes: {}, rateLimit: 50 });
const kraken = exchangeProfile({ id: 'kraken', has: {}, timeframes: {}, rateLimit: 1000 });
const coinbase = exchangeProfile({ id: 'coinbase', has: {}, timeframes: {}, rateLimit: 34 });

function input(overrides: Partial<CandlePageInput>): CandlePageInput {
  return {
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timeframe: '1m',
    sinceMs: startMs,
    limit: 5,
    rows: [],
    profile: binance,
    exchangeNowMs: null,
    settleMs: 2_000,
    ...overrides,
  };
}

describe('pages of exchange candles', () => {
  test('per-exchange profile: page limits and pagination style', () => {
    assert.equal(binance.candlePageLimit, 1000);
    assert.equal(kraken.candlePageLimit, 720);
    assert.equal(kraken.candleHistoryLimit, 720);
    assert.equal(coinbase.candlePageLimit, 300);
    assert.equal(coinbase.candlePagination, 'window');
    assert.equal(binance.candlePagination, 'count');
    assert.ok(EXCHANGE_PROFILE_OVERRIDES.binance);
    const unknown = exchangeProfile({
      id: 'someexchange',
      has: {},
      timeframes: {},
      rateLimit: 100,
      features: { spot: { fetchOHLCV: { limit: 500 } } },
    });
    assert.equal(unknown.candlePageLimit, 500, "ccxt's declared limit is used when no override exists");
  });

  test('a full page without a clock leaves its last candle for the next page', () => {
    const page = buildCandlePage(input({ rows: [0, 1, 2, 3, 4].map((index) => binanceRow(index)) }));
    assert.deepEqual(
      page.candles.map((candle) => candle.openTimeMs),
      [0, 1, 2, 3].map((index) => startMs + index * minuteMs),
    );
    assert.ok(page.candles.every((candle) => candle.closed));
    assert.deepEqual(page.provenRange, { startMs, endMs: startMs + 4 * minuteMs });
    assert.equal(page.candles[0]!.quoteVolume, 250.25, "Binance's quote volume column is kept");
    assert.equal(page.candles[0]!.tradeCount, 17);
  });

  test('a short page ends at the open candle; the clock can close it', () => {
    const rows = [0, 1, 2].map((index) => binanceRow(index));
    const open = buildCandlePage(input({ rows }));
    assert.equal(open.candles.length, 3);
    assert.equal(open.candles[2]!.closed, false, 'the newest candle the exchange has may still change');
    assert.deepEqual(open.provenRange, { startMs, endMs: startMs + 3 * minuteMs });
    const later = buildCandlePage(input({ rows, exchangeNowMs: startMs + 3 * minuteMs + 2_000 }));
    assert.equal(later.candles[2]!.closed, true);
    const tooEarly = buildCandlePage(input({ rows, exchangeNowMs: startMs + 3 * minuteMs + 1_999 }));
    assert.equal(tooEarly.candles[2]!.closed, false, 'within the settle time a candle is still open');
  });

  test('a clock lets a full page keep its last candle', () => {
    const page = buildCandlePage(
      input({
        rows: [0, 1, 2, 3, 4].map((index) => binanceRow(index)),
        exchangeNowMs: startMs + 60 * minuteMs,
      }),
    );
    assert.equal(page.candles.length, 5);
    assert.deepEqual(page.provenRange, { startMs, endMs: startMs + 5 * minuteMs });
  });

  test('rows before since are dropped; a stretch without rows is proven (a trading halt)', () => {
    const rows = [binanceRow(-1), binanceRow(0), binanceRow(3), binanceRow(4)];
    const page = buildCandlePage(input({ rows, limit: 10, exchangeNowMs: startMs + 100 * minuteMs }));
    assert.deepEqual(
      page.candles.map((candle) => (candle.openTimeMs - startMs) / minuteMs),
      [0, 3, 4],
    );
    assert.deepEqual(page.provenRange, { startMs, endMs: startMs + 5 * minuteMs });
  });

  test('bad rows are rejected with a reason and never returned', () => {
    const nan = binanceRow(1);
    (nan.parsed as number[])[4] = Number.NaN;
    const negativeVolume = binanceRow(2);
    (negativeVolume.parsed as number[])[5] = -3;
    const highBelowLow = binanceRow(3);
    (highBelowLow.parsed as number[])[2] = 1;
    const offGrid = binanceRow(4);
    (offGrid.parsed as number[])[0] = startMs + 4 * minuteMs + 30_000;
    const rows = [binanceRow(0), nan, negativeVolume, highBelowLow, offGrid, binanceRow(5)];
    const page = buildCandlePage(input({ rows, limit: 10, exchangeNowMs: startMs + 100 * minuteMs }));
    assert.deepEqual(
      page.candles.map((candle) => (candle.openTimeMs - startMs) / minuteMs),
      [0, 5],
    );
    assert.deepEqual(
      page.rejected.map((row) => ((row.openTimeMs ?? 0) - startMs) / minuteMs),
      [1, 2, 3, 4],
    );
    assert.match(page.rejected[0]!.reason, /close is not a finite number/);
    assert.match(page.rejected[1]!.reason, /volume is negative/);
    assert.match(page.rejected[2]!.reason, /high [0-9.]+ is below low/);
    assert.match(page.rejected[3]!.reason, /not on the 1m grid/);
    assert.deepEqual(page.provenRange, { startMs, endMs: startMs + 6 * minuteMs });
  });

  test('a row with an unreadable time proves nothing about slots without candles', () => {
    const broken: CandleRow = { raw: ['soon', '1', '1', '1', '1', '1'], parsed: [undefined, 1, 1, 1, 1, 1] };
    const notARow: CandleRow = { raw: 'x', parsed: 'x' };
    const page = buildCandlePage(
      input({
        rows: [binanceRow(0), broken, notARow, binanceRow(2)],
        limit: 10,
        exchangeNowMs: startMs + 1e7,
      }),
    );
    assert.equal(page.candles.length, 2);
    assert.equal(page.rejected.length, 2);
    assert.equal(page.provenRange, null);
  });

  test('the same open time with different values is rejected; an exact repeat is not', () => {
    const other = binanceRow(1, 500);
    const page = buildCandlePage(
      input({
        rows: [binanceRow(0), binanceRow(0), binanceRow(1), other, binanceRow(2)],
        limit: 10,
        exchangeNowMs: startMs + 1e7,
      }),
    );
    assert.deepEqual(
      page.candles.map((candle) => (candle.openTimeMs - startMs) / minuteMs),
      [0, 2],
    );
    assert.deepEqual(page.rejected, [
      { openTimeMs: startMs + minuteMs, reason: 'the exchange sent different rows for the same open time' },
    ]);
  });

  test('Kraken: an old since answered with recent candles proves no leading stretch', () => {
    const rows = [10, 11, 12].map((index) => {
      const row = binanceRow(index);
      return { raw: [...(row.parsed as number[]).slice(0, 5), 101, 2.5, 9], parsed: row.parsed };
    });
    const nowMs = startMs + 13 * minuteMs;
    const old = buildCandlePage(
      input({
        exchange: 'kraken',
        profile: kraken,
        rows,
        limit: 720,
        sinceMs: startMs - 720 * minuteMs,
        exchangeNowMs: nowMs,
      }),
    );
    assert.deepEqual(old.provenRange, { startMs: startMs + 10 * minuteMs, endMs: startMs + 13 * minuteMs });
    assert.equal(old.candles[0]!.tradeCount, 9, "Kraken's trade count column is kept");
    assert.equal(old.candles[0]!.quoteVolume, null);
    const recent = buildCandlePage(
      input({ exchange: 'kraken', profile: kraken, rows, limit: 720, exchangeNowMs: nowMs }),
    );
    assert.deepEqual(
      recent.provenRange,
      { startMs, endMs: startMs + 13 * minuteMs },
      'inside the served history a gap is real',
    );
  });

  test('Coinbase: a window proves its past part even without candles', () => {
    const nowMs = startMs + 2 * 60 * minuteMs;
    const empty = buildCandlePage(
      input({ exchange: 'coinbase', profile: coinbase, rows: [], limit: 300, exchangeNowMs: nowMs }),
    );
    assert.deepEqual(empty.provenRange, { startMs, endMs: startMs + 120 * minuteMs - minuteMs });
    const sparse = buildCandlePage(
      input({
        exchange: 'coinbase',
        profile: coinbase,
        rows: [binanceRow(3), binanceRow(50)],
        limit: 10,
        exchangeNowMs: nowMs,
      }),
    );
    assert.deepEqual(
      sparse.candles.map((candle) => (candle.openTimeMs - startMs) / minuteMs),
      [3],
      'rows beyond the window are left for the next one',
    );
    assert.deepEqual(sparse.provenRange, { startMs, endMs: startMs + 10 * minuteMs });
  });
});
