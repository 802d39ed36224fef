import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CandleIndicatorsResponse } from '@runecast/contracts';
import type { ApiClient } from '../../lib/api-client.ts';
import { fetchIndicators, indicatorView, parseIndicatorList } from './indicator-series.ts';

const settings = {
  rsiPeriod: 14,
  macdFastPeriod: 12,
  macdSlowPeriod: 26,
  macdSignalPeriod: 9,
  bollingerPeriod: 20,
  bollingerDeviations: 2,
};

function answer(overrides: Partial<CandleIndicatorsResponse>): CandleIndicatorsResponse {
  return {
    series: 'binance:BTC/USDT:1m',
    timeframe: '1m',
    fromMs: 0,
    toMs: 180_000,
    derived: false,
    settings,
    times: [0, 60_000, 120_000],
    nextFromMs: null,
    ...overrides,
  };
}

describe('chart indicators', () => {
  test('the address names known indicators only, in the usual order', () => {
    assert.deepEqual(parseIndicatorList('macd,rsi,sma,volume'), ['rsi', 'macd', 'volume']);
    assert.deepEqual(parseIndicatorList(''), []);
    assert.deepEqual(parseIndicatorList(null), []);
  });

  test('RSI and MACD get a pane each under the candles; Bollinger stays over them; nulls are gaps', () => {
    const response = answer({
      rsi: [null, 55, 61],
      macd: { line: [null, 1, 2], signal: [null, null, 1.5], histogram: [null, null, 0.5] },
      bollinger: { upper: [null, 11, 12], middle: [null, 10, 10], lower: [null, 9, 8] },
    });
    const both = indicatorView(response, ['rsi', 'macd', 'bollinger']);
    assert.equal(both.rsi?.pane, 1);
    assert.equal(both.macd?.pane, 2);
    assert.deepEqual(both.rsi?.values, [
      { time: 60, value: 55 },
      { time: 120, value: 61 },
    ]);
    assert.deepEqual(both.macd?.histogram, [{ time: 120, value: 0.5 }]);
    assert.deepEqual(
      both.bollinger?.lower.map((point) => point.value),
      [9, 8],
    );
    assert.equal(both.labels.macd, 'MACD 12 26 9');

    const macdOnly = indicatorView(response, ['macd']);
    assert.equal(macdOnly.rsi, null);
    assert.equal(macdOnly.bollinger, null);
    assert.equal(macdOnly.macd?.pane, 1, 'MACD moves up when RSI is off');
  });

  test('pages are followed and joined, oldest first', async () => {
    const asked: Record<string, unknown>[] = [];
    const pages = [
      answer({ times: [0, 60_000], rsi: [null, 50], nextFromMs: 120_000 }),
      answer({ times: [120_000], rsi: [52], nextFromMs: null }),
    ];
    const api = {
      request: async (_path: string, options: { query: Record<string, unknown> }) => {
        asked.push(options.query);
        return structuredClone(pages[asked.length - 1]!);
      },
    } as unknown as ApiClient;
    const joined = await fetchIndicators(api, {
      series: 'binance:BTC/USDT:1m',
      indicators: ['rsi'],
      fromMs: 0,
      toMs: 180_000,
      limit: 2,
    });
    assert.deepEqual(joined.times, [0, 60_000, 120_000]);
    assert.deepEqual(joined.rsi, [null, 50, 52]);
    assert.deepEqual(
      asked.map((query) => [query.indicators, query.from]),
      [
        ['rsi', 0],
        ['rsi', 120_000],
      ],
    );
  });
});
