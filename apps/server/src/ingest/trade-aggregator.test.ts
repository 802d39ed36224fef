import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type Trade, ValidationError } from '@runecast/market';
import { replayDataSkip, replayPath } from '../../test/support/replay-data.ts';
import { aggregateTrades } from './trade-aggregator.ts';

const minuteMs = 60_000;
const startMs = Date.UTC(2025, 5, 2, 10, 0);

function trade(id: number, offsetMs: number, price: number, amount: number): Trade {
  return {
    exchange: 'binance',
    symbol: 'BTC/USDT',
    tradeId: String(id),
    timestampMs: startMs + offsetMs,
    price,
    amount,
    side: id % 2 === 0 ? 'buy' : 'sell',
  };
}

const base = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' as const };

describe('candles from trades', () => {
  test('open, high, low, close, exact decimal volumes and counts per interval', () => {
    const trades = [
      trade(1, 1_000, 100.1, 0.1),
      trade(2, 20_000, 100.5, 0.2),
      trade(3, 59_999, 99.9, 0.3),
      trade(4, 60_000, 101, 1e-8),
      trade(5, 61_000, 100.7, 0.00000123),
    ];
    const candles = aggregateTrades({ ...base, trades });
    assert.equal(candles.length, 2);
    const [first, second] = candles;
    assert.deepEqual(
      { open: first!.open, high: first!.high, low: first!.low, close: first!.close },
      { open: 100.1, high: 100.5, low: 99.9, close: 99.9 },
    );
    assert.equal(first!.volume, 0.6, 'not 0.6000000000000001');
    assert.equal(first!.quoteVolume, 60.08, '10.01 + 20.1 + 29.97 exactly');
    assert.equal(first!.tradeCount, 3);
    assert.equal(second!.openTimeMs, startMs + minuteMs);
    assert.equal(second!.volume, 0.00000124);
    assert.equal(second!.close, 100.7);
    assert.ok(candles.every((candle) => candle.closed));
  });

  test('order is by time then trade id; a repeated trade counts once', () => {
    const trades = [
      trade(11, 5_000, 102, 1),
      trade(10, 5_000, 101, 1),
      trade(9, 1_000, 100, 1),
      trade(9, 1_000, 100, 1),
    ];
    const [candle] = aggregateTrades({ ...base, trades });
    assert.equal(candle!.open, 100);
    assert.equal(candle!.close, 102, 'of two trades at the same millisecond the higher id is later');
    assert.equal(candle!.tradeCount, 3);
    assert.equal(candle!.volume, 3);
  });

  test('quiet intervals: skipped, or carried forward flat like Binance', () => {
    const trades = [trade(1, 0, 100, 1), trade(2, 3 * minuteMs, 103, 1)];
    assert.equal(aggregateTrades({ ...base, trades }).length, 2);
    const carried = aggregateTrades({
      ...base,
      trades,
      emptyIntervals: 'carry-forward',
      range: { startMs, endMs: startMs + 5 * minuteMs },
    });
    assert.deepEqual(
      carried.map((candle) => [candle.open, candle.close, candle.volume, candle.tradeCount]),
      [
        [100, 100, 1, 1],
        [100, 100, 0, 0],
        [100, 100, 0, 0],
        [103, 103, 1, 1],
        [103, 103, 0, 0],
      ],
    );
  });

  test('closedBeforeMs leaves the last interval open', () => {
    const candles = aggregateTrades({
      ...base,
      trades: [trade(1, 0, 100, 1), trade(2, minuteMs + 1, 100, 1)],
      closedBeforeMs: startMs + minuteMs + 30_000,
    });
    assert.deepEqual(
      candles.map((candle) => candle.closed),
      [true, false],
    );
  });

  test('bad trades are refused with a clear error', () => {
    const bad: [Partial<Trade>, RegExp][] = [
      [{ price: Number.NaN }, /price NaN/],
      [{ price: -1 }, /price -1/],
      [{ amount: 0 }, /amount 0/],
      [{ timestampMs: 1.5 }, /timestamp/],
      [{ tradeId: '' }, /trade id/],
      [{ symbol: 'ETH/USDT' }, /does not belong/],
    ];
    for (const [change, message] of bad) {
      assert.throws(
        () => aggregateTrades({ ...base, trades: [{ ...trade(1, 0, 100, 1), ...change }] }),
        (error: unknown) => error instanceof ValidationError && message.test(error.message),
        JSON.stringify(change),
      );
    }
  });

  test(
    "real Kraken XBT/USDT trades rebuild Kraken's own 1m candles exactly",
    { skip: replayDataSkip },
    () => {
      type KrakenTrade = [string, string, number, string, string, string, number];
      type KrakenCandle = [number, string, string, string, string, string, string, number];
      const tradesFile = JSON.parse(
        readFileSync(replayPath('trades/kraken_XBTUSDT_rest_trades_1000.json'), 'utf8'),
      ) as {
        result: { XBTUSDT: KrakenTrade[] };
      };
      const candlesFile = JSON.parse(
        readFileSync(replayPath('exchange_payloads/nautilus_trader/kraken/http_ohlc.json'), 'utf8'),
      ) as { result: { XBTUSDT: KrakenCandle[] } };
      const trades: Trade[] = tradesFile.result.XBTUSDT.map(([price, volume, time, side, , , id]) => ({
        exchange: 'kraken',
        symbol: 'BTC/USDT',
        tradeId: String(id),
        timestampMs: Math.floor(time * 1000),
        price: Number(price),
        amount: Number(volume),
        side: side === 'b' ? 'buy' : 'sell',
      }));
      // Only minutes wholly inside the trade file are complete.
      const firstFullMs = Math.floor(trades[0]!.timestampMs / minuteMs) * minuteMs + minuteMs;
      const endMs = Math.floor(trades.at(-1)!.timestampMs / minuteMs) * minuteMs;
      const ours = aggregateTrades({
        exchange: 'kraken',
        symbol: 'BTC/USDT',
        timeframe: '1m',
        trades,
        emptyIntervals: 'carry-forward',
        range: { startMs: firstFullMs, endMs },
      });
      const theirs = candlesFile.result.XBTUSDT.filter(
        ([time]) => time * 1000 >= firstFullMs && time * 1000 < endMs,
      );
      assert.ok(theirs.length > 300, `${theirs.length} minutes to compare`);
      const byTime = new Map(ours.map((candle) => [candle.openTimeMs, candle]));
      let compared = 0;
      for (const [time, open, high, low, close, , volume, count] of theirs) {
        const candle = byTime.get(time * 1000);
        assert.ok(candle, `no candle at ${new Date(time * 1000).toISOString()}`);
        assert.deepEqual(
          [candle.open, candle.high, candle.low, candle.close, candle.volume, candle.tradeCount],
          [Number(open), Number(high), Number(low), Number(close), Number(volume), count],
          new Date(time * 1000).toISOString(),
        );
        compared += 1;
      }
      assert.equal(compared, theirs.length);
    },
  );
});
