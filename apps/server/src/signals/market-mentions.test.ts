import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MentionFinder, subjectOf } from './market-mentions.ts';

test('finds assets by code in capitals or with $, by name in any case, and runes however spaced', () => {
  const finder = new MentionFinder(['DOG•GO•TO•THE•MOON', 'PEPE']);
  const cases: [string, string[]][] = [
    ['Bitcoin and ether slide together', ['BTC', 'ETH']],
    ['SOL outperforms while $doge lags', ['DOGE', 'SOL']],
    ['the sol of the matter; ada lovelace', []],
    ['Solana fees stay low', ['SOL']],
    ['DOG•GO•TO•THE•MOON holders grow', ['DOG•GO•TO•THE•MOON']],
    ['dog go to the moon and DOGGOTOTHEMOON', ['DOG•GO•TO•THE•MOON']],
    ['a dog went to the moon', []],
    ['PEPE pumps', ['PEPE']],
    ['BTCUSDT perpetuals and ETH/BTC', ['BTC', 'ETH']],
    ['Shiba   Inu burns', ['SHIB']],
  ];
  for (const [text, expected] of cases) assert.deepEqual(finder.find(text), expected, text);
});

test('the subject of a market, series or channel entry', () => {
  assert.equal(subjectOf('binance:BTC/USDT'), 'BTC');
  assert.equal(subjectOf('BTC/USDT:USDT'), 'BTC');
  assert.equal(subjectOf('ordiscan:DOG•GO•TO•THE•MOON/SATS'), 'DOG•GO•TO•THE•MOON');
  assert.equal(subjectOf('DOG•GO•TO•THE•MOON'), 'DOG•GO•TO•THE•MOON');
  assert.equal(subjectOf('eth'), 'ETH');
  assert.equal(subjectOf('not a market!'), null);
});
