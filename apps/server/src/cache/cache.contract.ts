import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, test } from 'node:test';
import type { Cache } from './cache.port.ts';
import { GenerationalCache } from './generational.cache.ts';

/** Makes a fresh, empty cache for one test; `keyPrefix` keeps parallel runs apart. */
export type CacheFactory = (keyPrefix: string) => Promise<Cache>;

/** The behaviour every Cache implementation shares; run by each implementation's test file. */
export function describeCacheContract(name: string, createCache: CacheFactory): void {
  describe(`Cache contract: ${name}`, () => {
    const withCache = async (work: (cache: Cache) => Promise<void>) => {
      const cache = await createCache(`runecast-test:${randomBytes(6).toString('hex')}:`);
      try {
        await work(cache);
      } finally {
        await cache.close();
      }
    };

    test('stores, reads and deletes string values', () =>
      withCache(async (cache) => {
        assert.equal(await cache.get('missing'), null);
        await cache.set('key', 'value');
        assert.equal(await cache.get('key'), 'value');
        await cache.set('key', 'newer');
        assert.equal(await cache.get('key'), 'newer');
        assert.equal(await cache.delete('key'), true);
        assert.equal(await cache.delete('key'), false);
        assert.equal(await cache.get('key'), null);
      }));

    test('keeps large values and unusual keys intact', () =>
      withCache(async (cache) => {
        const value = JSON.stringify({
          times: Array.from({ length: 20_000 }, (_, index) => index),
          text: 'é✓\u0000',
        });
        const key = "candles:binance:BTC/USDT:1m:1700000000000:'; DROP TABLE--";
        await cache.set(key, value);
        assert.equal(await cache.get(key), value);
      }));

    test('entries expire after their TTL', () =>
      withCache(async (cache) => {
        // Long enough that a loaded machine still reads the entry before it expires.
        await cache.set('short', 'lived', { ttlMs: 500 });
        await cache.set('long', 'lived', { ttlMs: 60_000 });
        assert.equal(await cache.get('short'), 'lived');
        await delay(700);
        assert.equal(await cache.get('short'), null);
        assert.equal(await cache.get('long'), 'lived');
      }));

    test('setIfAbsent stores only once', () =>
      withCache(async (cache) => {
        assert.equal(await cache.setIfAbsent('once', 'first'), true);
        assert.equal(await cache.setIfAbsent('once', 'second'), false);
        assert.equal(await cache.get('once'), 'first');
      }));

    test('reports itself healthy while open', () =>
      withCache(async (cache) => {
        assert.deepEqual(await cache.status(), { state: 'ok', reason: null });
      }));

    test('generations: invalidating a group hides its entries and no other group', () =>
      withCache(async (cache) => {
        const lookups: boolean[] = [];
        const grouped = new GenerationalCache(cache, {
          namespace: 'candles',
          onLookup: (_namespace, hit) => lookups.push(hit),
          // Off, so every lookup reaches the implementation under test.
          nearCacheBytes: 0,
        });
        let computed = 0;
        const compute = (value: string) => async () => {
          computed += 1;
          return value;
        };
        assert.equal(
          String(await grouped.getOrCompute('binance:BTC/USDT', 'a', 60_000, compute('one'))),
          'one',
        );
        assert.equal(
          String(await grouped.getOrCompute('binance:BTC/USDT', 'a', 60_000, compute('two'))),
          'one',
        );
        assert.equal(
          String(await grouped.getOrCompute('binance:ETH/USDT', 'a', 60_000, compute('eth'))),
          'eth',
        );
        await grouped.invalidate('binance:BTC/USDT');
        assert.equal(
          String(await grouped.getOrCompute('binance:BTC/USDT', 'a', 60_000, compute('three'))),
          'three',
        );
        assert.equal(
          String(await grouped.getOrCompute('binance:ETH/USDT', 'a', 60_000, compute('other'))),
          'eth',
        );
        assert.equal(computed, 3);
        assert.deepEqual(lookups, [false, true, false, false, true]);
      }));

    test('generations: a value computed before an invalidation is never served after it', () =>
      withCache(async (cache) => {
        const grouped = new GenerationalCache(cache, { namespace: 'candles', nearCacheBytes: 0 });
        let release: () => void = () => undefined;
        const slow = grouped.getOrCompute('m', 'k', 60_000, async () => {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return 'stale';
        });
        await delay(20);
        await grouped.invalidate('m');
        release();
        assert.equal(String(await slow), 'stale');
        assert.equal(String(await grouped.getOrCompute('m', 'k', 60_000, async () => 'fresh')), 'fresh');
      }));

    test('generations: the in-process copy follows the shared generation', () =>
      withCache(async (cache) => {
        const first = new GenerationalCache(cache, { namespace: 'candles' });
        const second = new GenerationalCache(cache, { namespace: 'candles' });
        assert.equal(String(await first.getOrCompute('m', 'k', 60_000, async () => 'one')), 'one');
        assert.equal(String(await second.getOrCompute('m', 'k', 60_000, async () => 'unused')), 'one');
        // Another process invalidates: this one's near copy must not be served any more.
        await second.invalidate('m');
        assert.equal(String(await first.getOrCompute('m', 'k', 60_000, async () => 'two')), 'two');
      }));
  });
}
