import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  candleHistoryResponseSchema,
  latestCandleResponseSchema,
  sessionResponseSchema,
  toCandleColumns,
  type CandleBatchMessage,
} from '@runecast/contracts';
import { rollupCandles } from '@runecast/market';
import { bookTopic, candlesTopic } from '../../../src/bus/topics.ts';
import { createLogTableDestination } from '../../../src/observability/log-table.destination.ts';
import {
  createApiHarness,
  HARNESS_ADMIN,
  minuteCandles,
  type ApiHarness,
  type ApiHarnessOptions,
} from './api-harness.ts';

const HOUR_MS = 3_600_000;
/** 2025-06-02 00:00 UTC, a Monday. */
const START_MS = Date.UTC(2025, 5, 2);
const WEEK_MINUTES = 7 * 24 * 60;

type Json = Record<string, unknown>;

/**
 * Every /api/v1 route doing its job, run against one store engine. `createOptions` picks the
 * engine (and cleans up after); the same suite runs on PGlite and PostgreSQL.
 */
export function describeApiRoutes(
  name: string,
  createOptions: () => Promise<{ options: ApiHarnessOptions; cleanup: () => Promise<void> }>,
): void {
  describe(`API routes on ${name}`, () => {
    let harness: ApiHarness;
    let cleanup: () => Promise<void> = async () => undefined;
    let adminToken: string;

    before(async () => {
      const created = await createOptions();
      cleanup = created.cleanup;
      harness = await createApiHarness(created.options);
      adminToken = await harness.adminToken();
      await harness.store.candles.upsertCandles(minuteCandles('binance', 'BTC/USDT', START_MS, WEEK_MINUTES));
    });

    after(async () => {
      await harness?.close();
      await cleanup();
    });

    const call = (method: string, url: string, token?: string, body?: unknown) =>
      harness.request({ method, url, token, body });

    describe('auth', () => {
      test('sign up, log in, me, refresh with rotation, reuse detection, log out', async () => {
        // A fresh install refuses sign-up until an admin turns it on.
        assert.deepEqual((await call('GET', '/api/v1/admin/settings', adminToken)).json(), {
          signupEnabled: false,
          apiKeyLifetimeDays: 90,
        });
        const closed = await call('POST', '/api/v1/auth/signup', undefined, {
          email: 'early@example.com',
          password: 'correct horse battery',
        });
        assert.equal(closed.statusCode, 403, closed.body);
        await call('PATCH', '/api/v1/admin/settings', adminToken, { signupEnabled: true });

        const signup = await call('POST', '/api/v1/auth/signup', undefined, {
          email: '  New.User@Example.com ',
          password: 'correct horse battery',
          displayName: 'New User',
        });
        assert.equal(signup.statusCode, 201, signup.body);
        const session = sessionResponseSchema.parse(signup.json());
        assert.equal(session.user.email, 'new.user@example.com');
        assert.equal(session.user.role, 'user');

        const duplicate = await call('POST', '/api/v1/auth/signup', undefined, {
          email: 'new.user@example.com',
          password: 'another password',
        });
        assert.equal(duplicate.statusCode, 409);
        assert.equal(duplicate.json().error.code, 'conflict');

        const login = await call('POST', '/api/v1/auth/login', undefined, {
          email: 'NEW.USER@example.com',
          password: 'correct horse battery',
        });
        assert.equal(login.statusCode, 200, login.body);
        const { accessToken, refreshToken } = login.json() as { accessToken: string; refreshToken: string };
        const me = await call('GET', '/api/v1/auth/me', accessToken);
        assert.equal(me.statusCode, 200);
        assert.equal(me.json().displayName, 'New User');

        const refreshed = await call('POST', '/api/v1/auth/refresh', undefined, { refreshToken });
        assert.equal(refreshed.statusCode, 200, refreshed.body);
        const next = refreshed.json() as { accessToken: string; refreshToken: string };
        assert.notEqual(next.refreshToken, refreshToken);
        assert.equal((await call('GET', '/api/v1/auth/me', next.accessToken)).statusCode, 200);

        // The old refresh token was used up: presenting it again ends the whole session.
        const reused = await call('POST', '/api/v1/auth/refresh', undefined, { refreshToken });
        assert.equal(reused.statusCode, 401);
        assert.equal(
          (await call('POST', '/api/v1/auth/refresh', undefined, { refreshToken: next.refreshToken }))
            .statusCode,
          401,
        );
        assert.equal((await call('GET', '/api/v1/auth/me', next.accessToken)).statusCode, 401);

        const second = await harness.login('new.user@example.com', 'correct horse battery');
        const logout = await call('POST', '/api/v1/auth/logout', second, {});
        assert.equal(logout.statusCode, 204, logout.body);
        assert.equal((await call('GET', '/api/v1/auth/me', second)).statusCode, 401);
      });

      test('a wrong password is refused without saying whether the email exists', async () => {
        const wrong = await call('POST', '/api/v1/auth/login', undefined, {
          email: HARNESS_ADMIN.email,
          password: 'nope-nope-nope',
        });
        const unknown = await call('POST', '/api/v1/auth/login', undefined, {
          email: 'ghost@example.com',
          password: 'nope-nope-nope',
        });
        assert.equal(wrong.statusCode, 401);
        assert.equal(unknown.statusCode, 401);
        assert.equal(wrong.json().error.message, unknown.json().error.message);
        const badBody = await call('POST', '/api/v1/auth/login', undefined, {
          email: 'not-an-email',
          password: 'x',
        });
        assert.equal(badBody.statusCode, 400);
        assert.match(badBody.json().error.message, /body\.email/);
      });

      test('updating me and changing the password ends the other sessions', async () => {
        const user = await harness.createUser();
        const patched = await call('PATCH', '/api/v1/auth/me', user.token, { displayName: 'Renamed' });
        assert.equal(patched.statusCode, 200, patched.body);
        assert.equal(patched.json().displayName, 'Renamed');
        const empty = await call('PATCH', '/api/v1/auth/me', user.token, {});
        assert.equal(empty.statusCode, 400);

        const wrongCurrent = await call('POST', '/api/v1/auth/me/password', user.token, {
          currentPassword: 'not the password',
          newPassword: 'a brand new password',
        });
        assert.equal(wrongCurrent.statusCode, 401);
        const tooShort = await call('POST', '/api/v1/auth/me/password', user.token, {
          currentPassword: user.password,
          newPassword: 'short',
        });
        assert.equal(tooShort.statusCode, 400);
        assert.match(tooShort.json().error.message, /body\.newPassword/);

        const changed = await call('POST', '/api/v1/auth/me/password', user.token, {
          currentPassword: user.password,
          newPassword: 'a brand new password',
        });
        assert.equal(changed.statusCode, 200, changed.body);
        assert.equal((await call('GET', '/api/v1/auth/me', user.token)).statusCode, 401);
        assert.equal((await call('GET', '/api/v1/auth/me', changed.json().accessToken)).statusCode, 200);
        await assert.rejects(harness.login(user.email, user.password));
        await harness.login(user.email, 'a brand new password');
      });
    });

    describe('admin', () => {
      test('users: list, create with a generated password, change role, disable, delete', async () => {
        const created = await call('POST', '/api/v1/admin/users', adminToken, {
          email: 'generated@example.com',
          generatePassword: true,
        });
        assert.equal(created.statusCode, 201, created.body);
        const { user, generatedPassword } = created.json() as {
          user: Json & { id: string };
          generatedPassword: string;
        };
        assert.equal(user.role, 'user');
        assert.ok(generatedPassword.length >= 20);
        const token = await harness.login('generated@example.com', generatedPassword);

        const listed = await call('GET', '/api/v1/admin/users?search=generated', adminToken);
        assert.equal(listed.statusCode, 200);
        assert.deepEqual(
          (listed.json().users as Json[]).map((item) => item.email),
          ['generated@example.com'],
        );

        assert.equal((await call('GET', '/api/v1/admin/users', token)).statusCode, 403);
        const promoted = await call('PATCH', `/api/v1/admin/users/${user.id}`, adminToken, { role: 'admin' });
        assert.equal(promoted.statusCode, 200);
        // The role is read per request, so the same token is an admin's now.
        assert.equal((await call('GET', '/api/v1/admin/users', token)).statusCode, 200);

        const disabled = await call('PATCH', `/api/v1/admin/users/${user.id}`, adminToken, {
          disabled: true,
        });
        assert.equal(disabled.statusCode, 200);
        assert.equal(disabled.json().disabled, true);
        // The audit log names the account an action touched by its email, not only its id.
        const audited = (await call('GET', '/api/v1/admin/audit-log?limit=20', adminToken)).json() as {
          entries: { target: string | null; targetEmail: string | null }[];
        };
        const aboutUser = audited.entries.filter((entry) => entry.target === user.id);
        assert.ok(aboutUser.length > 0, JSON.stringify(audited.entries.slice(0, 3)));
        assert.ok(aboutUser.every((entry) => entry.targetEmail === user.email));
        assert.equal((await call('GET', '/api/v1/auth/me', token)).statusCode, 401);
        await assert.rejects(harness.login('generated@example.com', generatedPassword));

        assert.equal((await call('DELETE', `/api/v1/admin/users/${user.id}`, adminToken)).statusCode, 204);
        assert.equal((await call('DELETE', `/api/v1/admin/users/${user.id}`, adminToken)).statusCode, 404);
        assert.equal(
          (await call('PATCH', '/api/v1/admin/users/not-a-uuid', adminToken, { role: 'user' })).statusCode,
          400,
        );
      });

      test('the last active admin cannot be demoted, disabled or deleted', async () => {
        const me = (await call('GET', '/api/v1/auth/me', adminToken)).json() as { id: string };
        const admins = (await call('GET', '/api/v1/admin/users?limit=500', adminToken)).json() as {
          users: { id: string; role: string; disabled: boolean }[];
        };
        for (const other of admins.users.filter(
          (item) => item.role === 'admin' && item.id !== me.id && !item.disabled,
        )) {
          await call('PATCH', `/api/v1/admin/users/${other.id}`, adminToken, { role: 'user' });
        }
        const demote = await call('PATCH', `/api/v1/admin/users/${me.id}`, adminToken, { role: 'user' });
        assert.equal(demote.statusCode, 409);
        assert.equal((await call('DELETE', `/api/v1/admin/users/${me.id}`, adminToken)).statusCode, 409);
        assert.equal((await call('GET', '/api/v1/admin/users', adminToken)).statusCode, 200);
      });

      test('sign-up can be turned off and on; the audit log records it', async () => {
        const off = await call('PATCH', '/api/v1/admin/settings', adminToken, { signupEnabled: false });
        assert.deepEqual(off.json(), { signupEnabled: false, apiKeyLifetimeDays: 90 });
        const refused = await call('POST', '/api/v1/auth/signup', undefined, {
          email: 'late@example.com',
          password: 'late password 1',
        });
        assert.equal(refused.statusCode, 403);
        assert.match(refused.json().error.message, /sign-up is turned off/);
        await call('PATCH', '/api/v1/admin/settings', adminToken, { signupEnabled: true });
        assert.deepEqual((await call('GET', '/api/v1/admin/settings', adminToken)).json(), {
          signupEnabled: true,
          apiKeyLifetimeDays: 90,
        });

        const audit = await call('GET', '/api/v1/admin/audit-log?limit=200', adminToken);
        assert.equal(audit.statusCode, 200);
        const actions = (audit.json().entries as { action: string; outcome: string }[]).map(
          (entry) => `${entry.action}:${entry.outcome}`,
        );
        for (const expected of [
          'settings.update:success',
          'auth.signup:failure',
          'auth.login:failure',
          'user.create:success',
        ]) {
          assert.ok(actions.includes(expected), `audit log lacks ${expected}`);
        }
      });

      test('secrets are stored sealed and never returned', async () => {
        const value = 'binance-secret-value-1234567890';
        assert.equal(
          (await call('PUT', '/api/v1/admin/secrets/binance.api-secret', adminToken, { value })).statusCode,
          204,
        );
        const listed = await call('GET', '/api/v1/admin/secrets', adminToken);
        assert.equal(listed.statusCode, 200);
        assert.doesNotMatch(listed.body, /binance-secret-value/);
        assert.deepEqual(
          (listed.json().secrets as Json[]).map((secret) => secret.name),
          ['binance.api-secret'],
        );
        const rows = await harness.db.query<{ sealed: string }>('SELECT sealed FROM secrets');
        assert.equal(rows.length, 1);
        assert.doesNotMatch(rows[0]!.sealed, /binance-secret-value/);
        assert.equal(await harness.app.apiContext.auth.secrets.reveal('binance.api-secret'), value);
        assert.equal(
          (await call('PUT', '/api/v1/admin/secrets/Bad Name', adminToken, { value })).statusCode,
          400,
        );
        assert.equal(
          (await call('DELETE', '/api/v1/admin/secrets/binance.api-secret', adminToken)).statusCode,
          204,
        );
        assert.equal(
          (await call('DELETE', '/api/v1/admin/secrets/binance.api-secret', adminToken)).statusCode,
          404,
        );
      });
    });

    describe('API keys', () => {
      test('created once, stored hashed, listed without secrets, usable, read-only, revocable', async () => {
        const user = await harness.createUser();
        const created = await call('POST', '/api/v1/api-keys', user.token, { name: 'script', scope: 'read' });
        assert.equal(created.statusCode, 201, created.body);
        const { key, apiKey } = created.json() as { key: string; apiKey: { id: string; prefix: string } };
        assert.match(key, /^rck_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
        assert.ok(key.startsWith(apiKey.prefix));
        const stored = await harness.db.query<{ secret_hash: string }>(
          'SELECT secret_hash FROM api_keys WHERE id = $1',
          [apiKey.id],
        );
        assert.ok(!key.includes(stored[0]!.secret_hash));

        const listed = await call('GET', '/api/v1/api-keys', user.token);
        assert.equal(listed.statusCode, 200);
        assert.ok(!listed.body.includes(key.slice(-43)));

        assert.equal(
          (await harness.request({ method: 'GET', url: '/api/v1/markets', headers: { 'x-api-key': key } }))
            .statusCode,
          200,
        );
        assert.equal((await call('GET', '/api/v1/auth/me', key)).statusCode, 200);
        const write = await call('POST', '/api/v1/markets', key, { exchange: 'binance', symbol: 'SOL/USDT' });
        assert.equal(write.statusCode, 403);
        assert.match(write.json().error.message, /read-only/);

        const past = await call('POST', '/api/v1/api-keys', user.token, {
          name: 'old',
          expiresAt: '2020-01-01T00:00:00Z',
        });
        assert.equal(past.statusCode, 422);
        assert.equal(past.json().error.details.field, 'expiresAt');

        assert.equal((await call('DELETE', `/api/v1/api-keys/${apiKey.id}`, user.token)).statusCode, 204);
        assert.equal((await call('GET', '/api/v1/markets', key)).statusCode, 401);
        assert.equal((await call('DELETE', `/api/v1/api-keys/${apiKey.id}`, user.token)).statusCode, 404);
        const other = await harness.createUser();
        const second = (await call('POST', '/api/v1/api-keys', user.token, { name: 'two' })).json() as {
          apiKey: { id: string };
        };
        assert.equal(
          (await call('DELETE', `/api/v1/api-keys/${second.apiKey.id}`, other.token)).statusCode,
          404,
        );
      });
    });

    describe('markets', () => {
      test('tracked list, add checked against the exchange, remove by admins', async () => {
        const user = await harness.createUser();
        const initial = await call('GET', '/api/v1/markets', user.token);
        assert.equal(initial.statusCode, 200);
        assert.ok(
          (initial.json().markets as Json[]).some(
            (market) => market.symbol === 'BTC/USDT' && market.configured,
          ),
        );

        const added = await call('POST', '/api/v1/markets', user.token, {
          exchange: 'binance',
          symbol: 'sol/usdt',
        });
        assert.equal(added.statusCode, 201, added.body);
        assert.equal(added.json().symbol, 'SOL/USDT');
        assert.equal(
          (await call('POST', '/api/v1/markets', user.token, { exchange: 'binance', symbol: 'SOL/USDT' }))
            .statusCode,
          409,
        );

        const unlisted = await call('POST', '/api/v1/markets', user.token, {
          exchange: 'binance',
          symbol: 'BTC/JPY',
        });
        assert.equal(unlisted.statusCode, 422);
        assert.equal(unlisted.json().error.details.field, 'symbol');
        assert.match(unlisted.json().error.message, /BTC\/USDT/);
        const unknownExchange = await call('POST', '/api/v1/markets', user.token, {
          exchange: 'nowhere',
          symbol: 'BTC/USDT',
        });
        assert.equal(unknownExchange.statusCode, 404);
        assert.equal(
          (await call('POST', '/api/v1/markets', user.token, { exchange: 'Binance!', symbol: 'BTC/USDT' }))
            .statusCode,
          400,
        );

        const tracked = (await call('GET', '/api/v1/markets', user.token)).json().markets as Json[];
        assert.ok(tracked.some((market) => market.symbol === 'SOL/USDT' && market.configured === false));

        assert.equal((await call('DELETE', '/api/v1/markets/binance/SOL-USDT', user.token)).statusCode, 403);
        assert.equal(
          (await call('DELETE', '/api/v1/markets/binance/SOL%2FUSDT', adminToken)).statusCode,
          204,
        );
        assert.equal((await call('DELETE', '/api/v1/markets/binance/SOL-USDT', adminToken)).statusCode, 404);
      });

      test("an exchange's markets, filtered and paged, loaded once", async () => {
        const source = harness.sources('kraken');
        const before = source.loadMarketsCalls;
        const all = await call('GET', '/api/v1/exchanges/kraken/markets', adminToken);
        assert.equal(all.statusCode, 200);
        assert.equal(all.json().total, 2);
        const filtered = await call('GET', '/api/v1/exchanges/kraken/markets?search=eth&limit=1', adminToken);
        assert.deepEqual(
          (filtered.json().markets as Json[]).map((market) => market.symbol),
          ['ETH/USD'],
        );
        assert.equal(source.loadMarketsCalls - before, 1);
        assert.equal((await call('GET', '/api/v1/exchanges/nowhere/markets', adminToken)).statusCode, 404);
        assert.equal(
          (await call('GET', '/api/v1/exchanges/kraken/markets?limit=0', adminToken)).statusCode,
          400,
        );
      });
    });

    describe('candles', () => {
      test('history as columns, with paging', async () => {
        const from = START_MS + 10 * 60_000;
        const page = await call(
          'GET',
          `/api/v1/candles?series=binance:BTC/USDT:1m&from=${from}&to=${from + HOUR_MS}&limit=25`,
          adminToken,
        );
        assert.equal(page.statusCode, 200, page.body);
        const body = candleHistoryResponseSchema.parse(page.json());
        assert.equal(body.times.length, 25);
        assert.equal(body.times[0], from);
        assert.equal(body.derived, false);
        assert.equal(body.nextFromMs, from + 25 * 60_000);
        const expected = minuteCandles('binance', 'BTC/USDT', START_MS, 40)[10]!;
        assert.equal(body.open[0], expected.open);
        assert.equal(body.close[0], expected.close);

        const rest = candleHistoryResponseSchema.parse(
          (
            await call(
              'GET',
              `/api/v1/candles?series=binance:BTC/USDT:1m&from=${body.nextFromMs}&to=${from + HOUR_MS}&limit=1000`,
              adminToken,
            )
          ).json(),
        );
        assert.equal(rest.times.length, 35);
        assert.equal(rest.nextFromMs, null);

        const iso = await call(
          'GET',
          '/api/v1/candles?series=binance:BTC/USDT:1m&from=2025-06-02T00:00:00Z&to=2025-06-02T01:00:00Z',
          adminToken,
        );
        assert.equal(iso.json().times.length, 60);
        const reversed = await call(
          'GET',
          `/api/v1/candles?series=binance:BTC/USDT:1m&from=${from + 1}&to=${from}`,
          adminToken,
        );
        assert.equal(reversed.statusCode, 400);
        assert.match(reversed.json().error.message, /query\.from/);
        assert.equal(
          (await call('GET', '/api/v1/candles?series=binance:BTC/USDT:2m', adminToken)).statusCode,
          400,
        );
        assert.equal(
          (await call('GET', '/api/v1/candles?series=binance:BTC/USDT:1m&limit=100001', adminToken))
            .statusCode,
          400,
        );
      });

      test('one week of 1m candles in one answer, and 1h derived from them', async () => {
        const week = candleHistoryResponseSchema.parse(
          (
            await call(
              'GET',
              `/api/v1/candles?series=binance:BTC/USDT:1m&from=${START_MS}&to=${START_MS + WEEK_MINUTES * 60_000}&limit=${WEEK_MINUTES}`,
              adminToken,
            )
          ).json(),
        );
        assert.equal(week.times.length, WEEK_MINUTES);

        const hourly = candleHistoryResponseSchema.parse(
          (
            await call(
              'GET',
              `/api/v1/candles?series=binance:BTC/USDT:1h&from=${START_MS}&to=${START_MS + 24 * HOUR_MS}`,
              adminToken,
            )
          ).json(),
        );
        assert.equal(hourly.derived, true);
        assert.equal(hourly.times.length, 24);
        const expected = rollupCandles(minuteCandles('binance', 'BTC/USDT', START_MS, 24 * 60), '1h');
        assert.deepEqual(
          hourly.times,
          expected.map((candle) => candle.openTimeMs),
        );
        assert.deepEqual(
          hourly.high,
          expected.map((candle) => candle.high),
        );
        assert.deepEqual(
          hourly.close,
          expected.map((candle) => candle.close),
        );
        for (let index = 0; index < 24; index += 1) {
          assert.ok(Math.abs(hourly.volume[index]! - expected[index]!.volume) < 1e-9);
        }

        const paged = candleHistoryResponseSchema.parse(
          (
            await call(
              'GET',
              `/api/v1/candles?series=binance:BTC/USDT:1h&from=${START_MS}&to=${START_MS + 24 * HOUR_MS}&limit=10`,
              adminToken,
            )
          ).json(),
        );
        assert.equal(paged.times.length, 10);
        assert.equal(paged.nextFromMs, START_MS + 10 * HOUR_MS);
      });

      test('latest candle, stored and derived; unknown series answer null', async () => {
        const latest = latestCandleResponseSchema.parse(
          (await call('GET', '/api/v1/candles/latest?series=binance:BTC/USDT:1m', adminToken)).json(),
        );
        assert.equal(latest.candle?.openTimeMs, START_MS + (WEEK_MINUTES - 1) * 60_000);
        const daily = latestCandleResponseSchema.parse(
          (await call('GET', '/api/v1/candles/latest?series=binance:BTC/USDT:1d', adminToken)).json(),
        );
        assert.equal(daily.derived, true);
        assert.equal(daily.candle?.openTimeMs, START_MS + 6 * 24 * HOUR_MS);
        const none = await call('GET', '/api/v1/candles/latest?series=kraken:BTC/USD:1m', adminToken);
        assert.equal(none.json().candle, null);
      });

      test('cached answers are dropped when new candles of the market arrive on the bus', async () => {
        const series = { exchange: 'binance', symbol: 'ETH/USDT', timeframe: '1m' as const };
        const first = minuteCandles('binance', 'ETH/USDT', START_MS, 3);
        await harness.store.candles.upsertCandles(first);
        const url = `/api/v1/candles?series=binance:ETH/USDT:1m&from=${START_MS}&to=${START_MS + HOUR_MS}`;
        const hits = () =>
          harness.app.apiContext.metrics.cache.hits
            .get()
            .then((metric) => metric.values.reduce((sum, value) => sum + value.value, 0));
        assert.equal((await call('GET', url, adminToken)).json().times.length, 3);
        const hitsBefore = await hits();
        assert.equal((await call('GET', url, adminToken)).json().times.length, 3);
        assert.equal(await hits(), hitsBefore + 1);

        const more = minuteCandles('binance', 'ETH/USDT', START_MS, 5).slice(3);
        await harness.store.candles.upsertCandles(more);
        // Stored but not announced yet: the cached answer stands.
        assert.equal((await call('GET', url, adminToken)).json().times.length, 3);
        const batch: CandleBatchMessage = {
          exchange: 'binance',
          symbol: 'ETH/USDT',
          timeframe: '1m',
          candles: toCandleColumns(more),
          source: { label: 'test', simulated: true },
        };
        await harness.bus.publish(candlesTopic(series), batch);
        await harness.bus.flush();
        assert.equal((await call('GET', url, adminToken)).json().times.length, 5);
        const latest = await call('GET', '/api/v1/candles/latest?series=binance:ETH/USDT:1m', adminToken);
        assert.equal(latest.json().candle.openTimeMs, START_MS + 4 * 60_000);
      });

      test('coverage of a series and the list of covered series', async () => {
        const series = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' as const };
        await harness.store.coverage.markFetched(
          series,
          { startMs: START_MS, endMs: START_MS + 10 * 60_000 },
          Array.from({ length: 8 }, (_, index) => START_MS + index * 60_000),
        );
        const coverage = await call(
          'GET',
          `/api/v1/coverage?series=binance:BTC/USDT:1m&from=${START_MS}&to=${START_MS + 20 * 60_000}`,
          adminToken,
        );
        assert.equal(coverage.statusCode, 200, coverage.body);
        assert.deepEqual(coverage.json().ranges, [
          { startMs: START_MS, endMs: START_MS + 8 * 60_000, state: 'complete' },
          { startMs: START_MS + 8 * 60_000, endMs: START_MS + 10 * 60_000, state: 'empty' },
          { startMs: START_MS + 10 * 60_000, endMs: START_MS + 20 * 60_000, state: 'missing' },
        ]);
        const listed = await call('GET', '/api/v1/coverage/series', adminToken);
        assert.ok((listed.json().series as string[]).includes('binance:BTC/USDT:1m'));
      });
    });

    describe('live stream', () => {
      test('Server-Sent Events carry new candles and top of book of the chosen series', async () => {
        await harness.app.listen({ host: '127.0.0.1', port: 0 });
        const { port } = harness.app.server.address() as AddressInfo;
        const events: { event: string; data: Json }[] = [];
        const user = await harness.createUser();
        const ticket = await harness.streamTicket(user.token);
        const response = await new Promise<IncomingMessage>((resolve, reject) => {
          const request = httpRequest({
            host: '127.0.0.1',
            port,
            path: `/api/v1/stream?series=${encodeURIComponent('binance:SOL/USDT:1m')}&ticket=${ticket}`,
          });
          request.on('response', resolve).on('error', reject).end();
        });
        assert.equal(response.statusCode, 200);
        assert.match(String(response.headers['content-type']), /text\/event-stream/);
        let buffer = '';
        const received = new Promise<void>((resolve) => {
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            buffer += chunk;
            let split = buffer.indexOf('\n\n');
            while (split >= 0) {
              const block = buffer.slice(0, split);
              buffer = buffer.slice(split + 2);
              const event = /^event: (.+)$/m.exec(block)?.[1];
              const data = /^data: (.+)$/m.exec(block)?.[1];
              if (event && data) events.push({ event, data: JSON.parse(data) as Json });
              if (
                events.some((item) => item.event === 'candles') &&
                events.some((item) => item.event === 'book')
              )
                resolve();
              split = buffer.indexOf('\n\n');
            }
          });
        });
        // Wait for `ready` so the subscription exists before publishing.
        while (!events.some((item) => item.event === 'ready'))
          await new Promise((resolve) => setTimeout(resolve, 5));
        const market = { exchange: 'binance', symbol: 'SOL/USDT' };
        await harness.bus.publish(candlesTopic({ ...market, timeframe: '5m' }), {
          ...market,
          timeframe: '5m',
          candles: toCandleColumns([
            {
              openTimeMs: START_MS,
              open: 1,
              high: 2,
              low: 1,
              close: 2,
              volume: 1,
              quoteVolume: null,
              tradeCount: null,
              closed: true,
            },
          ]),
          source: { label: 'test', simulated: true },
        });
        await harness.bus.publish(candlesTopic({ ...market, timeframe: '1m' }), {
          ...market,
          timeframe: '1m',
          candles: toCandleColumns([
            {
              openTimeMs: START_MS,
              open: 150,
              high: 151,
              low: 149,
              close: 150.5,
              volume: 3,
              quoteVolume: null,
              tradeCount: 7,
              closed: false,
            },
          ]),
          source: { label: 'test', simulated: true },
        });
        await harness.bus.publish(bookTopic(market), {
          ...market,
          timestampMs: START_MS,
          bidPrice: 150.4,
          bidSize: 2,
          askPrice: 150.6,
          askSize: 3,
          source: { label: 'test', simulated: false },
        });
        await received;
        response.destroy();
        const candles = events.filter((item) => item.event === 'candles');
        assert.equal(candles.length, 1, 'only the 1m series asked for');
        assert.equal(candles[0]!.data.series, 'binance:SOL/USDT:1m');
        assert.equal((candles[0]!.data.candles as Json[])[0]!.close, 150.5);
        const book = events.find((item) => item.event === 'book')!;
        assert.equal(book.data.askPrice, 150.6);
        assert.equal(book.data.simulated, false);
      });
    });

    describe('logs', () => {
      test('structured logs written through the pino destination are queried by level, component and text', async () => {
        const destination = createLogTableDestination(harness.store.logs, {
          flushIntervalMs: 60_000,
        });
        const timeMs = Date.now();
        const lines = [
          { level: 30, time: timeMs, component: 'ingest', msg: 'backfill started', exchange: 'binance' },
          {
            level: 50,
            time: timeMs + 1,
            component: 'ingest',
            msg: 'websocket dropped',
            err: { message: 'boom' },
          },
          { level: 40, time: timeMs + 2, component: 'http', msg: "slow request '; DROP TABLE logs; --" },
          { level: 20, time: timeMs + 3, msg: 'no component' },
        ];
        for (const line of lines) destination.write(`${JSON.stringify(line)}\n`);
        destination.write('not json\n');
        await destination.close();
        assert.equal(destination.stats().written, 4);

        const all = await call('GET', `/api/v1/logs?from=${timeMs}`, adminToken);
        assert.equal(all.statusCode, 200, all.body);
        assert.deepEqual(
          (all.json().entries as Json[]).map((entry) => entry.message),
          ['no component', "slow request '; DROP TABLE logs; --", 'websocket dropped', 'backfill started'],
        );
        const warnings = await call('GET', `/api/v1/logs?from=${timeMs}&level=warn`, adminToken);
        assert.deepEqual(
          (warnings.json().entries as Json[]).map((entry) => entry.level),
          ['warn', 'error'],
        );
        const ingest = await call(
          'GET',
          `/api/v1/logs?from=${timeMs}&component=ingest&search=WEBSOCKET`,
          adminToken,
        );
        const [entry] = ingest.json().entries as Json[];
        assert.equal(entry?.message, 'websocket dropped');
        assert.deepEqual(entry?.data, { err: { message: 'boom' } });
        const fallback = (all.json().entries as Json[])[0]!;
        assert.equal(fallback.component, 'runecast');

        const user = await harness.createUser();
        assert.equal((await call('GET', '/api/v1/logs', user.token)).statusCode, 403);
        assert.equal((await call('GET', '/api/v1/logs?level=loud', adminToken)).statusCode, 400);
      });
    });

    describe('health', () => {
      test('/health answers and /ready lists store, bus and cache', async () => {
        const health = await call('GET', '/health');
        assert.equal(health.statusCode, 200);
        assert.equal(health.json().status, 'ok');
        const ready = await call('GET', '/ready');
        assert.equal(ready.statusCode, 200, ready.body);
        assert.deepEqual(
          (ready.json().components as Json[]).map((component) => [component.name, component.state]),
          [
            ['store', 'ok'],
            ['bus', 'ok'],
            ['cache', 'ok'],
          ],
        );
      });
    });
  });
}
