import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CacheUnavailableError } from '../src/cache/cache-errors.ts';
import { GenerationalCache } from '../src/cache/generational.cache.ts';
import { RedisCache } from '../src/cache/redis.cache.ts';
import { minuteCandles } from './support/http/api-harness.ts';
import {
  type PrivateServer,
  REDIS_SERVER_BINARY,
  startPrivateRedis,
  waitUntil,
} from './support/private-servers.ts';

const OPERATION_TIMEOUT_MS = 200;
/** Slack for a loaded machine; far below the seconds an unbounded wait took. */
const SLACK_MS = 400;

async function timed<T>(work: () => Promise<T>): Promise<{ elapsedMs: number; result: T | Error }> {
  const startedMs = performance.now();
  const result = await work().catch((error: unknown) => error as Error);
  return { elapsedMs: performance.now() - startedMs, result };
}

describe(
  'the Redis cache through an outage (a private redis-server, hung, stopped and started again)',
  { skip: REDIS_SERVER_BINARY === undefined ? 'no redis-server binary on this machine' : false },
  () => {
    let redis: PrivateServer;
    before(async () => {
      redis = await startPrivateRedis();
    });
    after(async () => {
      await redis?.remove();
    });

    test('a hung Redis costs one time limit per operation, then the circuit skips it; a probe closes it again', async () => {
      const changes: string[] = [];
      const cache = new RedisCache({
        url: redis.url,
        keyPrefix: `runecast-test:${randomBytes(4).toString('hex')}:`,
        operationTimeoutMs: OPERATION_TIMEOUT_MS,
        breakerFailures: 3,
        breakerCoolDownMs: 1_000,
        onBreakerChange: ({ from, to }) => changes.push(`${from}>${to}`),
      });
      await cache.connect();
      try {
        const grouped = new GenerationalCache(cache, { namespace: 'candles', nearCacheBytes: 0 });
        await cache.set('key', 'value');
        // The server accepts and answers nothing for a while: a hung peer.
        await cache.client.call('CLIENT', 'PAUSE', '3000', 'ALL');
        const hung = await timed(() => cache.get('key'));
        assert.ok(hung.result instanceof CacheUnavailableError, String(hung.result));
        assert.ok(hung.elapsedMs < OPERATION_TIMEOUT_MS + SLACK_MS, `took ${hung.elapsedMs} ms`);

        // The reader computes the answer itself, within the time limits.
        for (let attempt = 0; attempt < 2; attempt += 1) {
          const served = await timed(() =>
            grouped.getOrCompute('binance:BTC/USDT:1m', 'q', 60_000, async () => 'fresh'),
          );
          assert.equal(String(served.result), 'fresh');
          assert.ok(served.elapsedMs < OPERATION_TIMEOUT_MS + SLACK_MS, `took ${served.elapsedMs} ms`);
        }
        assert.equal(
          changes[0],
          'closed>open',
          `three failures in a row open the circuit: ${JSON.stringify(changes)}`,
        );

        const skipped = await timed(() => cache.get('key'));
        assert.ok(skipped.result instanceof CacheUnavailableError && skipped.result.skipped);
        assert.ok(skipped.elapsedMs < 50, `an open circuit answers at once, took ${skipped.elapsedMs} ms`);
        assert.equal((await cache.status()).state, 'degraded');

        // Stopped outright: still a prompt failure, never an answer that waits for a reconnect.
        await redis.stop();
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        const stopped = await timed(() => cache.get('key'));
        assert.ok(stopped.result instanceof CacheUnavailableError, String(stopped.result));
        assert.ok(stopped.elapsedMs < OPERATION_TIMEOUT_MS + SLACK_MS, `took ${stopped.elapsedMs} ms`);
        assert.notEqual(
          (await cache.status()).state,
          'down',
          'a missing cache degrades the process, never downs it',
        );

        await redis.start();
        await waitUntil(() => cache.client.status === 'ready', 10_000, 'ioredis to reconnect');
        await waitUntil(
          async () =>
            await cache.get('key').then(
              () => true,
              () => false,
            ),
          5_000,
          'a probe after the cool-down to close the circuit',
        );
        assert.equal(changes.at(-1), 'half-open>closed');
        await cache.set('again', 'works');
        assert.equal(await cache.get('again'), 'works');
      } finally {
        await cache.close();
      }
    });

    test('the API answers candles correctly and promptly with its Redis stopped', async () => {
      const { createApiHarness } = await import('./support/http/api-harness.ts');
      const cache = new RedisCache({
        url: redis.url,
        keyPrefix: `runecast-test:${randomBytes(4).toString('hex')}:`,
        operationTimeoutMs: OPERATION_TIMEOUT_MS,
        breakerFailures: 3,
        breakerCoolDownMs: 30_000,
      });
      await cache.connect();
      const harness = await createApiHarness({ cache, limits: { perIp: 1000 } });
      try {
        const startMs = Date.UTC(2025, 5, 2);
        await harness.store.candles.upsertCandles(minuteCandles('binance', 'BTC/USDT', startMs, 6));
        const token = await harness.adminToken();
        const url = `/api/v1/candles?series=binance:BTC/USDT:1m&from=${startMs}&to=${startMs + 3_600_000}`;
        await redis.stop();
        await waitUntil(() => cache.client.status !== 'ready', 5_000, 'ioredis to see the server gone');
        for (let attempt = 0; attempt < 5; attempt += 1) {
          const answer = await timed(() => harness.request({ method: 'GET', url, token }));
          const response = answer.result as Awaited<ReturnType<typeof harness.request>>;
          assert.equal(response.statusCode, 200, response.body);
          assert.equal((response.json() as { times: number[] }).times.length, 6);
          // Generation read, entry read and write: three time limits at most, however long Redis is away.
          assert.ok(answer.elapsedMs < 3 * OPERATION_TIMEOUT_MS + SLACK_MS, `took ${answer.elapsedMs} ms`);
        }
      } finally {
        await harness.close();
        await cache.close();
        await redis.start();
      }
    });
  },
);
