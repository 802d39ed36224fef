import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { AccessTokenService } from '../src/auth/access-token.service.ts';
import type { RegisteredRoute } from '../src/http/route-access.ts';
import { createApiHarness, HARNESS_ADMIN, type ApiHarness } from './support/http/api-harness.ts';
import { openEventStreamClient, type EventStreamClient } from './support/http/event-stream-client.ts';

const TOKEN_KEY = randomBytes(64);

/** Sample values that pass each path parameter's schema, so a refusal is about access, not input. */
const PARAM_SAMPLES: Record<string, string> = {
  userId: '00000000-0000-4000-8000-000000000000',
  keyId: 'abcdefghijkl',
  exchange: 'binance',
  symbol: 'BTC-USDT',
  name: 'sample.secret',
  versionId: '1',
  metric: 'holders',
  jobId: '00000000-0000-4000-8000-000000000000',
  id: '00000000-0000-4000-8000-000000000000',
};

function concreteUrl(route: RegisteredRoute): string {
  return route.url.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const sample = PARAM_SAMPLES[name];
    if (sample === undefined) throw new Error(`no sample value for path parameter :${name} of ${route.url}`);
    return sample;
  });
}

/** The routes a caller may use without credentials; anything else public is a mistake. */
const EXPECTED_PUBLIC = new Set([
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/signup',
  'POST /api/v1/auth/refresh',
  'GET /health',
  'GET /ready',
  'GET /metrics',
]);

function isDocsRoute(route: RegisteredRoute): boolean {
  return route.url === '/docs' || route.url.startsWith('/docs/');
}

function assertErrorShape(body: string, code: string): void {
  const parsed = JSON.parse(body) as { error: { code: string; message: string; details: unknown } };
  assert.equal(parsed.error.code, code, body);
  assert.equal(typeof parsed.error.message, 'string');
  assert.ok('details' in parsed.error);
}

