import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AlertCondition, AlertRule } from '@runecast/contracts';
import { AlertEvaluator, type EvaluatedCandle } from './alert-evaluator.ts';
import { isInQuietHours, renderAlertMessage } from './alert-message.ts';

const SERIES = 'binance:BTC/USDT:1m';
const START_MS = Date.UTC(2026, 2, 2, 9, 0);

function rule(condition: AlertCondition, overrides: Partial<AlertRule> = {}): AlertRule {
  return {
    id: `00000000-0000-4000-8000-${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`,
    ownerUserId: '00000000-0000-4000-8000-000000000001',
    name: 'test rule',
    series: SERIES,
    condition,
    severity: 'warning',
    cooldownMinutes: 0,
    channelIds: [],
    template: null,
    quietHours: null,
    enabled: true,
    createdAtMs: 0,
    updatedAtMs: 0,
    ...overrides,
  };
}

function candles(closes: readonly number[], firstIndex = 0, volumes?: readonly number[]): EvaluatedCandle[] {
  return closes.map((close, index) => ({
    openTimeMs: START_MS + (firstIndex + index) * 60_000,
    close,
    volume: volumes?.[index] ?? 1,
    closed: true,
  }));
}

describe('alert evaluator', () => {
  test('a crossing fires on the crossing only, re-arms after clearing, and respects the cooldown', () => {
    const crossing = rule({ kind: 'price-cross', direction: 'above', level: 100 }, { cooldownMinutes: 10 });
    const evaluator = new AlertEvaluator([crossing]);
    // Already above on first sight: not a crossing.
    assert.equal(evaluator.onCandles(SERIES, '1m', candles([101, 102])).length, 0);
    assert.equal(evaluator.onCandles(SERIES, '1m', candles([99], 2)).length, 0);
    const fired = evaluator.onCandles(SERIES, '1m', candles([100.5, 101], 3));
    assert.equal(fired.length, 1, 'fires once while it stays above');
    assert.equal(fired[0]!.values.price, 100.5);
    assert.equal(fired[0]!.idempotencyKey, `${crossing.id}|${SERIES}|${START_MS + 3 * 60_000}`);
    // Below and above again within 10 minutes: the cooldown holds it back.
    assert.equal(evaluator.onCandles(SERIES, '1m', candles([99, 101], 5)).length, 0);
    // Below, then above after the cooldown: fires.
    assert.equal(
      evaluator.onCandles(SERIES, '1m', candles([99, 99, 99, 99, 99, 99, 99, 99, 101], 7)).length,
      1,
    );
    assert.ok(evaluator.takeChangedStates().length > 0);
    assert.equal(evaluator.takeChangedStates().length, 0, 'states are handed over once');
  });

  test('the same candle seen again (a late update of the same minute) does not fire twice', () => {
    const crossing = rule({ kind: 'price-cross', direction: 'below', level: 50 });
    const evaluator = new AlertEvaluator([crossing]);
    evaluator.onCandles(SERIES, '1m', candles([55]));
    const first = evaluator.onCandles(SERIES, '1m', candles([49], 1));
    const again = evaluator.onCandles(SERIES, '1m', candles([48], 1));
    assert.equal(first.length, 1);
    assert.equal(again.length, 0);
  });

  test('a move within a window fires on the size of the move, up or down', () => {
    const move = rule({ kind: 'move', percent: 5, windowMinutes: 3 });
    const evaluator = new AlertEvaluator([move]);
    assert.equal(evaluator.onCandles(SERIES, '1m', candles([100, 101, 102, 103])).length, 0);
    const down = evaluator.onCandles(SERIES, '1m', candles([96], 4));
    // 3 minutes before the candle at index 4 is the close at index 1 (101): -4.95% is not enough.
    assert.equal(down.length, 0);
    const fired = evaluator.onCandles(SERIES, '1m', candles([95], 5));
    assert.equal(fired.length, 1);
    assert.ok(Math.abs(fired[0]!.values.change! - ((95 - 102) / 102) * 100) < 1e-9);
  });

  test('a volume spike fires on its z-score against the lookback', () => {
    const spike = rule({ kind: 'volume-spike', zScore: 3, lookbackCandles: 10 });
    const evaluator = new AlertEvaluator([spike]);
    const volumes = [10, 11, 9, 10, 12, 8, 10, 11, 9, 10];
    assert.equal(evaluator.onCandles(SERIES, '1m', candles(Array(10).fill(100), 0, volumes)).length, 0);
    assert.equal(evaluator.onCandles(SERIES, '1m', candles([100], 10, [12])).length, 0);
    const fired = evaluator.onCandles(SERIES, '1m', candles([100], 11, [40]));
    assert.equal(fired.length, 1);
    assert.ok(fired[0]!.values.zScore! > 3);
  });

  test('forecast rules: a forecast far from the last close, and a price outside the 95% band', () => {
    const far = rule({ kind: 'forecast-move', percent: 2, horizonMinutes: 240 });
    const band = rule({ kind: 'forecast-band' });
    const evaluator = new AlertEvaluator([far, band]);
    evaluator.onCandles(SERIES, '1m', candles([100]));
    const forecast = {
      id: '7',
      horizonMinutes: 240,
      issuedAtMs: START_MS + 60_000,
      targetTimeMs: START_MS + 241 * 60_000,
      lastClose: 100,
      point: 103,
      lower95: 97,
      upper95: 104,
    };
    const fired = evaluator.onForecast(SERIES, '1m', forecast);
    assert.deepEqual(
      fired.map((firing) => firing.rule.id),
      [far.id],
    );
    assert.equal(
      evaluator.onForecast(SERIES, '1m', { ...forecast, id: '8', horizonMinutes: 1440 }).length,
      0,
    );
    assert.equal(evaluator.onCandles(SERIES, '1m', candles([103.9], 1)).length, 0, 'inside the band');
    const outside = evaluator.onCandles(SERIES, '1m', candles([104.5], 2));
    assert.deepEqual(
      outside.map((firing) => firing.rule.id),
      [band.id],
    );
    assert.match(outside[0]!.message, /left the forecast's 95% band \[97, 104\]/);
  });

  test('a rule on every series watches each series apart; a disabled rule watches none', () => {
    const everywhere = rule({ kind: 'price-cross', direction: 'above', level: 10 }, { series: null });
    const disabled = rule({ kind: 'price-cross', direction: 'above', level: 10 }, { enabled: false });
    const evaluator = new AlertEvaluator([everywhere, disabled]);
    for (const series of ['kraken:ETH/USD:1m', SERIES]) {
      evaluator.onCandles(series, '1m', candles([9]));
      const fired = evaluator.onCandles(series, '1m', candles([11], 1));
      assert.deepEqual(
        fired.map((firing) => [firing.rule.id, firing.series]),
        [[everywhere.id, series]],
      );
    }
    assert.equal(evaluator.ruleCount(), 1);
  });

  test('quiet hours in the owner time zone make a firing silent, across midnight too', () => {
    const quiet = { start: '22:00', end: '07:00', timeZone: 'Asia/Tokyo' };
    // 09:00 UTC is 18:00 in Tokyo: not quiet. 15:00 UTC is 00:00 in Tokyo: quiet.
    assert.equal(isInQuietHours(quiet, Date.UTC(2026, 2, 2, 9, 0)), false);
    assert.equal(isInQuietHours(quiet, Date.UTC(2026, 2, 2, 15, 0)), true);
    assert.equal(isInQuietHours(quiet, Date.UTC(2026, 2, 2, 21, 59)), true);
    assert.equal(isInQuietHours(quiet, Date.UTC(2026, 2, 2, 22, 0)), false);
    const crossing = rule({ kind: 'price-cross', direction: 'above', level: 100 }, { quietHours: quiet });
    const evaluator = new AlertEvaluator([crossing]);
    evaluator.onCandles(SERIES, '1m', candles([99]));
    const [firing] = evaluator.onCandles(SERIES, '1m', candles([101], 1));
    assert.equal(firing?.silent, false);
  });

  test('templates fill named fields and leave the rest of the text as written', () => {
    const templated = rule(
      { kind: 'price-cross', direction: 'above', level: 100 },
      { name: 'Breakout', template: '[{severity}] {rule} {series}: {price} at {time}' },
    );
    assert.equal(
      renderAlertMessage(templated, SERIES, { price: 101.123456789 }, START_MS),
      `[warning] Breakout ${SERIES}: 101.12346 at 2026-03-02T09:00:00.000Z`,
    );
  });

  test('stale: fires once per stall by the caller clock, a series never heard from counts from the start', () => {
    const quiet = rule({ kind: 'stale', afterMinutes: 10 });
    const watchedNever = rule({ kind: 'stale', afterMinutes: 5 }, { series: 'kraken:BTC/USD:1m' });
    const evaluator = new AlertEvaluator([quiet, watchedNever], [], START_MS);
    evaluator.onCandles(SERIES, '1m', candles([100]), START_MS);
    assert.deepEqual(evaluator.checkStale(START_MS + 4 * 60_000), []);
    const never = evaluator.checkStale(START_MS + 5 * 60_000);
    assert.deepEqual(
      never.map((firing) => [firing.rule.id, firing.series]),
      [[watchedNever.id, 'kraken:BTC/USD:1m']],
    );
    const stalled = evaluator.checkStale(START_MS + 10 * 60_000);
    assert.deepEqual(
      stalled.map((firing) => firing.rule.id),
      [quiet.id],
    );
    assert.equal(stalled[0]!.message, `test rule: no new candle of ${SERIES} for 10 min`);
    assert.deepEqual(evaluator.checkStale(START_MS + 20 * 60_000), [], 'once per stall');
    // A candle re-arms it; the next stall fires again.
    evaluator.onCandles(SERIES, '1m', candles([101], 1), START_MS + 21 * 60_000);
    assert.deepEqual(evaluator.checkStale(START_MS + 22 * 60_000), []);
    const again = evaluator.checkStale(START_MS + 31 * 60_000);
    assert.equal(again.length, 1);
    assert.notEqual(again[0]!.idempotencyKey, stalled[0]!.idempotencyKey);
  });

  test('job-failed: fires for the kinds asked for, only where the owner may read the job', () => {
    const anyJob = rule({ kind: 'job-failed' }, { series: null });
    const training = rule({ kind: 'job-failed', jobKinds: ['train'] }, { series: null });
    const evaluator = new AlertEvaluator([anyJob, training]);
    const job = {
      jobId: '00000000-0000-4000-8000-00000000000a',
      kind: 'predict',
      error: 'no model',
      atMs: START_MS,
    };
    assert.deepEqual(
      evaluator.onJobFailed(job, () => true).map((firing) => firing.rule.id),
      [anyJob.id],
    );
    const [failed] = evaluator.onJobFailed({ ...job, kind: 'train' }, () => true);
    assert.equal(failed?.message, `test rule: train job ${job.jobId} failed: no model`);
    assert.deepEqual(
      evaluator.onJobFailed(job, () => false),
      [],
      "another user's job is not told",
    );
  });
});

describe('operational rules', () => {
  const health = (state: 'ok' | 'degraded' | 'down', atMs: number, component = 'source:binance') => ({
    process: 'host-1',
    component,
    state,
    reason: state === 'ok' ? null : 'connection refused',
    atMs,
  });

  test('a component going down fires once, re-arms when it is ok again, and degraded only when asked', () => {
    const down = rule({ kind: 'component-unhealthy', components: ['source:*'] }, { series: null });
    const degraded = rule({ kind: 'component-unhealthy', includeDegraded: true }, { series: null });
    const evaluator = new AlertEvaluator([down, degraded]);
    const all = () => true;
    assert.deepEqual(
      evaluator.onComponentHealth(health('degraded', START_MS), all).map((f) => f.rule.id),
      [degraded.id],
    );
    const fired = evaluator.onComponentHealth(health('down', START_MS + 1), all);
    assert.deepEqual(
      fired.map((f) => f.rule.id),
      [down.id],
      'the degraded rule is still disarmed',
    );
    assert.equal(fired[0]!.series, 'health:host-1/source:binance');
    assert.equal(fired[0]!.message, 'test rule: source:binance is down: connection refused');
    assert.equal(evaluator.onComponentHealth(health('down', START_MS + 2), all).length, 0);
    assert.equal(evaluator.onComponentHealth(health('ok', START_MS + 3), all).length, 0);
    assert.equal(evaluator.onComponentHealth(health('down', START_MS + 4), all).length, 2);
    // Not a source: only the rule on every component hears of it; a rule its owner may not read, none.
    assert.deepEqual(
      evaluator.onComponentHealth(health('down', START_MS + 5, 'store'), all).map((f) => f.rule.id),
      [degraded.id],
    );
    assert.equal(evaluator.onComponentHealth(health('down', START_MS + 6, 'cache'), () => false).length, 0);
  });

  test('a model behind naive fires once it has enough scored forecasts, per model version, and re-arms when it recovers', () => {
    const behind = rule({ kind: 'model-behind-naive', relativeMae: 1.1, minScored: 20, horizonMinutes: 60 });
    const evaluator = new AlertEvaluator([behind]);
    const accuracy = (relativeMae: number, scored: number, lastTargetMs: number, modelVersionId = 7) => ({
      series: SERIES,
      modelVersionId,
      modelType: 'ridge',
      horizonMinutes: 60,
      scored,
      mae: relativeMae * 10,
      naiveMae: 10,
      relativeMae,
      lastTargetMs,
    });
    assert.equal(evaluator.onModelAccuracy(accuracy(1.5, 19, START_MS)).length, 0, 'too few scored');
    assert.equal(evaluator.onModelAccuracy(accuracy(1.05, 30, START_MS + 1)).length, 0, 'within the margin');
    const fired = evaluator.onModelAccuracy(accuracy(1.5, 30, START_MS + 2));
    assert.equal(fired.length, 1);
    assert.equal(fired[0]!.values.relativeMae, 1.5);
    assert.equal(
      fired[0]!.message,
      "test rule: ridge v7 on binance:BTC/USDT:1m (60 min) is behind naive: MAE 1.5× naive's over 30 scored forecasts",
    );
    assert.equal(
      evaluator.onModelAccuracy(accuracy(1.6, 31, START_MS + 3)).length,
      0,
      'once until it recovers',
    );
    assert.equal(evaluator.onModelAccuracy(accuracy(1.6, 31, START_MS + 3, 8)).length, 1, 'another version');
    assert.equal(
      evaluator.onModelAccuracy({ ...accuracy(2, 30, START_MS + 4), horizonMinutes: 240 }).length,
      0,
    );
    assert.equal(evaluator.onModelAccuracy(accuracy(0.9, 32, START_MS + 5)).length, 0);
    assert.equal(evaluator.onModelAccuracy(accuracy(1.2, 33, START_MS + 6)).length, 1);
  });
});
