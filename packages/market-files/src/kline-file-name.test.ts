import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseKlineFileName, splitExchangeSymbol } from './index.ts';

test('freqtrade names give symbol and timeframe', () => {
  assert.deepEqual(parseKlineFileName('BTC_USDT-1m.json.gz'), {
    symbol: 'BTC/USDT',
    base: 'BTC',
    quote: 'USDT',
    timeframe: '1m',
    format: 'freqtrade-json',
    compressed: true,
    period: null,
  });
  assert.equal(parseKlineFileName('/data/some/folder/ETH_BTC-4h.json')?.symbol, 'ETH/BTC');
  assert.equal(parseKlineFileName('ETH_BTC-4h.json')?.compressed, false);
});

test('Binance names give symbol, timeframe and period', () => {
  assert.deepEqual(parseKlineFileName('BTCUSDT-1m-2023-08.csv.gz'), {
    symbol: 'BTC/USDT',
    base: 'BTC',
    quote: 'USDT',
    timeframe: '1m',
    format: 'binance-csv',
    compressed: true,
    period: '2023-08',
  });
  const daily = parseKlineFileName('BTCUSDT-1m-2023-08-01.csv');
  assert.equal(daily?.period, '2023-08-01');
  assert.equal(daily?.compressed, false);
  assert.equal(parseKlineFileName('ETHBTC-1h-2021-01.csv')?.symbol, 'ETH/BTC');
  assert.equal(parseKlineFileName('BTCFDUSD-5m-2024-02.csv')?.symbol, 'BTC/FDUSD');
});

test('other names are not kline files', () => {
  for (const name of [
    'binance_XRP_ETH-trades.json.gz',
    'BTC_USDT-1m.2023-03-17.json',
    'BTC_USDT-7x.json',
    'BTCUSDT-1m-2023-08.zip',
    'README.md',
    'BTC_USDT_USDT-1h-futures.json',
    'XYZABC-1m-2023-08.csv',
  ]) {
    assert.equal(parseKlineFileName(name), null, name);
  }
});

test('exchange symbols split on the longest known quote', () => {
  assert.deepEqual(splitExchangeSymbol('USDCUSDT'), { base: 'USDC', quote: 'USDT' });
  assert.deepEqual(splitExchangeSymbol('BNBETH'), { base: 'BNB', quote: 'ETH' });
  assert.deepEqual(splitExchangeSymbol('btceur'), { base: 'BTC', quote: 'EUR' });
  assert.equal(splitExchangeSymbol('USDT'), null);
});
