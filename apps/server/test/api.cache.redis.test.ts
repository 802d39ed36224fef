import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { toCandleColumns } from '@runecast/contracts';
import { describeCacheContract } from '../src/cache/cache.contract.ts';
import { createCache } from '../src/cache/create-cache.ts';
import { RedisCache } from '../src/cache/redis.cache.ts';

/** The Redis server tests use; every test works under its own random key prefix. */
const REDIS_URL = process.env.RUNECAST_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function removeKeys(cache: RedisCache, keyPrefix: string): Promise<void> {
  // KEYS ignores ioredis' keyPrefix option, so the pattern carries it.
  const keys = await cache.client.keys(`${keyPrefix}*`);
  if (keys.length > 0) await cache.client.del(...keys.map((key) => key.slice(keyPrefix.length)));
}

describeCacheContract('redis', async (keyPrefix) => {
  const cache = new RedisCache({ url: REDIS_URL, keyPrefix });
  await cache.connect();
  const close = cache.close.bind(cache);
  cache.close = async () => {
    await removeKeys(cache, keyPrefix);
    await close();
  };
  return cache;
});

test('createCache connects to Redis for redis:// and fails clearly when it is unreachable', async () => {
  const keyPrefix = `runecast-test:${randomBytes(6).toString('hex')}:`;
  const cache = await createCache(REDIS_URL, { keyPrefix });
  try {
    assert.equal(cache.kind, 'redis');
    await cache.set('probe', '1');
    assert.equal(await cache.get('probe'), '1');
    await cache.delete('probe');
  } finally {
    await cache.close();
  }
  await assert.rejects(createCache('redis://127.0.0.1:1'), /cannot reach the cache at 127\.0\.0\.1:1/);
});

test('a Redis cache that lost its server reports down', async () => {
  const cache = new RedisCache({
    url: REDIS_URL,
    keyPrefix: `runecast-test:${randomBytes(6).toString('hex')}:`,
  });
  await cache.connect();
  await cache.close();
  assert.equal((await cache.status()).state, 'down');
});

test('the API caches candle answers in Redis and drops them when new candles arrive', async () => {
  const { createApiHarness, minuteCandles } = await import('./support/http/api-harness.ts');
  const { candlesTopic } = await import('../src/bus/topics.ts');
  const keyPrefix = `runecast-test:${randomBytes(6).toString('hex')}:`;
  const cache = new RedisCache({ url: REDIS_URL, keyPrefix });
  await cache.connect();
  const harness = await createApiHarness({ cache, limits: { perIp: 1000 } });
  try {
    const startMs = Date.UTC(2025, 5, 2);
    const candles = minuteCandles('binance', 'BTC/USDT', startMs, 10);
    await harness.store.candles.upsertCandles(candles.slice(0, 6));
    const token = await harness.adminToken();
    const url = `/api/v1/candles?series=binance:BTC/USDT:1m&from=${startMs}&to=${startMs + 3_600_000}`;
    const count = async () =>
      (await harness.request({ method: 'GET', url, token })).json().times.length as number;
    assert.equal(await count(), 6);
    assert.ok(
      (await cache.client.keys(`${keyPrefix}candles:*`)).length >= 2,
      'the answer and its generation are in Redis',
    );
    await harness.store.candles.upsertCandles(candles.slice(6));
    assert.equal(await count(), 6, 'served from Redis until new candles are announced');
    await harness.bus.publish(candlesTopic({ exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' }), {
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '1m',
      candles: toCandleColumns(candles.slice(6)),
      source: { label: 'test', simulated: true },
    });
    await harness.bus.flush();
    assert.equal(await count(), 10);
    const ready = (await harness.request({ method: 'GET', url: '/ready' })).json() as {
      components: { name: string; state: string; details?: { kind?: string } }[];
    };
    assert.deepEqual(
      ready.components.find((component) => component.name === 'cache'),
      {
        ...ready.components.find((component) => component.name === 'cache'),
        state: 'ok',
        details: { kind: 'redis' },
      },
    );
  } finally {
    await harness.close();
    await removeKeys(cache, keyPrefix);
    await cache.close();
  }
});