describe('API security', () => {
  let harness: ApiHarness;
  let routes: RegisteredRoute[];
  let adminToken: string;
  let userToken: string;
  let userId: string;

  before(async () => {
    harness = await createApiHarness({
      dependencies: { authKeys: { tokenKey: TOKEN_KEY, secretsKey: randomBytes(32) } },
      environment: { RUNECAST_CORS_ORIGINS: 'https://dashboard.example.com' },
    });
    routes = harness.app.registeredRoutes.filter((route) => route.method !== 'OPTIONS');
    adminToken = await harness.adminToken();
    const user = await harness.createUser();
    userToken = user.token;
    userId = user.id;
  });

  after(() => harness.close());

  const inject = (method: string, url: string, headers: Record<string, string> = {}, body?: unknown) =>
    harness.app.inject({
      method: method as 'GET',
      url,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });

  test('the server lists its routes, and only the expected ones are public', () => {
    assert.ok(routes.length >= 30, `only ${routes.length} routes registered`);
    const publicRoutes = routes
      .filter((route) => route.access === 'public' && !isDocsRoute(route) && route.method !== 'HEAD')
      .map((route) => `${route.method} ${route.url}`);
    assert.deepEqual(new Set(publicRoutes), EXPECTED_PUBLIC);
    for (const route of routes.filter((item) => item.url.startsWith('/api/'))) {
      assert.ok(route.url.startsWith('/api/v1/'), `${route.url} is outside /api/v1`);
    }
  });

  test('every protected route answers 401 without credentials', async () => {
    const protectedRoutes = routes.filter((route) => route.access !== 'public');
    assert.ok(protectedRoutes.length >= 20);
    for (const route of protectedRoutes) {
      const response = await inject(
        route.method,
        concreteUrl(route),
        {},
        route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
      );
      assert.equal(response.statusCode, 401, `${route.method} ${route.url}: ${response.body}`);
      if (route.method !== 'HEAD') assertErrorShape(response.body, 'unauthorized');
      assert.match(String(response.headers['www-authenticate']), /^Bearer/);
    }
  });

  test('every admin route answers 403 to a user token', async () => {
    const adminRoutes = routes.filter((route) => route.access === 'admin');
    assert.ok(adminRoutes.length >= 10);
    for (const route of adminRoutes) {
      const response = await inject(
        route.method,
        concreteUrl(route),
        { authorization: `Bearer ${userToken}` },
        route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
      );
      assert.equal(response.statusCode, 403, `${route.method} ${route.url}: ${response.body}`);
      if (route.method !== 'HEAD') assertErrorShape(response.body, 'forbidden');
    }
  });

  test('tampered, expired, wrong-key, unsigned and malformed tokens are refused', async () => {
    const me = (token: string) => inject('GET', '/api/v1/auth/me', { authorization: `Bearer ${token}` });
    assert.equal((await me(userToken)).statusCode, 200);

    const [header, payload, signature] = userToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000001' }),
    ).toString('base64url');
    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
    const tampered = [
      `${header}.${forgedPayload}.${signature}`,
      `${header}.${payload}.${flipped}`,
      `${header}.${payload}.`,
    ];
    for (const token of tampered) {
      const response = await me(token);
      assert.equal(response.statusCode, 401, token);
      assertErrorShape(response.body, 'unauthorized');
    }

    const subject = { userId, sessionId: null };
    const wrongKey = await new AccessTokenService(randomBytes(64), { ttlSeconds: 900 }).issue(subject);
    assert.equal((await me(wrongKey.token)).statusCode, 401);

    const expired = await new AccessTokenService(TOKEN_KEY, {
      ttlSeconds: 60,
      now: () => Date.now() - 3_600_000,
    }).issue(subject);
    const expiredResponse = await me(expired.token);
    assert.equal(expiredResponse.statusCode, 401);
    assert.match(expiredResponse.json().error.message, /expired/);

    const otherIssuer = await new AccessTokenService(TOKEN_KEY, {
      ttlSeconds: 900,
      issuer: 'someone-else',
    }).issue(subject);
    assert.equal((await me(otherIssuer.token)).statusCode, 401);

    const unsignedHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    assert.equal((await me(`${unsignedHeader}.${payload}.`)).statusCode, 401);

    const noIssueTime = await new SignJWT({ sid: null })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuer('runecast')
      .setAudience('runecast-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti('x')
      .sign(TOKEN_KEY);
    assert.equal((await me(noIssueTime)).statusCode, 401);

    for (const authorization of [
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer a b',
      'rck_x',
      `Bearer ${'x'.repeat(5000)}`,
    ]) {
      const response = await inject('GET', '/api/v1/auth/me', { authorization });
      assert.equal(response.statusCode, 401, authorization);
    }
    assert.equal(
      (await inject('GET', '/api/v1/auth/me', { 'x-api-key': 'rck_abcdefghijkl_' + 'A'.repeat(43) }))
        .statusCode,
      401,
    );
  });

  test('a token of a deleted user and a revoked or expired API key are refused', async () => {
    const doomed = await harness.createUser();
    const key = (
      await inject('POST', '/api/v1/api-keys', { authorization: `Bearer ${doomed.token}` }, { name: 'k' })
    ).json() as { key: string; apiKey: { id: string } };
    assert.equal((await inject('GET', '/api/v1/markets', { 'x-api-key': key.key })).statusCode, 200);
    assert.equal(
      (
        await inject('DELETE', `/api/v1/api-keys/${key.apiKey.id}`, {
          authorization: `Bearer ${doomed.token}`,
        })
      ).statusCode,
      204,
    );
    const revoked = await inject('GET', '/api/v1/markets', { 'x-api-key': key.key });
    assert.equal(revoked.statusCode, 401);
    assert.match(revoked.json().error.message, /revoked/);

    const expiring = (
      await inject(
        'POST',
        '/api/v1/api-keys',
        { authorization: `Bearer ${doomed.token}` },
        { name: 'soon', expiresAt: Date.now() + 300 },
      )
    ).json() as { key: string };
    assert.equal(
      (await inject('GET', '/api/v1/markets', { authorization: `Bearer ${expiring.key}` })).statusCode,
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    const expired = await inject('GET', '/api/v1/markets', { authorization: `Bearer ${expiring.key}` });
    assert.equal(expired.statusCode, 401);
    assert.match(expired.json().error.message, /expired/);

    assert.equal(
      (await inject('DELETE', `/api/v1/admin/users/${doomed.id}`, { authorization: `Bearer ${adminToken}` }))
        .statusCode,
      204,
    );
    assert.equal(
      (await inject('GET', '/api/v1/auth/me', { authorization: `Bearer ${doomed.token}` })).statusCode,
      401,
    );
  });

  test('failed log-ins slow down the failing address, never the right password from a clean one', async () => {
    const victim = await harness.createUser();
    const login = (remoteAddress: string, email: string, password: string) =>
      harness.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ email, password }),
      });
    const attack = async (email: string, remoteAddress: string) => {
      const answers = [];
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        answers.push(await login(remoteAddress, email, `wrong-${attempt}-password`));
      }
      return answers;
    };
    const known = await attack(victim.email, '10.9.0.1');
    assert.deepEqual(
      known.map((answer) => answer.statusCode),
      [401, 401, 401, 401, 429],
    );
    assertErrorShape(known[4]!.body, 'login_throttled');
    assert.ok(Number(known[4]!.headers['retry-after']) >= 1);
    const sameAddress = await login('10.9.0.1', victim.email, victim.password);
    assert.equal(sameAddress.statusCode, 429, 'the failing address waits, even with the right password');

    const clean = await login('10.9.0.2', victim.email, victim.password);
    assert.equal(clean.statusCode, 200, `the right password from a clean address: ${clean.body}`);

    // An email without an account gets exactly the same answers.
    const unknown = await attack('nobody-here@example.com', '10.9.0.3');
    assert.deepEqual(
      unknown.map((answer) => [answer.statusCode, answer.body, answer.headers['retry-after']]),
      known.map((answer) => [answer.statusCode, answer.body, answer.headers['retry-after']]),
    );

    const audit = (
      await inject('GET', '/api/v1/admin/audit-log?action=auth.login&limit=50', {
        authorization: `Bearer ${adminToken}`,
      })
    ).json() as { entries: { target: string; outcome: string; details: { reason?: string } }[] };
    const reasons = audit.entries
      .filter((entry) => entry.target === victim.email && entry.outcome === 'failure')
      .map((entry) => entry.details.reason);
    assert.deepEqual(reasons, [
      'throttled',
      'throttled',
      'wrong_password',
      'wrong_password',
      'wrong_password',
      'wrong_password',
    ]);
  });

  test('a burst of failed log-ins against one email is counted in the metrics', async () => {
    const victim = await harness.createUser();
    for (let index = 0; index < 20; index += 1) {
      const response = await harness.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: `10.8.${Math.floor(index / 200)}.${index % 200}`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ email: victim.email, password: `guess-${index}-password` }),
      });
      assert.equal(response.statusCode, 401);
    }
    const metrics = (await inject('GET', '/metrics')).body;
    assert.match(metrics, /runecast_auth_login_bursts_total\{scope="account"\} 1\b/);
  });

  test('a control character in a text field is refused as bad input, never a server error', async () => {
    const admin = { authorization: `Bearer ${adminToken}` };
    const user = { authorization: `Bearer ${userToken}` };
    const cases: [string, string, Record<string, string>, unknown][] = [
      ['PATCH', '/api/v1/auth/me', user, { displayName: 'Ann\u0000' }],
      ['POST', '/api/v1/api-keys', user, { name: 'key\u0000' }],
      ['GET', '/api/v1/admin/users?search=a%00b', admin, undefined],
      ['GET', '/api/v1/admin/audit-log?action=auth.login%00', admin, undefined],
      ['POST', '/api/v1/auth/signup', {}, { email: 'new@example.com', password: 'pass\u0000word-long' }],
      [
        'POST',
        '/api/v1/auth/signup',
        {},
        { email: 'new2@example.com', password: 'long-password', displayName: 'x\u001b[31m' },
      ],
      ['POST', '/api/v1/auth/login', {}, { email: 'a\u0000@example.com', password: 'whatever-password' }],
      ['GET', '/api/v1/logs?search=%C2%85', admin, undefined],
      ['GET', '/api/v1/exchanges/binance/markets?search=%7F', user, undefined],
    ];
    for (const [method, url, headers, body] of cases) {
      const response = await inject(method, url, headers, body);
      assert.equal(response.statusCode, 400, `${method} ${url}: ${response.body}`);
      assertErrorShape(response.body, 'validation_failed');
      assert.match(response.json().error.message, /control characters/);
    }
    // Tab and line breaks stay allowed where text may span lines (a PEM key as a secret).
    const secret = await inject('PUT', '/api/v1/admin/secrets/some.key', admin, {
      value: '-----BEGIN KEY-----\n\tabc\r\n-----END KEY-----',
    });
    assert.equal(secret.statusCode, 204, secret.body);
  });

  test('every text field of every request refuses control characters in its schema', async () => {
    const document = (await inject('GET', '/docs/json')).json() as {
      paths: Record<
        string,
        Record<
          string,
          { parameters?: { in: string; name: string; schema: unknown }[]; requestBody?: unknown }
        >
      >;
    };
    const samples = ['ok\u0000', 'ok\u001b', 'ok\u007f', 'ok\u0085'];
    const unsafe: string[] = [];
    let checked = 0;
    const visit = (schema: unknown, where: string): void => {
      if (schema === null || typeof schema !== 'object') return;
      const node = schema as Record<string, unknown>;
      if (node.type === 'string' && node.enum === undefined && node.const === undefined) {
        checked += 1;
        const patterns = [node, ...((node.allOf as Record<string, unknown>[] | undefined) ?? [])]
          .map((part) => part.pattern)
          .filter((pattern): pattern is string => typeof pattern === 'string')
          .map((pattern) => new RegExp(pattern, 'u'));
        const refusesAll = samples.every((sample) => patterns.some((pattern) => !pattern.test(sample)));
        if (!refusesAll) unsafe.push(where);
        return;
      }
      for (const [key, child] of Object.entries(node)) {
        if (Array.isArray(child)) child.forEach((item, index) => visit(item, `${where}.${key}[${index}]`));
        else visit(child, `${where}.${key}`);
      }
    };
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const parameter of operation.parameters ?? [])
          visit(parameter.schema, `${method.toUpperCase()} ${path} ${parameter.in}.${parameter.name}`);
        visit(operation.requestBody, `${method.toUpperCase()} ${path} body`);
      }
    }
    assert.ok(checked >= 50, `only ${checked} text fields found`);
    assert.deepEqual(unsafe, []);
  });

  test("a user's job is seen and cancelled only by its owner and admins; others get 404", async () => {
    const owner = await harness.createUser();
    const other = await harness.createUser();
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const started = await inject('POST', '/api/v1/forecasts/on-demand', as(owner.token), {
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '1h',
      horizonMinutes: 240,
    });
    assert.equal(started.statusCode, 202, started.body);
    const job = started.json() as { id: string; ownerUserId: string | null };
    assert.equal(job.ownerUserId, owner.id);

    for (const [method, url] of [
      ['GET', `/api/v1/jobs/${job.id}`],
      ['GET', `/api/v1/jobs/${job.id}/events`],
      ['POST', `/api/v1/jobs/${job.id}/cancel`],
      ['GET', `/api/v1/models/backtests/${job.id}`],
    ] as const) {
      const response = await inject(method, url, as(other.token));
      assert.equal(response.statusCode, 404, `${method} ${url}: ${response.body}`);
      assertErrorShape(response.body, 'not_found');
    }
    const listed = (token: string) =>
      inject('GET', '/api/v1/jobs?limit=500', as(token)).then((response) =>
        (response.json() as { jobs: { id: string }[] }).jobs.map((item) => item.id),
      );
    assert.ok(!(await listed(other.token)).includes(job.id), 'listed to another user');
    assert.ok((await listed(owner.token)).includes(job.id));
    assert.ok((await listed(adminToken)).includes(job.id));
    assert.equal((await inject('GET', `/api/v1/jobs/${job.id}`, as(adminToken))).statusCode, 200);
    assert.equal((await inject('GET', `/api/v1/jobs/${job.id}`, as(owner.token))).statusCode, 200);
    const cancelled = await inject('POST', `/api/v1/jobs/${job.id}/cancel`, as(owner.token));
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    assert.equal((cancelled.json() as { state: string }).state, 'cancelled');

    // A job of the system (the scheduler's) is read by every user and cancelled by admins only.
    const { job: systemJob } = await harness.forecasting.queue.repository.enqueue({
      kind: 'noop-security-check',
      payload: {},
    });
    assert.equal(systemJob.ownerUserId, null);
    assert.equal((await inject('GET', `/api/v1/jobs/${systemJob.id}`, as(other.token))).statusCode, 200);
    assert.ok((await listed(other.token)).includes(systemJob.id));
    const refused = await inject('POST', `/api/v1/jobs/${systemJob.id}/cancel`, as(other.token));
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(
      (await inject('POST', `/api/v1/jobs/${systemJob.id}/cancel`, as(adminToken))).statusCode,
      200,
    );
  });

  test("a user's API keys are seen and revoked only by their owner; others get 404", async () => {
    const owner = await harness.createUser();
    const other = await harness.createUser();
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const created = (await inject('POST', '/api/v1/api-keys', as(owner.token), { name: 'mine' })).json() as {
      apiKey: { id: string };
      key: string;
    };
    const otherList = (await inject('GET', '/api/v1/api-keys', as(other.token))).json() as {
      apiKeys: { id: string }[];
    };
    assert.ok(!otherList.apiKeys.some((key) => key.id === created.apiKey.id));
    const revoke = await inject('DELETE', `/api/v1/api-keys/${created.apiKey.id}`, as(other.token));
    assert.equal(revoke.statusCode, 404, revoke.body);
    assertErrorShape(revoke.body, 'not_found');
    assert.equal((await inject('GET', '/api/v1/markets', { 'x-api-key': created.key })).statusCode, 200);
    assert.equal(
      (await inject('DELETE', `/api/v1/api-keys/${created.apiKey.id}`, as(owner.token))).statusCode,
      204,
    );
  });

  test('an API key cannot make keys, expires within the lifetime admins set, and shows where it was last used', async () => {
    const owner = await harness.createUser();
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const before = Date.now();
    const made = await inject('POST', '/api/v1/api-keys', as(owner.token), { name: 'script' });
    assert.equal(made.statusCode, 201, made.body);
    const key = made.json() as { key: string; apiKey: { id: string; expiresAtMs: number } };
    const ninetyDaysMs = 90 * 86_400_000;
    assert.ok(
      key.apiKey.expiresAtMs >= before + ninetyDaysMs && key.apiKey.expiresAtMs <= Date.now() + ninetyDaysMs,
    );

    const minted = await inject('POST', '/api/v1/api-keys', { 'x-api-key': key.key }, { name: 'child' });
    assert.equal(minted.statusCode, 403, minted.body);
    assertErrorShape(minted.body, 'forbidden');

    const tooLong = await inject('POST', '/api/v1/api-keys', as(owner.token), {
      name: 'forever',
      expiresAt: Date.now() + 200 * 86_400_000,
    });
    assert.equal(tooLong.statusCode, 422, tooLong.body);

    const settings = await inject('PATCH', '/api/v1/admin/settings', as(adminToken), {
      apiKeyLifetimeDays: 10,
    });
    assert.equal(settings.statusCode, 200, settings.body);
    assert.equal((settings.json() as { apiKeyLifetimeDays: number }).apiKeyLifetimeDays, 10);
    const short = (await inject('POST', '/api/v1/api-keys', as(owner.token), { name: 'short' })).json() as {
      apiKey: { expiresAtMs: number };
    };
    assert.ok(short.apiKey.expiresAtMs <= Date.now() + 10 * 86_400_000);
    await inject('PATCH', '/api/v1/admin/settings', as(adminToken), { apiKeyLifetimeDays: 90 });

    const used = await harness.app.inject({
      method: 'GET',
      url: '/api/v1/markets',
      remoteAddress: '10.7.0.9',
      headers: { 'x-api-key': key.key },
    });
    assert.equal(used.statusCode, 200);
    let shown: { lastUsedAtMs: number | null; lastUsedIp: string | null } | undefined;
    for (let attempt = 0; attempt < 50 && shown?.lastUsedIp !== '10.7.0.9'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      shown = (
        (await inject('GET', '/api/v1/api-keys', as(owner.token))).json() as {
          apiKeys: { id: string; lastUsedAtMs: number | null; lastUsedIp: string | null }[];
        }
      ).apiKeys.find((item) => item.id === key.apiKey.id);
    }
    assert.equal(shown?.lastUsedIp, '10.7.0.9');
    assert.ok((shown?.lastUsedAtMs ?? 0) >= before);
  });

  test('a password change revokes API keys (unless asked not to), and so may log-out everywhere', async () => {
    const user = await harness.createUser();
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const makeKey = async (token: string) =>
      ((await inject('POST', '/api/v1/api-keys', as(token), { name: 'k' })).json() as { key: string }).key;
    const works = async (key: string) =>
      (await inject('GET', '/api/v1/markets', { 'x-api-key': key })).statusCode === 200;

    const kept = await makeKey(user.token);
    const changedKeeping = await inject('POST', '/api/v1/auth/me/password', as(user.token), {
      currentPassword: user.password,
      newPassword: 'second-password-1',
      revokeApiKeys: false,
    });
    assert.equal(changedKeeping.statusCode, 200, changedKeeping.body);
    assert.ok(await works(kept), 'kept when asked');

    let token = (changedKeeping.json() as { accessToken: string }).accessToken;
    const changed = await inject('POST', '/api/v1/auth/me/password', as(token), {
      currentPassword: 'second-password-1',
      newPassword: 'third-password-1',
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.ok(!(await works(kept)), 'revoked by default on a password change');

    token = (changed.json() as { accessToken: string }).accessToken;
    const survivor = await makeKey(token);
    assert.equal(
      (await inject('POST', '/api/v1/auth/logout', as(token), { allSessions: true })).statusCode,
      204,
    );
    assert.ok(await works(survivor), 'log-out everywhere keeps keys unless asked');
    token = await harness.login(user.email, 'third-password-1');
    assert.equal(
      (await inject('POST', '/api/v1/auth/logout', as(token), { allSessions: true, revokeApiKeys: true }))
        .statusCode,
      204,
    );
    assert.ok(!(await works(survivor)), 'log-out everywhere with revokeApiKeys');
  });

  test('disabling an account revokes its API keys, so enabling it again does not revive them', async () => {
    const user = await harness.createUser();
    const key = (
      (
        await inject('POST', '/api/v1/api-keys', { authorization: `Bearer ${user.token}` }, { name: 'k' })
      ).json() as {
        key: string;
      }
    ).key;
    const admin = { authorization: `Bearer ${adminToken}` };
    assert.equal(
      (await inject('PATCH', `/api/v1/admin/users/${user.id}`, admin, { disabled: true })).statusCode,
      200,
    );
    assert.equal((await inject('GET', '/api/v1/markets', { 'x-api-key': key })).statusCode, 401);
    assert.equal(
      (await inject('PATCH', `/api/v1/admin/users/${user.id}`, admin, { disabled: false })).statusCode,
      200,
    );
    const after = await inject('GET', '/api/v1/markets', { 'x-api-key': key });
    assert.equal(after.statusCode, 401, after.body);
    assert.match(after.json().error.message, /revoked/);
  });

  test('a disabled account gets account_disabled, not an expired session, and answers carry the current role', async () => {
    const user = await harness.createUser('admin');
    const admin = { authorization: `Bearer ${adminToken}` };
    const own = { authorization: `Bearer ${user.token}` };
    assert.equal((await inject('GET', '/api/v1/markets', own)).headers['x-runecast-role'], 'admin');
    assert.equal(
      (await inject('PATCH', `/api/v1/admin/users/${user.id}`, admin, { role: 'user' })).statusCode,
      200,
    );
    const demoted = await inject('GET', '/api/v1/admin/users', own);
    assert.equal(demoted.statusCode, 403);
    assert.equal(demoted.headers['x-runecast-role'], 'user', 'a refused answer says the role too');

    const login = await inject(
      'POST',
      '/api/v1/auth/login',
      {},
      { email: user.email, password: user.password },
    );
    const refreshToken = (login.json() as { refreshToken: string }).refreshToken;
    assert.equal(
      (await inject('PATCH', `/api/v1/admin/users/${user.id}`, admin, { disabled: true })).statusCode,
      200,
    );
    const answers = [
      await inject('GET', '/api/v1/markets', own),
      await inject('POST', '/api/v1/auth/login', {}, { email: user.email, password: user.password }),
    ];
    for (const answer of answers) {
      assert.equal(answer.statusCode, 401, answer.body);
      assert.equal(answer.json().error.code, 'account_disabled', answer.body);
      assert.match(answer.json().error.message, /disabled/);
    }
    // Disabling ends the sessions; the refresh token answers that the session has ended.
    const refreshed = await inject('POST', '/api/v1/auth/refresh', {}, { refreshToken });
    assert.equal(refreshed.statusCode, 401);
  });

  test('live streams take a single-use ticket in the URL, never a token or key', async () => {
    if (!harness.app.server.listening) await harness.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = harness.app.server.address() as AddressInfo;
    const statusOf = (path: string) =>
      new Promise<number>((resolve, reject) => {
        httpGet({ host: '127.0.0.1', port, path }, (response) => {
          resolve(response.statusCode ?? 0);
          response.destroy();
        }).on('error', reject);
      });
    const user = await harness.createUser();
    const key = (
      (
        await inject('POST', '/api/v1/api-keys', { authorization: `Bearer ${user.token}` }, { name: 'k' })
      ).json() as {
        key: string;
      }
    ).key;
    const series = encodeURIComponent('binance:BTC/USDT:1m');
    for (const credential of [user.token, key]) {
      assert.equal(await statusOf(`/api/v1/stream?series=${series}&access_token=${credential}`), 401);
      assert.equal(await statusOf(`/api/v1/jobs/events?access_token=${credential}`), 401);
    }

    const ticket = await harness.streamTicket(user.token);
    assert.match(ticket, /^rst_/);
    assert.equal(await statusOf(`/api/v1/stream?series=${series}&ticket=${ticket}`), 200);
    assert.equal(
      await statusOf(`/api/v1/stream?series=${series}&ticket=${ticket}`),
      401,
      'a ticket works once',
    );
    // A ticket is no credential for anything but a stream.
    const other = await harness.streamTicket(user.token);
    assert.equal((await inject('GET', `/api/v1/markets?ticket=${other}`)).statusCode, 401);
    assert.equal(await statusOf(`/api/v1/jobs/events?ticket=${other}`), 200);
    // Read-only keys may ask for tickets too.
    const keyTicket = await inject('POST', '/api/v1/stream/tickets', { 'x-api-key': key });
    assert.equal(keyTicket.statusCode, 201, keyTicket.body);

    // A ticket is checked against the caller as they are when it is used.
    const pending = await harness.streamTicket(user.token);
    assert.equal(
      (
        await inject(
          'PATCH',
          `/api/v1/admin/users/${user.id}`,
          { authorization: `Bearer ${adminToken}` },
          { disabled: true },
        )
      ).statusCode,
      200,
    );
    assert.equal(await statusOf(`/api/v1/stream?series=${series}&ticket=${pending}`), 401);
  });

  test('security headers, CORS allow-list and body size limit', async () => {
    const health = await inject('GET', '/health', { origin: 'https://dashboard.example.com' });
    assert.equal(health.headers['x-content-type-options'], 'nosniff');
    assert.ok(health.headers['content-security-policy']);
    assert.ok(health.headers['strict-transport-security']);
    assert.equal(health.headers['access-control-allow-origin'], 'https://dashboard.example.com');
    const foreign = await inject('GET', '/health', { origin: 'https://evil.example.com' });
    assert.equal(foreign.headers['access-control-allow-origin'], undefined);
    const preflight = await inject('OPTIONS', '/api/v1/markets', {
      origin: 'https://dashboard.example.com',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    });
    assert.equal(preflight.statusCode, 204);
    assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);

    const huge = await inject(
      'POST',
      '/api/v1/auth/login',
      {},
      { email: HARNESS_ADMIN.email, password: 'x'.repeat(200_000) },
    );
    assert.equal(huge.statusCode, 413);
    assertErrorShape(huge.body, 'payload_too_large');
    const notJson = await harness.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    assert.equal(notJson.statusCode, 400);
    assertErrorShape(notJson.body, 'validation_failed');
    const wrongType = await harness.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<login/>',
    });
    assert.equal(wrongType.statusCode, 415);
    assertErrorShape(wrongType.body, 'unsupported_media_type');
    const missing = await inject('GET', '/nothing-here');
    assert.equal(missing.statusCode, 404);
    assertErrorShape(missing.body, 'not_found');
  });
});

