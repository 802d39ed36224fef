import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultOverviewPanels, overviewPanels, userPreferencesSchema } from './preferences.schema.ts';

describe('workspace preferences schema', () => {
  test('an empty workspace takes every default, the watchlist first on the overview', () => {
    const parsed = userPreferencesSchema.parse({});
    assert.deepEqual(parsed, {
      watchlist: [],
      defaultSeries: null,
      defaultHorizonMinutes: null,
      timeZone: null,
      chart: { style: 'candles', showVolume: true, showIntervals: true, indicators: [], range: null },
      overviewPanels: [...defaultOverviewPanels],
    });
    assert.deepEqual([...defaultOverviewPanels].sort(), [...overviewPanels].sort(), 'every panel shown');
  });

  test('a workspace saved before the chart range existed keeps its values and gains the default', () => {
    const savedEarlier = {
      watchlist: ['binance:BTC/USDT:1m'],
      timeZone: 'Europe/Berlin',
      chart: { style: 'line', showVolume: false, showIntervals: true, indicators: ['rsi14'] },
      overviewPanels: ['markets', 'watchlist'],
    };
    const parsed = userPreferencesSchema.parse(savedEarlier);
    assert.deepEqual(parsed.chart, {
      style: 'line',
      showVolume: false,
      showIntervals: true,
      indicators: ['rsi14'],
      range: null,
    });
    assert.deepEqual(parsed.overviewPanels, ['markets', 'watchlist'], 'a saved layout is kept as saved');
    assert.equal(parsed.timeZone, 'Europe/Berlin');
  });

  test('a chart range is one of the picker’s spans', () => {
    assert.equal(userPreferencesSchema.parse({ chart: { range: '1W' } }).chart.range, '1W');
    const refused = userPreferencesSchema.safeParse({ chart: { range: '2W' } });
    assert.equal(refused.success, false);
    assert.deepEqual(refused.error?.issues[0]?.path, ['chart', 'range']);
    assert.match(refused.error?.issues[0]?.message ?? '', /must be one of 6H, 1D, 1W, 1M, 1Y, All/);
  });
});
