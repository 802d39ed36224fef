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
    gate?: { promise: Promise<void> },
  ) => {
    const doing = new Set<string>();
    const applied: string[][] = [];
    const share = new WorkShare({
      leases,
      group: 'test',
      owner: name,
      ttlMs,
      intervalMs: 60_000,
      keys: () => KEYS,
      apply: async (owned) => {
        applied.push([...owned].sort());
        await gate?.promise;
        doing.clear();
        for (const key of owned) doing.add(key);
      },
      exclusive,
      clock,
      logger,
    });
    return { share, doing, applied };
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

  test('a late renewal takes back the leases no one took and gives up only those another took', async () => {
    const ttlMs = 200;
    const late = member('late', store.leases, ttlMs);
    await late.share.start();
    assert.deepEqual([...late.doing], KEYS);
    // Nothing renewed for longer than the lease (as when the event loop is busy): every lease
    // lapsed in the store, and another process took one of them meanwhile.
    await new Promise((resolve) => setTimeout(resolve, ttlMs + 100));
    assert.deepEqual(await store.leases.list('test:'), [], 'every lease lapsed');
    assert.deepEqual(await store.leases.acquire('thief', ['test:b'], 60_000, 1), ['test:b']);
    await late.share.sync();
    assert.deepEqual([...late.doing].sort(), ['a', 'c', 'd', 'e'], 'only the taken key stops');
    assert.deepEqual(late.applied.at(-1), ['a', 'c', 'd', 'e']);
    const owners = new Map((await store.leases.list('test:')).map((lease) => [lease.name, lease.owner]));
    assert.deepEqual([...owners].sort(), [
      ['test:a', 'late'],
      ['test:b', 'thief'],
      ['test:c', 'late'],
      ['test:d', 'late'],
      ['test:e', 'late'],
    ]);
    // A lapse nobody used costs nothing: the work goes on without a restart.
    await new Promise((resolve) => setTimeout(resolve, ttlMs + 100));
    const appliedBefore = late.applied.length;
    await late.share.renew();
    await late.share.sync();
    assert.equal(late.applied.length, appliedBefore, 'no work stopped or started again');
    assert.deepEqual([...late.doing].sort(), ['a', 'c', 'd', 'e']);
    await late.share.stop();
    await store.leases.release('thief', ['test:b']);
  });

  test('leases are renewed while starting or stopping work takes long', async () => {
    let open: () => void = () => undefined;
    const gate = { promise: Promise.resolve() };
    const busy = member('busy', store.leases, 60_000, false, gate);
    await busy.share.start();
    const before = new Map(
      (await store.leases.list('test:')).map((lease) => [lease.name, lease.expiresAtMs]),
    );
    gate.promise = new Promise<void>((resolve) => (open = resolve));
    const other = member('other');
    await other.share.start();
    // The next balance gives up half the work and waits in `apply`; renewal must not wait for it.
    const balancing = busy.share.sync();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await busy.share.renew();
    const after = await store.leases.list('test:');
    const renewed = after.filter(
      (lease) => lease.owner === 'busy' && lease.expiresAtMs > (before.get(lease.name) ?? Infinity),
    );
    assert.ok(renewed.length >= 3, `leases renewed during the slow apply: ${renewed.length}`);
    open();
    await balancing;
    await other.share.sync();
    assert.deepEqual([...busy.doing, ...other.doing].sort(), KEYS);
    await busy.share.stop();
    await other.share.stop();
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
