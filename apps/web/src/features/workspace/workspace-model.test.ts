import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { userPreferencesSchema } from '@runecast/contracts';
import { formatDate, formatTime } from '../../lib/format.ts';
import {
  chartIndicatorsOf,
  moveChoice,
  panelChoices,
  shownPanels,
  validatePreferences,
} from './workspace-model.ts';

describe('workspace model', () => {
  test('the layout editor lists shown panels in order, then the hidden ones, and saves only the shown', () => {
    const choices = panelChoices(['markets', 'watchlist']);
    assert.deepEqual(
      choices.map((choice) => `${choice.panel}:${choice.shown}`),
      [
        'markets:true',
        'watchlist:true',
        'forecasts:false',
        'runes:false',
        'training:false',
        'health:false',
        'alerts:false',
      ],
    );
    const moved = moveChoice(choices, 1, -1);
    assert.deepEqual(shownPanels(moved), ['watchlist', 'markets']);
    assert.deepEqual(moveChoice(moved, 0, -1), moved, 'the first line cannot go higher');
    assert.deepEqual(shownPanels(moveChoice(choices, 6, 1)), ['markets', 'watchlist']);
  });

  test('saved chart indicators become the market chart’s, moving averages it does not draw left out', () => {
    const chart = userPreferencesSchema.parse({
      chart: { indicators: ['sma20', 'rsi14', 'macd', 'bollinger'], showVolume: true },
    }).chart;
    assert.deepEqual(chartIndicatorsOf(chart), ['rsi', 'macd', 'bollinger', 'volume']);
    assert.deepEqual(chartIndicatorsOf({ ...chart, indicators: [], showVolume: false }), []);
  });

  test('problems are keyed by their field path', () => {
    const checked = validatePreferences({ timeZone: 'Nowhere/Else', chart: { range: '5Y' } });
    assert.equal(checked.ok, false);
    assert.deepEqual(checked.ok ? null : Object.keys(checked.errors).sort(), ['chart.range', 'timeZone']);
  });

  test('times are shown in the chosen zone, with the zone named', () => {
    const instant = Date.UTC(2026, 0, 1, 15, 4, 5);
    assert.equal(formatTime(instant, 'UTC'), '2026-01-01 15:04 UTC');
    assert.equal(formatTime(instant, 'Asia/Tokyo'), '2026-01-02 00:04 GMT+9');
    assert.equal(formatTime(instant, 'America/New_York', true), '2026-01-01 10:04:05 EST');
    assert.equal(formatDate(instant, 'Asia/Tokyo'), '2026-01-02');
    assert.equal(formatTime(null, 'Asia/Tokyo'), '—');
  });
});
