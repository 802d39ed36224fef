import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DiskSpaceWatcher, type DiskSpaceStatus, type FileSystemStats } from './disk-space.ts';

const MB = 1024 * 1024;

/** A file system per path whose free space the test sets; blocks of 4 KiB. */
function fakeDisks(freeMegabytesByPath: Record<string, number | Error>) {
  const calls: string[] = [];
  return {
    calls,
    set(path: string, value: number | Error) {
      freeMegabytesByPath[path] = value;
    },
    statfs: async (path: string): Promise<FileSystemStats> => {
      calls.push(path);
      const value = freeMegabytesByPath[path];
      if (value instanceof Error) throw value;
      if (value === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return { bsize: 4096, bavail: (value * MB) / 4096, blocks: (10_000 * MB) / 4096 };
    },
  };
}

function watcher(disks: ReturnType<typeof fakeDisks>, extra: { optionalStore?: boolean } = {}) {
  const changes: DiskSpaceStatus[] = [];
  const unreadable: string[] = [];
  const instance = new DiskSpaceWatcher({
    folders: [
      { label: 'home', path: '/home' },
      { label: 'store', path: '/store', ...(extra.optionalStore ? { optional: true } : {}) },
    ],
    minFreeBytes: 500 * MB,
    intervalMs: 60_000,
    statfs: disks.statfs,
    onChange: (status) => changes.push(status),
    onUnreadable: (folder) => unreadable.push(folder.path),
  });
  return { instance, changes, unreadable };
}

describe('disk space watcher', () => {
  test('stays writable with room, and reports each volume in the disk health', async () => {
    const disks = fakeDisks({ '/home': 4000, '/store': 900 });
    const { instance, changes } = watcher(disks);
    const status = await instance.check();
    assert.equal(status.readOnly, false);
    assert.equal(status.reason, null);
    assert.deepEqual(
      status.volumes.map((volume) => [volume.label, volume.freeBytes / MB, volume.totalBytes / MB]),
      [
        ['home', 4000, 10_000],
        ['store', 900, 10_000],
      ],
    );
    const health = await instance.healthCheck().check();
    assert.equal(health.state, 'ok');
    assert.equal(changes.length, 0);
  });

  test('turns read-only below the minimum with a clear reason, and says so once', async () => {
    const disks = fakeDisks({ '/home': 4000, '/store': 499 });
    const { instance, changes } = watcher(disks);
    const seen: boolean[] = [];
    instance.subscribe((status) => seen.push(status.readOnly));
    await instance.check();
    await instance.check();
    await instance.check();
    assert.equal(instance.readOnly(), true);
    assert.equal(changes.length, 1, 'one change however many readings');
    assert.deepEqual(seen, [true]);
    const health = await instance.healthCheck().check();
    assert.equal(health.state, 'degraded');
    assert.match(health.reason ?? '', /only 499 MB free for store \(\/store\), below the 500 MB minimum/);
    assert.match(health.reason ?? '', /read-only/);
    assert.equal((health.details as { readOnly: boolean }).readOnly, true);
  });

  test('resumes only once a tenth more than the minimum is free, and says so once', async () => {
    const disks = fakeDisks({ '/home': 4000, '/store': 100 });
    const { instance, changes } = watcher(disks);
    await instance.check();
    assert.equal(instance.readOnly(), true);
    disks.set('/store', 520);
    await instance.check();
    assert.equal(instance.readOnly(), true, 'just above the minimum is not enough to resume');
    assert.match(instance.status().reason ?? '', /short of the 550 MB that end the pause/);
    disks.set('/store', 560);
    await instance.check();
    await instance.check();
    assert.equal(instance.readOnly(), false);
    assert.equal(instance.status().reason, null);
    assert.deepEqual(
      changes.map((change) => change.readOnly),
      [true, false],
    );
    assert.equal((await instance.healthCheck().check()).state, 'ok');
  });

  test('a folder that cannot be read is reported once and changes no mode', async () => {
    const disks = fakeDisks({ '/home': 4000, '/store': new Error('EACCES: permission denied') });
    const { instance, changes, unreadable } = watcher(disks);
    await instance.check();
    await instance.check();
    assert.equal(instance.readOnly(), false);
    assert.deepEqual(unreadable, ['/store']);
    const health = await instance.healthCheck().check();
    assert.equal(health.state, 'degraded');
    assert.match(health.reason ?? '', /cannot measure free space: \/store: EACCES/);
    assert.equal(changes.length, 0);

    // While read-only, an unreadable folder keeps the process read-only rather than guessing.
    disks.set('/store', 100);
    await instance.check();
    assert.equal(instance.readOnly(), true);
    disks.set('/store', new Error('EIO'));
    await instance.check();
    assert.equal(instance.readOnly(), true);
    assert.match(instance.status().reason ?? '', /cannot measure free space .*writes stay paused/);
  });

  test('an optional folder that cannot be read is left out quietly after one report', async () => {
    const disks = fakeDisks({ '/home': 4000 });
    const { instance, unreadable } = watcher(disks, { optionalStore: true });
    await instance.check();
    await instance.check();
    assert.deepEqual(unreadable, ['/store']);
    assert.equal((await instance.healthCheck().check()).state, 'ok');
  });

  test('readings never overlap, and sizes given as bigints are read', async () => {
    let release: () => void = () => undefined;
    let calls = 0;
    const instance = new DiskSpaceWatcher({
      folders: [{ label: 'home', path: '/home' }],
      minFreeBytes: MB,
      intervalMs: 60_000,
      statfs: async () => {
        calls += 1;
        await new Promise<void>((resolve) => (release = resolve));
        return { bsize: 4096n, bavail: 1024n, blocks: 2048n };
      },
    });
    const first = instance.check();
    const second = instance.check();
    release();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(calls, 1);
    assert.equal(a, b);
    assert.equal(a.volumes[0]?.freeBytes, 4 * MB);
  });

  test('refuses settings that make no sense', () => {
    const base = { folders: [], intervalMs: 1000, minFreeBytes: 0 };
    assert.throws(() => new DiskSpaceWatcher({ ...base, minFreeBytes: -1 }), RangeError);
    assert.throws(() => new DiskSpaceWatcher({ ...base, minFreeBytes: Number.NaN }), RangeError);
    assert.throws(() => new DiskSpaceWatcher({ ...base, intervalMs: 0 }), RangeError);
  });
});
