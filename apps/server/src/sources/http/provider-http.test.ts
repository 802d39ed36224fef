import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { RateLimitedError, SourceAuthError, TransientSourceError } from '@runecast/market';
import { providerFaultKind } from '../../ingest/fault-reporter.ts';
import { keyHeaders, ProviderHttp, retryAfterMs } from './provider-http.ts';

// A real HTTP server on this machine answers as a provider would.
let server: Server;
let baseUrl: string;
const arrivals: number[] = [];

before(async () => {
  server = createServer((request, response) => {
    arrivals.push(Date.now());
    const path = request.url ?? '';
    if (path.startsWith('/limited')) {
      response.writeHead(429, { 'retry-after': '7' }).end('{"error":{"message":"slow down"}}');
    } else if (path.startsWith('/broken')) {
      response.writeHead(503).end('unavailable');
    } else if (path.startsWith('/garbled')) {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"data": [1, 2');
    } else if (path.startsWith('/private')) {
      response.writeHead(request.headers.authorization === 'Bearer k1' ? 200 : 401).end('{"data":"ok"}');
    } else if (path.startsWith('/slow')) {
      setTimeout(() => response.writeHead(200).end('{}'), 300);
    } else if (path.startsWith('/missing')) {
      response.writeHead(404).end('{"error":{"message":"no such rune"}}');
    } else {
      response
        .writeHead(200)
        .end(JSON.stringify({ data: { path, auth: request.headers.authorization ?? null } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = (minIntervalMs = 0, key: string | null = 'k1') =>
  new ProviderHttp({
    provider: 'testprovider',
    baseUrl,
    headers: keyHeaders('testprovider', async () => key, 'authorization', 'Bearer '),
    minIntervalMs,
  });

test("a request carries the key and its query; a 404 is the caller's to read", async () => {
  const answer = await client().get('/v1/rune/DOG', { a: 1, skip: undefined });
  assert.deepEqual(answer, { status: 200, body: { data: { path: '/v1/rune/DOG?a=1', auth: 'Bearer k1' } } });
  assert.equal((await client().get('/missing')).status, 404);
});

test('failures come back as the errors ingestion knows', async () => {
  await assert.rejects(client().get('/limited'), (error: unknown) => {
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.retryAfterMs, 7_000);
    return true;
  });
  await assert.rejects(client().get('/broken'), TransientSourceError);
  await assert.rejects(client().get('/garbled'), /not JSON/);
  await assert.rejects(client(0, 'wrong').get('/private'), SourceAuthError);
  await assert.rejects(
    new ProviderHttp({
      provider: 'p',
      baseUrl: 'http://127.0.0.1:9',
      headers: async () => ({}),
      minIntervalMs: 0,
    }).get('/'),
    TransientSourceError,
  );
});

test('each failure carries the fault kind the fault metrics count', async () => {
  const kindOf = (request: Promise<unknown>) =>
    request.then(
      () => assert.fail('the request should fail'),
      (error: unknown) => providerFaultKind(error),
    );
  assert.equal(await kindOf(client().get('/limited')), 'rate_limited');
  assert.equal(await kindOf(client().get('/broken')), 'server_error');
  assert.equal(await kindOf(client().get('/garbled')), 'malformed_response');
  assert.equal(await kindOf(client(0, 'wrong').get('/private')), 'unauthorized');
  const unreachable = new ProviderHttp({
    provider: 'p',
    baseUrl: 'http://127.0.0.1:9',
    headers: async () => ({}),
    minIntervalMs: 0,
  });
  assert.equal(await kindOf(unreachable.get('/')), 'network');
  const impatient = new ProviderHttp({
    provider: 'p',
    baseUrl,
    headers: async () => ({}),
    minIntervalMs: 0,
    timeoutMs: 1,
  });
  assert.equal(await kindOf(impatient.get('/slow')), 'timeout');
});

test('without a stored key nothing is sent and the error names the secret to store', async () => {
  const before = arrivals.length;
  await assert.rejects(
    client(0, null).get('/private'),
    /PUT \/api\/v1\/admin\/secrets\/testprovider\.api-key/,
  );
  assert.equal(arrivals.length, before);
});

test('requests are spaced by the rate limit, in order', async () => {
  // Send times are read where the request leaves (its headers are made after the wait), so
  // the server's scheduling noise does not enter.
  const sentAt: number[] = [];
  const http = new ProviderHttp({
    provider: 'testprovider',
    baseUrl,
    headers: async () => {
      sentAt.push(Date.now());
      return {};
    },
    minIntervalMs: 120,
  });
  await Promise.all(['/a', '/b', '/c'].map((path) => http.get(path)));
  assert.equal(sentAt.length, 3);
  for (let index = 1; index < sentAt.length; index += 1) {
    const gap = (sentAt[index] ?? 0) - (sentAt[index - 1] ?? 0);
    assert.ok(gap >= 115, `gap ${gap} ms`);
  }
});

test('Retry-After in seconds or as a date', () => {
  assert.equal(retryAfterMs('3', 0), 3_000);
  assert.equal(retryAfterMs('Thu, 01 Jan 1970 00:00:10 GMT', 4_000), 6_000);
  assert.equal(retryAfterMs(null, 0), null);
  assert.equal(retryAfterMs('soon', 0), null);
});
