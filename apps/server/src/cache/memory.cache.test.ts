import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeCacheContract } from './cache.contract.ts';
import { createCache } from './create-cache.ts';
import { MemoryCache } from './memory.cache.ts';

describeCacheContract('memory', async () => new MemoryCache());

test('the memory cache evicts least recently used entries past its size', async () => {
  const cache = new MemoryCache({ maxCharacters: 100 });
  await cache.set('a', 'x'.repeat(40));
  await cache.set('b', 'x'.repeat(40));
  await cache.get('a');
  await cache.set('c', 'x'.repeat(40));
  assert.equal(await cache.get('b'), null);
  assert.notEqual(await cache.get('a'), null);
  assert.notEqual(await cache.get('c'), null);
});

test('createCache picks the implementation from the URL and refuses other schemes', async () => {
  assert.equal((await createCache(undefined)).kind, 'memory');
  assert.equal((await createCache('memory://')).kind, 'memory');
  await assert.rejects(createCache('memcached://127.0.0.1:11211'), /memory:\/\/.*redis:\/\//);
  await assert.rejects(createCache('not a url'), /not a URL/);
});
