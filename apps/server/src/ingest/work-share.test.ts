import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../observability/logger.ts';
import type { LeaseRepository } from '../store/lease.repository.ts';
import { openStore, type Store } from '../store/store.ts';
import { WorkShare } from './work-share.ts';

const KEYS = ['a', 'b', 'c', 'd', 'e'];

describe('work shared through leases', () => {
  let store: Store;
  const logger = createLogger('silent');
  const clock = { now: () => Date.now() };

  before(async () => {
    store = await openStore({ url: 'memory://' });
  });

  after(async () => {
    await store?.close();
  });

  /** A member whose `doing` is the work it runs now. */
  const member = (
    name: string,
    leases: LeaseRepository = store.leases,
    ttlMs = 60_000,
    exclusive = false,
  ) => {
    const doing = new Set<string>();
    const share = new WorkShare({
      leases,
      group: 'test',
      owner: name,
      ttlMs,
      intervalMs: 60_000,
      keys: () => KEYS,
      apply: async (owned) => {
        doing.clear();
        for (const key of owned) doing.add(key);
      },
      exclusive,
      clock,
      logger,
    });
    return { share, doing };
  };

  test('members split the keys, each key done by one, and a leaving member’s keys move on', async () => {
    const one = member('one');
    const two = member('two');
    const three = member('three');
    await one.share.start();
    assert.deepEqual([...one.doing], KEYS, 'alone, one does everything');
    await two.share.start();
    assert.equal(two.doing.size, 0, 'nothing is free yet');
    await one.share.sync(); // sees two members: keeps its share of 3 and releases the rest
    await two.share.sync();
    assert.deepEqual([...one.doing].sort(), ['a', 'b', 'c']);
    assert.deepEqual([...two.doing].sort(), ['d', 'e']);
    await three.share.start();
    await one.share.sync();
    await two.share.sync();
    await three.share.sync();
    const all = [...one.doing, ...two.doing, ...three.doing].sort();
    assert.deepEqual(all, KEYS, 'every key done exactly once');
    assert.ok(Math.max(one.doing.size, two.doing.size, three.doing.size) <= 2);

    await one.share.stop();
    assert.equal(one.doing.size, 0, 'work stops before the leases go');
    await two.share.sync();
    await three.share.sync();
    await two.share.sync();
    assert.deepEqual([...two.doing, ...three.doing].sort(), KEYS);
    await two.share.stop();
    await three.share.stop();
    assert.deepEqual(await store.leases.list('test:'), []);
    assert.deepEqual(await store.leases.list('member:test:'), []);
  });

  test('a member that cannot renew in time stops its work, and says so in its health', async () => {
    let failing = false;
    const flaky: LeaseRepository = new Proxy(store.leases, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          failing
            ? Promise.reject(new Error('connection refused'))
            : (value as (...a: unknown[]) => unknown).apply(target, args);
      },
    });
    const ttlMs = 300;
    const lonely = member('lonely', flaky, ttlMs);
    await lonely.share.start();
    assert.deepEqual([...lonely.doing], KEYS);
    failing = true;
    await lonely.share.sync();
    assert.deepEqual([...lonely.doing], KEYS, 'a first failure inside the lease keeps the work');
    assert.equal((await lonely.share.healthCheck().check()).state, 'degraded');
    await new Promise((resolve) => setTimeout(resolve, ttlMs));
    await lonely.share.sync();
    assert.equal(lonely.doing.size, 0, 'past 80% of the lease the work stops');
    failing = false;
    await lonely.share.sync();
    assert.deepEqual([...lonely.doing], KEYS, 'and resumes once the store answers');
    assert.equal((await lonely.share.healthCheck().check()).state, 'ok');
    await lonely.share.stop();
  });

  test('an exclusive store drops leases an earlier run left', async () => {
    await store.leases.acquire('ghost', ['test:a', 'test:b'], 60_000, 5);
    const blocked = member('fresh');
    await blocked.share.start();
    assert.deepEqual([...blocked.doing].sort(), ['c', 'd', 'e'], 'a live-looking ghost keeps its leases');
    await blocked.share.stop();
    const exclusive = member('fresh', store.leases, 60_000, true);
    await exclusive.share.start();
    assert.deepEqual([...exclusive.doing].sort(), KEYS);
    await exclusive.share.stop();
  });
});
