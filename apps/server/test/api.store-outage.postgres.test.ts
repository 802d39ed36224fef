import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiErrorSchema } from '@runecast/contracts';
import { createApiHarness, type ApiHarness } from './support/http/api-harness.ts';
import { POSTGRES_BIN, type PrivateServer, startPrivatePostgres } from './support/private-servers.ts';

describe(
  'the API through a PostgreSQL outage (a private server, stopped and started again)',
  { skip: POSTGRES_BIN === undefined ? 'no PostgreSQL binaries on this machine' : false },
  () => {
    let postgres: PrivateServer;
    let harness: ApiHarness;
    before(async () => {
      postgres = await startPrivatePostgres();
      harness = await createApiHarness({ databaseUrl: postgres.url });
    });
    after(async () => {
      await harness?.close().catch(() => undefined);
      await postgres?.remove();
    });

    test('answers 503 with Retry-After while the database is down, never 500, and recovers', async () => {
      const token = await harness.adminToken();
      const markets = () => harness.request({ method: 'GET', url: '/api/v1/markets', token });
      assert.equal((await markets()).statusCode, 200);

      // A fast shutdown ends the pooled connections (57P01), then new ones are refused.
      await postgres.stop();
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const response = await markets();
        assert.equal(response.statusCode, 503, response.body);
        assert.match(String(response.headers['retry-after']), /^[1-9][0-9]*$/);
        const body = apiErrorSchema.parse(response.json());
        assert.equal(body.error.code, 'unavailable');
        assert.match(body.error.message, /database cannot be reached/);
      }
      const login = await harness.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { email: 'admin@example.com', password: 'admin-password-0001' },
      });
      assert.equal(login.statusCode, 503, login.body);
      assert.ok(login.headers['retry-after']);

      await postgres.start();
      assert.equal((await markets()).statusCode, 200);
    });
  },
);
