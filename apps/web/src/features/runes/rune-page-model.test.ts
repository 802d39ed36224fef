import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricLabel, metricSource, sourceHealth, statColumns } from './rune-page-model.ts';

import type { RuneDetail } from '@runecast/contracts';

const stats: RuneDetail['stats'] = [
  { source: 'unisat', observedAtMs: 2, priceSats: 10, metrics: { holders: 5, price_usd: 0.1 } },
  { source: 'ordiscan', observedAtMs: 1, priceSats: 11, metrics: { volume_1d_btc: 2, price_usd: 0.11 } },
];

test('a metric is read from the primary provider when it has it, else from one that has', () => {
  assert.equal(metricSource({ source: 'ordiscan', stats }, 'price_usd'), 'ordiscan');
  assert.equal(metricSource({ source: 'ordiscan', stats }, 'holders'), 'unisat');
  assert.equal(metricSource({ source: 'ordiscan', stats }, 'sales_1d'), null);
});

test("source health keeps only the rune's providers' checks", () => {
  const check = (name: string) => ({ name, state: 'ok' as const, reason: null, checkedAtMs: 1 });
  const components = [
    check('store'),
    check('source:ordiscan'),
    check('source:binance'),
    check('source:unisat'),
  ];
  assert.deepEqual(
    sourceHealth(components, ['ordiscan', 'unisat']).map((component) => component.name),
    ['source:ordiscan', 'source:unisat'],
  );
  assert.deepEqual(sourceHealth(components, ['geniidata']), []);
});

test('the stats table has one column per metric any provider reported', () => {
  assert.deepEqual(statColumns(stats), ['holders', 'price_usd', 'volume_1d_btc']);
  assert.equal(metricLabel('volume_1d_btc'), 'volume 1d btc');
});
