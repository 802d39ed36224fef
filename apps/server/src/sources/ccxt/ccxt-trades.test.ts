import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tradesFromCcxt } from './ccxt-trades.ts';

const good = { id: '7', timestamp: 1_700_000_000_000, price: 42_000.5, amount: 0.25, side: 'buy' };

test('ccxt trades become ours, oldest first; bad ones are left out and counted', () => {
  const converted = tradesFromCcxt('binance', 'BTC/USDT', [
    { ...good, id: 9, timestamp: good.timestamp + 5, side: 'sell' },
    good,
    { ...good, id: '8', side: undefined },
    { ...good, id: undefined },
    { ...good, id: 'x'.repeat(101) },
    { ...good, timestamp: 1.5 },
    { ...good, timestamp: '1700000000000' },
    { ...good, price: Number.NaN },
    { ...good, price: 0 },
    { ...good, amount: -1 },
    { ...good, amount: Number.POSITIVE_INFINITY },
    null,
  ]);
  assert.equal(converted.rejected, 9);
  assert.deepEqual(converted.trades, [
    {
      exchange: 'binance',
      symbol: 'BTC/USDT',
      tradeId: '7',
      timestampMs: good.timestamp,
      price: 42_000.5,
      amount: 0.25,
      side: 'buy',
    },
    {
      exchange: 'binance',
      symbol: 'BTC/USDT',
      tradeId: '8',
      timestampMs: good.timestamp,
      price: 42_000.5,
      amount: 0.25,
      side: null,
    },
    {
      exchange: 'binance',
      symbol: 'BTC/USDT',
      tradeId: '9',
      timestampMs: good.timestamp + 5,
      price: 42_000.5,
      amount: 0.25,
      side: 'sell',
    },
  ]);
});