describe('API rate limits', () => {
  let harness: ApiHarness;

  before(async () => {
    harness = await createApiHarness({ limits: { perIp: 40, perUser: 15, credentialAttemptsPerIp: 8 } });
  });

  after(() => harness.close());

  const from = (remoteAddress: string, method: string, url: string, token?: string, body?: unknown) =>
    harness.app.inject({
      method: method as 'GET',
      url,
      remoteAddress,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(body === undefined ? {} : { payload: body as object }),
    });

  test('log-in attempts per IP answer 429 past the limit', async () => {
    let limited = null;
    for (let attempt = 1; attempt <= 12 && limited === null; attempt += 1) {
      const response = await from('10.0.0.1', 'POST', '/api/v1/auth/login', undefined, {
        email: `nobody${attempt}@example.com`,
        password: 'wrong password',
      });
      if (response.statusCode === 429) limited = { attempt, response };
      else assert.equal(response.statusCode, 401);
    }
    assert.ok(limited, 'no 429 after 12 attempts');
    assert.equal(limited.attempt, 9);
    assertErrorShape(limited.response.body, 'rate_limited');
    assert.ok(Number(limited.response.headers['retry-after']) >= 1);
    // Another address is not affected.
    const other = await from('10.0.0.2', 'POST', '/api/v1/auth/login', undefined, HARNESS_ADMIN);
    assert.equal(other.statusCode, 200);
  });

  test('requests per user answer 429 past the limit, whichever address they come from', async () => {
    const token = (
      (await from('10.0.1.1', 'POST', '/api/v1/auth/login', undefined, HARNESS_ADMIN)).json() as {
        accessToken: string;
      }
    ).accessToken;
    const statuses: number[] = [];
    for (let index = 0; index < 18; index += 1) {
      statuses.push((await from(`10.0.2.${index}`, 'GET', '/api/v1/markets', token)).statusCode);
    }
    assert.deepEqual(statuses.slice(0, 15), Array(15).fill(200));
    assert.deepEqual(statuses.slice(15), [429, 429, 429]);
  });

  test('requests per IP answer 429 past the limit; health and metrics stay reachable', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 45; index += 1)
      statuses.push((await from('10.0.3.1', 'GET', '/api/v1/markets')).statusCode);
    assert.deepEqual(statuses.slice(0, 40), Array(40).fill(401));
    assert.deepEqual(statuses.slice(40), Array(5).fill(429));
    assert.equal((await from('10.0.3.1', 'GET', '/health')).statusCode, 200);
    assert.equal((await from('10.0.3.1', 'GET', '/metrics')).statusCode, 200);
  });
});

