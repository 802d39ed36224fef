import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { InProcessBus } from '../bus/in-process.bus.ts';
import { MemoryCache } from '../cache/memory.cache.ts';
import { loadConfig } from '../config/config.ts';
import { openStore } from '../store/store.ts';
import { createHttpApp } from './app.ts';
import { assetPathOf, isReservedPath, registerWebAssets } from './static-web.ts';
import { FAST_PASSWORD_HASHING } from '../../test/support/http/api-harness.ts';

const INDEX_HTML =
  '<!doctype html><html><body><div id="root"></div><script type="module" src="/assets/app-abc123.js"></script></body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

describe('registerWebAssets', () => {
  let harness: WebHarness;
  let distDir: string;

  before(async () => {
    distDir = await mkdtemp(join(tmpdir(), 'runecast-web-'));
    await mkdir(join(distDir, 'assets'));
    await writeFile(join(distDir, 'index.html'), INDEX_HTML);
    await writeFile(join(distDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(join(distDir, 'assets', 'app-abc123.js'), SCRIPT);
    await writeFile(join(distDir, 'assets', 'app-abc123.js.gz'), gzipSync(SCRIPT));
    harness = await createServerWithWeb(distDir);
  });

  after(async () => {
    await harness.close();
    await rm(distDir, { recursive: true, force: true });
  });

  test('serves index.html at / and for dashboard paths, never cached, with its own content policy', async () => {
    for (const url of ['/', '/markets/binance/BTC-USDT', '/admin?tab=users']) {
      const response = await harness.request({ method: 'GET', url });
      assert.equal(response.statusCode, 200, url);
      assert.match(String(response.headers['content-type']), /^text\/html/);
      assert.equal(response.body, INDEX_HTML);
      assert.equal(response.headers['cache-control'], 'no-cache');
      assert.match(String(response.headers['content-security-policy']), /script-src 'self'/);
      assert.doesNotMatch(String(response.headers['content-security-policy']), /upgrade-insecure-requests/);
    }
  });

  test('serves hashed assets for a year, compressed when the browser accepts it', async () => {
    const plain = await harness.request({
      method: 'GET',
      url: '/assets/app-abc123.js',
      headers: { 'accept-encoding': 'identity' },
    });
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.body, SCRIPT);
    assert.match(String(plain.headers['cache-control']), /max-age=31536000.*immutable/);
    const compressed = await harness.request({
      method: 'GET',
      url: '/assets/app-abc123.js',
      headers: { 'accept-encoding': 'gzip' },
    });
    assert.equal(compressed.statusCode, 200);
    assert.equal(compressed.headers['content-encoding'], 'gzip');
    assert.match(String(compressed.headers['content-type']), /javascript/);
    const favicon = await harness.request({ method: 'GET', url: '/favicon.svg' });
    assert.equal(favicon.statusCode, 200);
    assert.match(String(favicon.headers['content-type']), /svg/);
  });

  test('answers 404 for a missing file and leaves the API, docs and health paths alone', async () => {
    const missing = await harness.request({ method: 'GET', url: '/assets/gone-123.js' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'not_found');
    const api = await harness.request({ method: 'GET', url: '/api/v1/no-such-route' });
    assert.equal(api.statusCode, 404);
    assert.equal(api.json().error.code, 'not_found');
    const health = await harness.request({ method: 'GET', url: '/health/extra' });
    assert.equal(health.statusCode, 404);
    assert.equal((await harness.request({ method: 'GET', url: '/health' })).statusCode, 200);
    assert.equal((await harness.request({ method: 'GET', url: '/docs/json' })).statusCode, 200);
    const traversal = await harness.request({ method: 'GET', url: '/assets/..%2F..%2Fpackage.json' });
    assert.equal(traversal.statusCode, 404);
  });

  test('a file built after start is served without a restart', async () => {
    await writeFile(join(distDir, 'assets', 'late-999.js'), 'export {};');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const late = await harness.request({ method: 'GET', url: '/assets/late-999.js' });
    assert.equal(late.statusCode, 200);
  });

  test('the static routes stay out of the OpenAPI document', async () => {
    const document = (await harness.request({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, unknown>;
    };
    assert.ok(!Object.keys(document.paths).some((path) => path === '/*' || path === '/{*}'));
  });
});

test('without a build, / explains how to make one', async () => {
  const emptyDir = await mkdtemp(join(tmpdir(), 'runecast-web-empty-'));
  const harness = await createServerWithWeb(join(emptyDir, 'dist'));
  try {
    const response = await harness.request({ method: 'GET', url: '/' });
    assert.equal(response.statusCode, 503);
    assert.match(response.body, /npm run build -w @runecast\/web/);
  } finally {
    await harness.close();
    await rm(emptyDir, { recursive: true, force: true });
  }
});

test('reserved paths and asset paths', () => {
  assert.equal(isReservedPath('/api'), true);
  assert.equal(isReservedPath('/api/v1/markets'), true);
  assert.equal(isReservedPath('/apix'), false);
  assert.equal(isReservedPath('/metrics'), true);
  assert.equal(assetPathOf('assets/app.js'), 'assets/app.js');
  assert.equal(assetPathOf('assets/../secret'), null);
  assert.equal(assetPathOf('.env'), null);
  assert.equal(assetPathOf(''), '');
});

interface WebHarness {
  app: FastifyInstance;
  request(options: {
    method: 'GET';
    url: string;
    headers?: Record<string, string>;
  }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The API on an in-memory store with the dashboard registered as the composition root does it. */
async function createServerWithWeb(distDir: string): Promise<WebHarness> {
  const home = await mkdtemp(join(tmpdir(), 'runecast-web-home-'));
  const config = loadConfig({
    RUNECAST_HOME: home,
    RUNECAST_ADMIN_PASSWORD: 'admin-password-0001',
    RUNECAST_LOG_LEVEL: 'silent',
  });
  const store = await openStore({ url: 'memory://' });
  const bus = new InProcessBus();
  const cache = new MemoryCache();
  const app = await createHttpApp({
    config,
    store,
    bus,
    cache,
    logger: pino({ level: 'silent' }),
    dataMode: { mode: 'simulated', description: 'test data', emulatorUrl: null },
    authKeys: { tokenKey: randomBytes(64), secretsKey: randomBytes(32) },
    passwordHashing: FAST_PASSWORD_HASHING,
  });
  await registerWebAssets(app, { distDir });
  await app.ready();
  return {
    app,
    request: (options) =>
      app.inject({ method: options.method, url: options.url, headers: options.headers ?? {} }),
    async close() {
      await app.close();
      await bus.close();
      await cache.close();
      await store.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
