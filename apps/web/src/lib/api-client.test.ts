import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sessionResponseSchema, userListResponseSchema, userSchema } from '@runecast/contracts';
import {
  createApiHarness,
  HARNESS_ADMIN,
  type ApiHarness,
} from '../../../server/test/support/http/api-harness.ts';
import {
  AccountDisabledError,
  ApiClient,
  ApiRequestError,
  SessionExpiredError,
  buildQueryString,
} from './api-client.ts';
import { SessionStore, type KeyValueStorage } from './session.store.ts';

class MemoryStorage implements KeyValueStorage {
  readonly values = new Map<string, string>();
  getItem(key: string) {
    return this.values.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.values.set(key, value);
  }
  removeItem(key: string) {
    this.values.delete(key);
  }
}

let harness: ApiHarness;
let baseUrl: string;

before(async () => {
  harness = await createApiHarness();
  await harness.app.listen({ host: '127.0.0.1', port: 0 });
  const address = harness.app.server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});

after(async () => {
  await harness.close();
});

async function loggedInClient(email = HARNESS_ADMIN.email, password = HARNESS_ADMIN.password) {
  const storage = new MemoryStorage();
  const sessions = new SessionStore(storage);
  const client = new ApiClient(sessions, baseUrl);
  const session = await client.request('/api/v1/auth/login', {
    method: 'POST',
    body: { email, password },
    schema: sessionResponseSchema,
    authenticated: false,
  });
  client.startSession(session);
  return { client, sessions, storage };
}

describe('ApiClient against the real API', () => {
  test('takes over a role change from the next answer, and ends a disabled account as disabled', async () => {
    const created = await harness.createUser('admin');
    const { client, sessions } = await loggedInClient(created.email, created.password);
    assert.equal(sessions.current?.user.role, 'admin');
    const admin = (await loggedInClient()).client;
    await admin.request(`/api/v1/admin/users/${created.id}`, {
      method: 'PATCH',
      body: { role: 'user' },
      schema: userSchema,
    });
    await client.request('/api/v1/auth/me', { schema: userSchema });
    assert.equal(sessions.current?.user.role, 'user', 'the demotion is seen without a reload');

    await admin.request(`/api/v1/admin/users/${created.id}`, {
      method: 'PATCH',
      body: { disabled: true },
      schema: userSchema,
    });
    await assert.rejects(client.request('/api/v1/auth/me', { schema: userSchema }), AccountDisabledError);
    assert.equal(sessions.current, null);
    assert.equal(sessions.lastEndReason, 'disabled');
  });

  test('logs in, keeps the session in storage, and calls authenticated routes', async () => {
    const { client, storage } = await loggedInClient();
    const me = await client.request('/api/v1/auth/me', { schema: userSchema });
    assert.equal(me.email, HARNESS_ADMIN.email);
    assert.equal(new SessionStore(storage).current?.user.email, HARNESS_ADMIN.email);
  });

  test('renews an access token about to expire, once for many concurrent requests', async () => {
    const { client, sessions } = await loggedInClient();
    const before = sessions.current!;
    sessions.save({ ...before, accessTokenExpiresAtMs: Date.now() + 1_000 });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => client.request('/api/v1/auth/me', { schema: userSchema })),
    );
    assert.equal(answers.length, 5);
    const after = sessions.current!;
    assert.notEqual(after.refreshToken, before.refreshToken);
    assert.ok(after.accessTokenExpiresAtMs > Date.now() + 60_000);
    // The old refresh token was used once, for that one renewal: it no longer works.
    const reuse = await fetch(`${baseUrl}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: before.refreshToken }),
    });
    assert.equal(reuse.status, 401);
  });

  test('renews after a 401 and repeats the request', async () => {
    const { client, sessions } = await loggedInClient();
    sessions.save({ ...sessions.current!, accessToken: 'not-a-valid-token' });
    const me = await client.request('/api/v1/auth/me', { schema: userSchema });
    assert.equal(me.email, HARNESS_ADMIN.email);
    assert.notEqual(sessions.current?.accessToken, 'not-a-valid-token');
  });

  test('ends the session as expired when renewal is refused', async () => {
    const { client, sessions } = await loggedInClient();
    sessions.save({
      ...sessions.current!,
      accessToken: 'not-a-valid-token',
      refreshToken: 'not-a-refresh-token',
    });
    await assert.rejects(client.request('/api/v1/auth/me', { schema: userSchema }), SessionExpiredError);
    assert.equal(sessions.current, null);
    assert.equal(sessions.lastEndReason, 'expired');
  });

  test("reports the API's error with its status, code and message", async () => {
    const user = await harness.createUser('user');
    const { client } = await loggedInClient(user.email, user.password);
    const error = await client.request('/api/v1/admin/users', { schema: userListResponseSchema }).then(
      () => null,
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof ApiRequestError);
    assert.equal(error.status, 403);
    assert.equal(error.code, 'forbidden');
    const invalid = await client
      .request('/api/v1/api-keys', { method: 'POST', body: { name: '' }, schema: userSchema })
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    assert.ok(invalid instanceof ApiRequestError);
    assert.equal(invalid.status, 400);
    assert.match(invalid.fieldMessage, /^name: /);
  });

  test('refuses an answer that does not match the contract', async () => {
    const { client } = await loggedInClient();
    await assert.rejects(
      client.request('/api/v1/auth/me', { schema: userListResponseSchema }),
      (error: unknown) => {
        assert.ok(error instanceof ApiRequestError);
        assert.equal(error.code, 'unexpected_answer');
        return true;
      },
    );
  });
});

test('query strings leave out empty values', () => {
  assert.equal(
    buildQueryString({ series: 'binance:BTC/USDT:1m', limit: 10, from: undefined, search: '' }),
    '?series=binance%3ABTC%2FUSDT%3A1m&limit=10',
  );
  assert.equal(buildQueryString(undefined), '');
});