describe('live streams and revoked access', () => {
  let harness: ApiHarness;
  let port: number;

  before(async () => {
    harness = await createApiHarness({
      limits: { streamRecheckIntervalMs: 300, accountStateCacheTtlMs: 50 },
    });
    await harness.app.listen({ host: '127.0.0.1', port: 0 });
    port = (harness.app.server.address() as AddressInfo).port;
  });

  after(() => harness.close());

  const series = encodeURIComponent('binance:BTC/USDT:1m');
  const open = async (token: string, path: string) => {
    const stream = await openEventStreamClient(port, `${path}ticket=${await harness.streamTicket(token)}`);
    assert.equal(stream.statusCode, 200);
    await stream.waitFor((event) => event.event === 'ready', 5_000);
    return stream;
  };
  const assertClosedForAccess = async (stream: EventStreamClient, withinMs: number) => {
    const started = Date.now();
    const error = await stream.waitFor((event) => event.event === 'error', withinMs);
    // A disabled account says so; a revoked session or key is plainly unauthorized.
    assert.ok(
      ['unauthorized', 'account_disabled'].includes(error.data.code as string),
      String(error.data.code),
    );
    await stream.ended;
    return Date.now() - started;
  };

  test('disabling a user closes their open streams at once', async () => {
    const user = await harness.createUser();
    const market = await open(user.token, `/api/v1/stream?series=${series}&`);
    const jobs = await open(user.token, '/api/v1/jobs/events?');
    const response = await harness.request({
      method: 'PATCH',
      url: `/api/v1/admin/users/${user.id}`,
      token: await harness.adminToken(),
      body: { disabled: true },
    });
    assert.equal(response.statusCode, 200);
    assert.ok((await assertClosedForAccess(market, 2_000)) < 2_000);
    await assertClosedForAccess(jobs, 2_000);
  });

  test('revoking the API key a stream was opened with closes it', async () => {
    const user = await harness.createUser();
    const created = (
      await harness.request({
        method: 'POST',
        url: '/api/v1/api-keys',
        token: user.token,
        body: { name: 'k' },
      })
    ).json() as { key: string; apiKey: { id: string } };
    const ticket = (
      await harness.app.inject({
        method: 'POST',
        url: '/api/v1/stream/tickets',
        headers: { 'x-api-key': created.key },
      })
    ).json() as { ticket: string };
    const stream = await openEventStreamClient(
      port,
      `/api/v1/stream?series=${series}&ticket=${ticket.ticket}`,
    );
    await stream.waitFor((event) => event.event === 'ready', 5_000);
    await harness.request({
      method: 'DELETE',
      url: `/api/v1/api-keys/${created.apiKey.id}`,
      token: user.token,
    });
    await assertClosedForAccess(stream, 2_000);
  });

  test('access revoked elsewhere (another API process) closes streams at the next periodic check', async () => {
    const user = await harness.createUser();
    const stream = await open(user.token, `/api/v1/stream?series=${series}&`);
    // Straight to the store, as another process would: no notification reaches this one.
    await harness.store.users.updateUser(user.id, { disabled: true }, Date.now());
    const tookMs = await assertClosedForAccess(stream, 3_000);
    assert.ok(tookMs < 3_000, `took ${tookMs} ms`);
  });
});

