import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { closesCandles } from './support/alert-fixtures.ts';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';

const MINUTE_MS = 60_000;

const SERIES = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' } as const;
/** Closed 1m candles of binance BTC/USDT, one per close, from `startMs`. */
const candles = (startMs: number, closes: readonly number[]) =>
  closesCandles(SERIES, closes, startMs, MINUTE_MS);

const cycle = [...Array<number>(30).fill(100), ...Array<number>(30).fill(110)];

describe('previewing a rule over the last 7 days of stored candles', { timeout: 120_000 }, () => {
  let harness: ApiHarness;
  let user: { id: string; token: string };
  let startMs = 0;

  const preview = async (body: unknown, token = user.token) => {
    const response = await harness.request({
      method: 'POST',
      url: '/api/v1/alerts/rules/preview',
      token,
      body,
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };
  const crossing = (extra: Record<string, unknown> = {}) => ({
    name: 'BTC above 105',
    series: 'binance:BTC/USDT:1m',
    condition: { kind: 'price-cross', direction: 'above', level: 105 },
    template: '{rule}: {series} at {price}',
    ...extra,
  });

  before(async () => {
    harness = await createApiHarness();
    user = await harness.createUser();
    const nowMs = Date.now();
    // Three hours of 30 minutes at 100 then 30 at 110, ending ten minutes ago: three crossings.
    startMs = Math.floor((nowMs - 3 * 3_600_000 - 10 * MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
    await harness.store.candles.upsertCandles(candles(startMs, [...cycle, ...cycle, ...cycle]));
    // A crossing eight days ago is outside the span.
    const oldMs = Math.floor((nowMs - 8 * 24 * 3_600_000) / MINUTE_MS) * MINUTE_MS;
    await harness.store.candles.upsertCandles(candles(oldMs, cycle));
  });

  after(() => harness?.close());

  test('counts the crossings of the last 7 days, when they were, and renders the latest message', async () => {
    const answer = await preview(crossing({ cooldownMinutes: 0 }));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.available, true);
    assert.equal(answer.body.series, 'binance:BTC/USDT:1m');
    assert.equal(answer.body.candles, 180);
    assert.equal(answer.body.firingCount, 3);
    const firings = answer.body.firings as { firedAtMs: number; values: Record<string, number> }[];
    // Each fires when the first candle at 110 closes.
    assert.deepEqual(
      firings.map((firing) => firing.firedAtMs),
      [30, 90, 150].map((minute) => startMs + (minute + 1) * MINUTE_MS),
    );
    assert.equal(firings[0]?.values.price, 110);
    assert.equal(answer.body.latestMessage, 'BTC above 105: binance:BTC/USDT:1m at 110');
    assert.ok((answer.body.toMs as number) - (answer.body.fromMs as number) === 7 * 24 * 3_600_000);

    // Nothing was stored: no rule, no firing.
    const rules = await harness.request({ method: 'GET', url: '/api/v1/alerts/rules', token: user.token });
    assert.deepEqual(rules.json(), { rules: [] });
    const history = await harness.request({
      method: 'GET',
      url: '/api/v1/alerts/history',
      token: user.token,
    });
    assert.equal((history.json() as { openCount: number }).openCount, 0);
  });

  test('cooldown is applied as the alerts role would', async () => {
    const answer = await preview(crossing({ cooldownMinutes: 90 }));
    assert.equal(answer.body.firingCount, 2);
  });

  test('a series with no stored candles fires nothing', async () => {
    const answer = await preview(crossing({ series: 'binance:ETH/USDT:1m' }));
    assert.equal(answer.status, 200);
    assert.deepEqual(
      {
        candles: answer.body.candles,
        firingCount: answer.body.firingCount,
        latest: answer.body.latestMessage,
      },
      { candles: 0, firingCount: 0, latest: null },
    );
  });

  test('forecast, stale, job and security kinds say plainly that they cannot be previewed', async () => {
    for (const condition of [
      { kind: 'forecast-band' },
      { kind: 'forecast-move', percent: 3 },
      { kind: 'stale', afterMinutes: 10 },
      { kind: 'job-failed' },
    ]) {
      const answer = await preview({ name: 'x', series: 'binance:BTC/USDT:1m', condition });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.available, false);
      assert.match(
        answer.body.reason as string,
        new RegExp(`^preview not available for ${condition.kind} rules`),
      );
    }
  });

  test('bad input answers 400 with the field, never 500', async () => {
    const cases: [unknown, RegExp][] = [
      [crossing({ series: undefined }), /body\.series: a preview needs one series/],
      [crossing({ condition: { kind: 'price-cross', direction: 'up', level: 1 } }), /direction/],
      [crossing({ series: 'nope' }), /series/],
      [{ name: 'x', condition: { kind: 'security' } }, /security rules are for admins/],
      [crossing({ extra: true }), /extra/],
    ];
    for (const [body, message] of cases) {
      const answer = await preview(body);
      assert.equal(answer.status, 400, `${JSON.stringify(body)} → ${answer.status}`);
      const error = answer.body.error as { code: string; message: string };
      assert.equal(error.code, 'validation_failed');
      assert.match(error.message, message);
    }
    const anonymous = await harness.request({
      method: 'POST',
      url: '/api/v1/alerts/rules/preview',
      body: crossing(),
    });
    assert.equal(anonymous.statusCode, 401);
  });
});
