import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { indicatorWarmupCandles } from '@runecast/contracts';
import { alignCandlesToGrid } from '../src/features/candle-grid.ts';
import { buildFeatureMatrix, DEFAULT_FEATURE_SETTINGS } from '../src/features/feature-matrix.ts';
import { computePriceIndicators } from '../src/features/price-indicators.ts';
import { type ApiHarness, createApiHarness, minuteCandles } from './support/http/api-harness.ts';

const START_MS = Date.UTC(2024, 4, 1);
const COUNT = 900;
const SERIES = 'binance:BTC/USDT:1m';

interface IndicatorsAnswer {
  times: number[];
  derived: boolean;
  rsi?: (number | null)[];
  macd?: { line: (number | null)[]; signal: (number | null)[]; histogram: (number | null)[] };
  bollinger?: { upper: (number | null)[]; middle: (number | null)[]; lower: (number | null)[] };
  volume?: (number | null)[];
  nextFromMs: number | null;
}

const asNullable = (values: Float64Array) =>
  Array.from(values, (value) => (Number.isFinite(value) ? value : null));

describe('chart indicators served from the feature code', { timeout: 60_000 }, () => {
  let harness: ApiHarness;
  let token: string;
  const candles = minuteCandles('binance', 'BTC/USDT', START_MS, COUNT, 7);

  before(async () => {
    harness = await createApiHarness();
    await harness.store.candles.upsertCandles(candles);
    token = (await harness.createUser()).token;
  });

  after(async () => {
    await harness?.close();
  });

  const get = (query: string) =>
    harness.request({ method: 'GET', url: `/api/v1/candles/indicators?${query}`, token });

  test('RSI, MACD, Bollinger and volume equal the feature code’s output on the same candles', async () => {
    const fromIndex = 400;
    const fromMs = START_MS + fromIndex * 60_000;
    const response = await get(
      `series=${encodeURIComponent(SERIES)}&indicators=rsi,macd,bollinger,volume&from=${fromMs}&to=${START_MS + COUNT * 60_000}&limit=1000`,
    );
    assert.equal(response.statusCode, 200, response.body);
    const answer = response.json() as IndicatorsAnswer;
    const used = candles.slice(fromIndex - indicatorWarmupCandles);
    const expected = computePriceIndicators(alignCandlesToGrid(used, 'test'), DEFAULT_FEATURE_SETTINGS);
    const shown = (values: Float64Array) => asNullable(values.subarray(indicatorWarmupCandles));
    assert.deepEqual(
      answer.times,
      used.slice(indicatorWarmupCandles).map((candle) => candle.openTimeMs),
    );
    assert.deepEqual(answer.rsi, shown(expected.rsi));
    assert.deepEqual(answer.macd, {
      line: shown(expected.macdLine),
      signal: shown(expected.macdSignal),
      histogram: shown(expected.macdHistogram),
    });
    assert.deepEqual(answer.bollinger, {
      upper: shown(expected.bollingerUpper),
      middle: shown(expected.bollingerMiddle),
      lower: shown(expected.bollingerLower),
    });
    assert.deepEqual(
      answer.volume,
      used.slice(indicatorWarmupCandles).map((candle) => candle.volume),
    );
    assert.equal(answer.nextFromMs, null);
    // The warm-up fills every window: no gap at the left edge of the chart.
    assert.ok(answer.rsi!.every((value) => value !== null));

    // And the models are fed the same numbers, scaled: RSI as a fraction, MACD over the close.
    const matrix = buildFeatureMatrix({ candles: used, featureNames: ['rsi14', 'macdLine'] });
    const last = matrix.rows.at(-1)!;
    assert.equal(last[0], answer.rsi!.at(-1)! / 100);
    assert.equal(last[1], answer.macd!.line.at(-1)! / used.at(-1)!.close);
  });

  test('only the indicators asked for, paged like the candles', async () => {
    const response = await get(
      `series=${encodeURIComponent(SERIES)}&indicators=rsi&from=${START_MS}&to=${START_MS + COUNT * 60_000}&limit=100`,
    );
    assert.equal(response.statusCode, 200, response.body);
    const answer = response.json() as IndicatorsAnswer;
    assert.equal(answer.times.length, 100);
    assert.equal(answer.macd, undefined);
    assert.equal(answer.nextFromMs, START_MS + 100 * 60_000);
    // Without candles before the window, RSI waits for its 14 changes.
    assert.equal(answer.rsi![0], null);
    assert.equal(typeof answer.rsi![DEFAULT_FEATURE_SETTINGS.rsiPeriod], 'number');
  });

  test('larger timeframes are derived from 1m like the candle history', async () => {
    const response = await get(
      `series=${encodeURIComponent('binance:BTC/USDT:1h')}&indicators=volume,rsi&from=${START_MS}&to=${START_MS + COUNT * 60_000}`,
    );
    assert.equal(response.statusCode, 200, response.body);
    const answer = response.json() as IndicatorsAnswer;
    assert.equal(answer.derived, true);
    assert.ok(answer.times.length >= 14, `${answer.times.length} hours`);
  });

  test('bad input is refused with the field named, never a 500', async () => {
    const cases = [
      `series=${encodeURIComponent(SERIES)}&indicators=sma`,
      `series=${encodeURIComponent(SERIES)}&indicators=`,
      `series=${encodeURIComponent(SERIES)}&indicators=rsi,rsi`,
      `series=${encodeURIComponent(SERIES)}&indicators=rsi%00`,
      `series=${encodeURIComponent(SERIES)}`,
      `series=nonsense&indicators=rsi`,
      `series=${encodeURIComponent(SERIES)}&indicators=rsi&limit=0`,
      `series=${encodeURIComponent(SERIES)}&indicators=rsi&from=2024-06-02&to=2024-06-01`,
      `series=${encodeURIComponent(SERIES)}&indicators=rsi&extra=1`,
    ];
    for (const query of cases) {
      const response = await get(query);
      assert.ok(
        response.statusCode >= 400 && response.statusCode < 500,
        `${query}: ${response.statusCode} ${response.body}`,
      );
    }
    const empty = await get(`series=${encodeURIComponent('binance:ETH/USDT:1m')}&indicators=rsi`);
    assert.equal(empty.statusCode, 200, empty.body);
    assert.deepEqual((empty.json() as IndicatorsAnswer).times, []);
    const anonymous = await harness.request({
      method: 'GET',
      url: `/api/v1/candles/indicators?series=${encodeURIComponent(SERIES)}&indicators=rsi`,
    });
    assert.equal(anonymous.statusCode, 401);
  });
});
