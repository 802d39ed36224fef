import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createApiHarness, HARNESS_ADMIN, type ApiHarness } from './support/http/api-harness.ts';

const REASON = 'only 90 MB free for store (/data/pg), below the 512 MB minimum';

describe('API while the disk is nearly full (read-only)', () => {
  let harness: ApiHarness;
  const mode = { readOnly: false };

  before(async () => {
    harness = await createApiHarness({
      environment: { RUNECAST_DISK_CHECK_SECONDS: '7' },
      dependencies: {
        writeMode: {
          readOnly: () => mode.readOnly,
          status: () => ({ reason: mode.readOnly ? REASON : null }),
        },
      },
    });
  });
  after(() => harness.close());

  test('writes answer 503 with Retry-After and the reason; reads, log-in and stream tickets still work', async () => {
    const token = await harness.adminToken();
    mode.readOnly = true;
    try {
      const write = await harness.request({
        method: 'POST',
        url: '/api/v1/markets',
        token,
        body: { exchange: 'binance', symbol: 'SOL/USDT' },
      });
      assert.equal(write.statusCode, 503, write.body);
      assert.equal(write.headers['retry-after'], '7');
      const body = write.json() as { error: { code: string; message: string; details: { reason: string } } };
      assert.equal(body.error.code, 'read_only');
      assert.match(body.error.message, /read-only/);
      assert.ok(body.error.message.includes(REASON), body.error.message);
      assert.equal(body.error.details.reason, REASON);

      for (const [method, url] of [
        ['PUT', '/api/v1/me/preferences'],
        ['DELETE', '/api/v1/markets/binance/BTC-USDT'],
      ] as const) {
        const refused = await harness.request({ method, url, token, body: {} });
        assert.equal(refused.statusCode, 503, `${method} ${url}: ${refused.body}`);
      }

      const read = await harness.request({ method: 'GET', url: '/api/v1/markets', token });
      assert.equal(read.statusCode, 200, read.body);
      const login = await harness.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { email: HARNESS_ADMIN.email, password: HARNESS_ADMIN.password },
      });
      assert.equal(login.statusCode, 200, login.body);
      assert.match(await harness.streamTicket(token), /.+/);
      const health = await harness.request({ method: 'GET', url: '/health' });
      assert.equal(health.statusCode, 200);

      // Authentication still comes first: a caller without credentials learns nothing more.
      const anonymous = await harness.request({
        method: 'POST',
        url: '/api/v1/markets',
        body: { exchange: 'binance', symbol: 'SOL/USDT' },
      });
      assert.equal(anonymous.statusCode, 401);
    } finally {
      mode.readOnly = false;
    }

    const written = await harness.request({
      method: 'POST',
      url: '/api/v1/markets',
      token,
      body: { exchange: 'binance', symbol: 'SOL/USDT' },
    });
    assert.equal(written.statusCode, 201, written.body);
  });
});
