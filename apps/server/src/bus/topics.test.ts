import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { symbolFromTopicSegment, ValidationError } from '@runecast/market';
import {
  assertValidPattern,
  backfillProgressTopic,
  bookTopic,
  candlesTopic,
  ingestFaultsTopic,
  parseTopic,
  sourceStateTopic,
  topicMatches,
  topicPattern,
  topicPatternsOverlap,
  tradesTopic,
} from './topics.ts';

describe('topic builders', () => {
  test('build the topics ARCHITECTURE.md shows', () => {
    const series = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' } as const;
    assert.equal(candlesTopic(series), 'data.candles.binance.BTC-USDT.1m');
    assert.equal(tradesTopic(series), 'data.trades.binance.BTC-USDT');
    assert.equal(bookTopic({ exchange: 'kraken', symbol: 'ETH/USD' }), 'data.book.kraken.ETH-USD');
    assert.equal(backfillProgressTopic(series), 'ingest.progress.binance.BTC-USDT.1m');
    assert.equal(ingestFaultsTopic('coinbase'), 'ingest.faults.coinbase');
    assert.equal(sourceStateTopic('binance'), 'source.state.binance');
    assert.equal(
      candlesTopic({ exchange: 'binance', symbol: 'BTC/USDT:USDT', timeframe: '1h' }),
      'data.candles.binance.BTC-USDT_USDT.1h',
    );
  });

  test('refuse segments that would break a subject', () => {
    assert.throws(
      () => candlesTopic({ exchange: 'bin.ance', symbol: 'BTC/USDT', timeframe: '1m' }),
      ValidationError,
    );
    assert.throws(() => tradesTopic({ exchange: 'binance', symbol: 'BTC USDT' }), /bad symbol/);
    assert.throws(() => tradesTopic({ exchange: 'binance', symbol: '*/USDT' }), /bad symbol/);
    assert.throws(() => sourceStateTopic('>'), /bad exchange id/);
    assert.throws(
      () => candlesTopic({ exchange: 'binance', symbol: 'BTC/USDT', timeframe: '2m' as '1m' }),
      /bad timeframe "2m"/,
    );
  });

  test('patterns put "*" where a part is left out', () => {
    assert.equal(topicPattern('candles'), 'data.candles.>');
    assert.equal(topicPattern('candles', { symbol: 'BTC/USDT' }), 'data.candles.*.BTC-USDT.*');
    assert.equal(topicPattern('trades', { exchange: 'binance' }), 'data.trades.binance.*');
    assert.equal(topicPattern('sourceState', { exchange: 'kraken' }), 'source.state.kraken');
    assert.equal(topicPattern('backfillProgress', { timeframe: '1h' }), 'ingest.progress.*.*.1h');
  });
});

describe('topic parsing', () => {
  test('round-trips every family', () => {
    assert.deepEqual(parseTopic('data.candles.binance.BTC-USDT.1m'), {
      family: 'candles',
      prefix: 'data.candles',
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '1m',
    });
    assert.deepEqual(parseTopic('ingest.progress.kraken.ETH-USD.1d'), {
      family: 'backfillProgress',
      prefix: 'ingest.progress',
      exchange: 'kraken',
      symbol: 'ETH/USD',
      timeframe: '1d',
    });
    assert.deepEqual(parseTopic('data.trades.binance.BTC-USDT_USDT'), {
      family: 'trades',
      prefix: 'data.trades',
      exchange: 'binance',
      symbol: 'BTC/USDT:USDT',
    });
    assert.equal(parseTopic('data.book.binance.BTC-USDT').family, 'book');
    assert.deepEqual(parseTopic('ingest.faults.binance'), {
      family: 'ingestFaults',
      prefix: 'ingest.faults',
      exchange: 'binance',
    });
    assert.equal(parseTopic('source.state.coinbase').family, 'sourceState');
    assert.equal(symbolFromTopicSegment('BTC-USDT'), 'BTC/USDT');
  });

  test('names what is wrong with a bad topic', () => {
    assert.throws(
      () => parseTopic('data.candles.binance.BTC-USDT'),
      /must look like data\.candles\.<exchange>/,
    );
    assert.throws(() => parseTopic('data.candles.binance.BTCUSDT.1m'), /bad symbol segment "BTCUSDT"/);
    assert.throws(() => parseTopic('data.candles.Binance.BTC-USDT.1m'), /bad exchange id "Binance"/);
    assert.throws(() => parseTopic('data.candles.binance.BTC-USDT.7m'), /bad timeframe "7m"/);
    assert.throws(() => parseTopic('data.candles.*.BTC-USDT.1m'), /wildcard/);
    assert.throws(() => parseTopic('data.candles.binance.BTC-USDT.1m '), /bad segment/);
    assert.throws(() => parseTopic('data..candles'), /bad segment ""/);
    assert.throws(() => parseTopic('news.items.x'), /no known family/);
    assert.throws(() => parseTopic(''), /topic is empty/);
  });
});

describe('pattern matching', () => {
  test('follows NATS wildcard rules', () => {
    assert.equal(topicMatches('data.candles.*.BTC-USDT.1m', 'data.candles.binance.BTC-USDT.1m'), true);
    assert.equal(topicMatches('data.candles.*', 'data.candles.binance.BTC-USDT.1m'), false);
    assert.equal(topicMatches('data.>', 'data.candles.binance.BTC-USDT.1m'), true);
    assert.equal(topicMatches('data.candles.>', 'data.candles'), false);
    assert.equal(topicMatches('>', 'source.state.binance'), true);
    assert.equal(topicMatches('source.state.binance', 'source.state.binance'), true);
    assert.equal(topicMatches('source.state.binance', 'source.state.binance.extra'), false);
  });

  test('validates patterns', () => {
    assertValidPattern('data.*.binance.>');
    assert.throws(() => assertValidPattern('data.>.binance'), /last segment/);
    assert.throws(() => assertValidPattern('data.can*'), /bad segment "can\*"/);
  });

  test('overlap between patterns', () => {
    assert.equal(topicPatternsOverlap('data.>', 'data.candles.*.*.*'), true);
    assert.equal(topicPatternsOverlap('>', 'source.state.*'), true);
    assert.equal(topicPatternsOverlap('data.*.binance', 'data.candles.*.*.*'), false);
    assert.equal(topicPatternsOverlap('ingest.>', 'data.>'), false);
  });
});