describe('per-user quotas', () => {
  let harness: ApiHarness;
  let port: number;

  before(async () => {
    harness = await createApiHarness({
      limits: { quotas: { activeJobsPerUser: 2, trackedMarketsPerUser: 1, openStreamsPerUser: 2 } },
    });
    await harness.app.listen({ host: '127.0.0.1', port: 0 });
    port = (harness.app.server.address() as AddressInfo).port;
  });

  after(() => harness.close());

  const assertQuota = (response: { statusCode: number; body: string }, quota: string) => {
    assert.equal(response.statusCode, 429, response.body);
    const error = (
      JSON.parse(response.body) as { error: { code: string; message: string; details: { quota: string } } }
    ).error;
    assert.equal(error.code, 'quota_exceeded');
    assert.equal(error.details.quota, quota);
    assert.match(error.message, /the most one user may have/);
  };

  test('jobs queued or running per user', async () => {
    const user = await harness.createUser();
    const forecast = (token: string, horizonMinutes: number) =>
      harness.request({
        method: 'POST',
        url: '/api/v1/forecasts/on-demand',
        token,
        body: { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h', horizonMinutes },
      });
    const first = await forecast(user.token, 240);
    assert.equal(first.statusCode, 202, first.body);
    assert.equal((await forecast(user.token, 480)).statusCode, 202);
    assertQuota(await forecast(user.token, 720), 'activeJobsPerUser');
    // Admins have no quotas; another user has their own.
    assert.equal((await forecast(await harness.adminToken(), 720)).statusCode, 202);
    assert.equal((await forecast((await harness.createUser()).token, 720)).statusCode, 202);
    const jobId = (first.json() as { id: string }).id;
    await harness.request({ method: 'POST', url: `/api/v1/jobs/${jobId}/cancel`, token: user.token });
    assert.equal((await forecast(user.token, 720)).statusCode, 202, 'room again once a job ended');
  });

  test('markets tracked per user', async () => {
    const user = await harness.createUser();
    const track = (symbol: string) =>
      harness.request({
        method: 'POST',
        url: '/api/v1/markets',
        token: user.token,
        body: { exchange: 'binance', symbol },
      });
    assert.equal((await track('SOL/USDT')).statusCode, 201);
    assertQuota(await track('BTC/EUR'), 'trackedMarketsPerUser');
  });

  test('live streams open per user', async () => {
    const user = await harness.createUser();
    const series = encodeURIComponent('binance:BTC/USDT:1m');
    const open = async () =>
      openEventStreamClient(
        port,
        `/api/v1/stream?series=${series}&ticket=${await harness.streamTicket(user.token)}`,
      );
    const first = await open();
    const second = await open();
    assert.deepEqual([first.statusCode, second.statusCode], [200, 200]);
    const third = await open();
    assert.equal(third.statusCode, 429);
    third.close();
    const jobs = await openEventStreamClient(
      port,
      `/api/v1/jobs/events?ticket=${await harness.streamTicket(user.token)}`,
    );
    assert.equal(jobs.statusCode, 429);
    jobs.close();
    first.close();
    let again = await open();
    for (let attempt = 0; attempt < 20 && again.statusCode !== 200; attempt += 1) {
      again.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = await open();
    }
    assert.equal(again.statusCode, 200, 'room again once a stream closed');
    second.close();
    again.close();
  });
});
