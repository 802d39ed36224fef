import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rune } from './runes-fixtures.ts';
import { describeForecast, filterRunes, formatSats, nextSort, sortRunes } from './runes-table-model.ts';

const forecast = (point: number, lastClose: number, horizonMinutes = 1440) => ({
  series: 'ordiscan:DOG•GO•TO•THE•MOON/SATS:5m',
  horizonMinutes,
  modelType: 'naive-volatility',
  modelVersionId: 3,
  issuedAtMs: 1,
  targetTimeMs: 2,
  lastClose,
  point,
  lower80: point - 111,
  upper80: point + 111,
  lower95: point - 200,
  upper95: point + 200,
});

const dog = rune({
  name: 'DOG•GO•TO•THE•MOON',
  priceSats: 1500,
  holders: 90_000,
  forecast: forecast(1345, 1300),
});
const pizza = rune({
  name: 'RSIC•GENESIS•RUNE',
  priceSats: 20,
  holders: null,
  forecast: forecast(19, 20, 240),
});
const cheap = rune({ name: 'SATOSHI•NAKAMOTO', priceSats: 3, holders: 12, id: '840000:3' });
const unpriced = rune({ name: 'ABC', priceSats: null, holders: 5 });

describe('runes table model', () => {
  test('sorts by a column either way, missing values last both ways', () => {
    const names = (list: { name: string }[]) => list.map((item) => item.name);
    const all = [cheap, unpriced, dog, pizza];
    assert.deepEqual(names(sortRunes(all, { key: 'priceSats', direction: 'ascending' })), [
      'SATOSHI•NAKAMOTO',
      'RSIC•GENESIS•RUNE',
      'DOG•GO•TO•THE•MOON',
      'ABC',
    ]);
    assert.deepEqual(names(sortRunes(all, { key: 'priceSats', direction: 'descending' })), [
      'DOG•GO•TO•THE•MOON',
      'RSIC•GENESIS•RUNE',
      'SATOSHI•NAKAMOTO',
      'ABC',
    ]);
    assert.deepEqual(names(sortRunes(all, { key: 'holders', direction: 'descending' })), [
      'DOG•GO•TO•THE•MOON',
      'SATOSHI•NAKAMOTO',
      'ABC',
      'RSIC•GENESIS•RUNE',
    ]);
    assert.deepEqual(names(sortRunes(all, { key: 'name', direction: 'ascending' })), [
      'ABC',
      'DOG•GO•TO•THE•MOON',
      'RSIC•GENESIS•RUNE',
      'SATOSHI•NAKAMOTO',
    ]);
    // By the forecast change: DOG up 3.5%, RSIC down 5%, the others have none.
    assert.deepEqual(names(sortRunes(all, { key: 'forecast', direction: 'descending' })).slice(0, 2), [
      'DOG•GO•TO•THE•MOON',
      'RSIC•GENESIS•RUNE',
    ]);
  });

  test('a click on the sorted column flips it; another column starts at its natural direction', () => {
    assert.deepEqual(nextSort({ key: 'holders', direction: 'descending' }, 'holders'), {
      key: 'holders',
      direction: 'ascending',
    });
    assert.deepEqual(nextSort({ key: 'holders', direction: 'ascending' }, 'priceSats'), {
      key: 'priceSats',
      direction: 'descending',
    });
    assert.deepEqual(nextSort({ key: 'holders', direction: 'descending' }, 'name'), {
      key: 'name',
      direction: 'ascending',
    });
  });

  test('filters by name in any spelling, and by id', () => {
    const all = [dog, pizza, cheap, unpriced];
    assert.deepEqual(
      filterRunes(all, 'dog.go').map((item) => item.name),
      ['DOG•GO•TO•THE•MOON'],
    );
    assert.deepEqual(
      filterRunes(all, 'to the moon').map((item) => item.name),
      ['DOG•GO•TO•THE•MOON'],
    );
    assert.deepEqual(
      filterRunes(all, '840000:3').map((item) => item.name),
      ['SATOSHI•NAKAMOTO'],
    );
    assert.equal(filterRunes(all, '  ').length, 4);
    assert.deepEqual(filterRunes(all, 'nothing like it'), []);
  });

  test('describes a forecast by direction, horizon and 80% band in sats', () => {
    assert.deepEqual(describeForecast(forecast(1345, 1300)), {
      direction: 'up',
      text: '▲ 24h 1,234–1,456 sats',
    });
    assert.deepEqual(describeForecast(forecast(19, 20, 240)).direction, 'down');
    assert.match(describeForecast(forecast(19, 20, 240)).text, /^▼ 4h /);
    assert.equal(describeForecast(forecast(20, 20)).direction, 'flat');
    assert.equal(formatSats(0.01234), '0.01234');
    assert.equal(formatSats(null), '—');
  });
});
