import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';

describe('a workspace of one’s own: preferences saved per user on the server', { timeout: 60_000 }, () => {
  let harness: ApiHarness;

  before(async () => {
    harness = await createApiHarness();
  });

  after(async () => {
    await harness?.close();
  });

  test('defaults until saved; saved preferences follow the user to a new log-in, and stay theirs', async () => {
    const owner = await harness.createUser();
    const other = await harness.createUser();
    const defaults = await harness.request({
      method: 'GET',
      url: '/api/v1/me/preferences',
      token: owner.token,
    });
    assert.equal(defaults.statusCode, 200);
    const initial = defaults.json() as {
      watchlist: string[];
      updatedAtMs: number | null;
      chart: { style: string };
    };
    assert.deepEqual(initial.watchlist, []);
    assert.equal(initial.updatedAtMs, null);
    assert.equal(initial.chart.style, 'candles');

    const saved = await harness.request({
      method: 'PUT',
      url: '/api/v1/me/preferences',
      token: owner.token,
      body: {
        watchlist: ['binance:BTC/USDT:1m', 'ordiscan:DOG•GO•TO•THE•MOON/SATS:5m'],
        defaultSeries: 'binance:BTC/USDT:1m',
        defaultHorizonMinutes: 240,
        timeZone: 'Asia/Tokyo',
        chart: { style: 'line', indicators: ['sma20', 'rsi14'], range: '1W' },
        overviewPanels: ['watchlist', 'forecasts'],
      },
    });
    assert.equal(saved.statusCode, 200, saved.body);

    // Another browser: a fresh log-in of the same user sees the same workspace.
    const again = await harness.login(owner.email, owner.password);
    const read = (
      await harness.request({ method: 'GET', url: '/api/v1/me/preferences', token: again })
    ).json() as {
      watchlist: string[];
      timeZone: string;
      chart: { style: string; showVolume: boolean; indicators: string[] };
      overviewPanels: string[];
      updatedAtMs: number;
    };
    assert.deepEqual(read.watchlist, ['binance:BTC/USDT:1m', 'ordiscan:DOG•GO•TO•THE•MOON/SATS:5m']);
    assert.equal(read.timeZone, 'Asia/Tokyo');
    assert.deepEqual(read.chart, {
      style: 'line',
      showVolume: true,
      showIntervals: true,
      indicators: ['sma20', 'rsi14'],
      range: '1W',
    });
    assert.deepEqual(read.overviewPanels, ['watchlist', 'forecasts']);
    assert.ok(read.updatedAtMs > 0);

    const others = (
      await harness.request({ method: 'GET', url: '/api/v1/me/preferences', token: other.token })
    ).json() as {
      watchlist: string[];
    };
    assert.deepEqual(others.watchlist, [], "another user's workspace is their own");
  });

  test('bad preferences are refused with the field named, and nothing saved is lost', async () => {
    const user = await harness.createUser();
    const good = { watchlist: ['kraken:BTC/USD:1m'] };
    assert.equal(
      (await harness.request({ method: 'PUT', url: '/api/v1/me/preferences', token: user.token, body: good }))
        .statusCode,
      200,
    );
    const bad: [unknown, RegExp][] = [
      [{ watchlist: ['not a series'] }, /watchlist/],
      [{ watchlist: ['kraken:BTC/USD:1m', 'kraken:BTC/USD:1m'] }, /twice/],
      [{ timeZone: 'Moon/Base' }, /IANA time zone/],
      [{ chart: { style: 'renko' } }, /candles or line/],
      [{ chart: { range: '2W' } }, /chart\.range/],
      [{ overviewPanels: ['stocks'] }, /overviewPanels/],
      [{ theme: 'dark' }, /theme/],
    ];
    for (const [body, message] of bad) {
      const response = await harness.request({
        method: 'PUT',
        url: '/api/v1/me/preferences',
        token: user.token,
        body,
      });
      assert.equal(response.statusCode, 400, `${JSON.stringify(body)} → ${response.body}`);
      assert.match(response.body, message);
    }
    const kept = (
      await harness.request({ method: 'GET', url: '/api/v1/me/preferences', token: user.token })
    ).json() as {
      watchlist: string[];
    };
    assert.deepEqual(kept.watchlist, ['kraken:BTC/USD:1m']);
  });

  test('a workspace saved by an older version is read with the newer fields at their defaults', async () => {
    const user = await harness.createUser();
    // As an older version saved it: no chart range, and the panels of its day.
    await harness.store.preferences.put(
      user.id,
      { watchlist: ['binance:ETH/USDT:1m'], chart: { style: 'line' }, overviewPanels: ['markets'] },
      Date.UTC(2026, 0, 1),
    );
    const read = (
      await harness.request({ method: 'GET', url: '/api/v1/me/preferences', token: user.token })
    ).json() as {
      watchlist: string[];
      chart: { style: string; range: string | null };
      overviewPanels: string[];
    };
    assert.deepEqual(read.watchlist, ['binance:ETH/USDT:1m']);
    assert.equal(read.chart.style, 'line');
    assert.equal(read.chart.range, null);
    assert.deepEqual(read.overviewPanels, ['markets']);
  });
});
