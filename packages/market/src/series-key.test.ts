import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from './errors.ts';
import {
  formatMetricSeriesKey,
  formatSeriesKey,
  INSTRUMENT_PATTERN,
  normalizeRuneName,
  parseMetricSeriesKey,
  parseSeriesKey,
  SERIES_KEY_PATTERN,
  symbolFromTopicSegment,
  symbolTopicSegment,
} from './series-key.ts';

const RUNE = 'DOG•GO•TO•THE•MOON';

describe('series keys', () => {
  test('exchange, derivative and rune instruments round-trip', () => {
    for (const text of [
      'binance:BTC/USDT:1m',
      'bybit:BTC/USDT:USDT:1h',
      `ordiscan:${RUNE}/SATS:1h`,
      `unisat:${RUNE}/SATS:5m`,
    ]) {
      const key = parseSeriesKey(text);
      assert.equal(formatSeriesKey(key), text);
      assert.match(text, SERIES_KEY_PATTERN);
    }
    assert.deepEqual(parseSeriesKey(`ordiscan:${RUNE}/SATS:1h`), {
      exchange: 'ordiscan',
      symbol: `${RUNE}/SATS`,
      timeframe: '1h',
    });
  });

  test('spacers stand only between letters, never doubled or at the ends', () => {
    for (const bad of ['•DOG/SATS', 'DOG•/SATS', 'DOG••GO/SATS', 'DOG GO/SATS', 'DOG.GO/SATS', 'dog/SATS']) {
      assert.doesNotMatch(bad, INSTRUMENT_PATTERN, bad);
      assert.throws(() => parseSeriesKey(`ordiscan:${bad}:1h`), ValidationError);
    }
  });

  test('bad keys fail with a message naming the part', () => {
    assert.throws(() => parseSeriesKey('BTCUSDT'), /must look like source:BASE\/QUOTE:timeframe/);
    assert.throws(() => parseSeriesKey('Binance:BTC/USDT:1m'), /bad source id "Binance"/);
    assert.throws(() => parseSeriesKey('binance:BTC/USDT:2m'), /unknown timeframe "2m"/);
  });

  test('a named metric of an instrument is a series too', () => {
    const text = `ordiscan:${RUNE}/SATS:1h:holders`;
    const key = parseMetricSeriesKey(text);
    assert.deepEqual(key, {
      exchange: 'ordiscan',
      symbol: `${RUNE}/SATS`,
      timeframe: '1h',
      metric: 'holders',
    });
    assert.equal(formatMetricSeriesKey(key), text);
    assert.throws(() => parseMetricSeriesKey(`ordiscan:${RUNE}/SATS:1h`), /must look like .*:metric/);
    assert.throws(() => parseMetricSeriesKey(`ordiscan:${RUNE}/SATS:1h:Holders`), ValidationError);
  });

  test('rune names as people type them become the one spelling', () => {
    assert.equal(normalizeRuneName('dog.go.to.the.moon'), RUNE);
    assert.equal(normalizeRuneName(' DOG GO TO THE MOON '), RUNE);
    assert.equal(normalizeRuneName(RUNE), RUNE);
  });

  test('topic segments are ASCII, free of dots and wildcards, and reversible', () => {
    for (const symbol of ['BTC/USDT', 'BTC/USDT:USDT', `${RUNE}/SATS`]) {
      const segment = symbolTopicSegment(symbol);
      assert.match(segment, /^[A-Za-z0-9_~-]+$/);
      assert.equal(symbolFromTopicSegment(segment), symbol);
    }
    assert.equal(symbolTopicSegment(`${RUNE}/SATS`), 'DOG~GO~TO~THE~MOON-SATS');
    assert.throws(() => symbolFromTopicSegment('BTCUSDT'), /bad symbol segment/);
    assert.throws(() => symbolFromTopicSegment('~DOG-SATS'), /bad symbol segment/);
  });

  test('rune series keys survive a URL path segment', () => {
    const text = `ordiscan:${RUNE}/SATS:1h`;
    const url = new URL(`http://localhost/api/v1/series/${encodeURIComponent(text)}`);
    const segment = url.pathname.split('/').at(-1)!;
    assert.equal(decodeURIComponent(segment), text);
  });
});
