import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { DiskSpaceWatcher } from '../observability/disk-space.ts';
import { createMetrics } from '../observability/metrics.ts';
import type { RuntimeContext } from '../runtime/runtime-context.ts';
import { startPausingWhileReadOnly } from './read-only-pause.ts';
import type { Role } from './role.ts';

const MB = 1024 * 1024;

function setUp(freeMegabytes: number) {
  const disk = { freeMegabytes };
  const watcher = new DiskSpaceWatcher({
    folders: [{ label: 'home', path: '/home' }],
    minFreeBytes: 100 * MB,
    intervalMs: 60_000,
    statfs: async () => ({ bsize: MB, bavail: disk.freeMegabytes, blocks: 1000 }),
  });
  const context = {
    disk: watcher,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ processMetrics: false }),
  } as unknown as RuntimeContext;
  const events: string[] = [];
  let failStarts = 0;
  const role: Role = {
    name: 'ingest',
    pausesWhileReadOnly: true,
    async start() {
      if (failStarts > 0) {
        failStarts -= 1;
        events.push('start failed');
        throw new Error('store away');
      }
      events.push('start');
      return {
        stop: async () => {
          events.push('stop');
        },
      };
    },
  };
  return {
    disk,
    watcher,
    context,
    role,
    events,
    failNextStarts: (count: number) => (failStarts = count),
  };
}

/** Lets the role's queued start or stop run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('roles that write pause while the disk is nearly full', () => {
  test('a writing role stops when the disk fills and starts again once space is back', async () => {
    const { disk, watcher, context, role, events } = setUp(500);
    await watcher.check();
    const running = await startPausingWhileReadOnly(role, context);
    assert.deepEqual(events, ['start']);
    disk.freeMegabytes = 50;
    await watcher.check();
    await settle();
    assert.deepEqual(events, ['start', 'stop']);
    await watcher.check();
    await settle();
    assert.deepEqual(events, ['start', 'stop'], 'staying read-only changes nothing');
    disk.freeMegabytes = 500;
    await watcher.check();
    await settle();
    assert.deepEqual(events, ['start', 'stop', 'start']);
    await running.stop();
    assert.deepEqual(events, ['start', 'stop', 'start', 'stop']);
  });

  test('a process that starts on a full disk waits, and stops at once when asked', async () => {
    const { disk, watcher, context, role, events } = setUp(10);
    await watcher.check();
    const running = await startPausingWhileReadOnly(role, context);
    assert.deepEqual(events, []);
    await running.stop();
    assert.deepEqual(events, []);
    // Space coming back after the stop starts nothing.
    disk.freeMegabytes = 500;
    await watcher.check();
    await settle();
    assert.deepEqual(events, []);
  });

  test('a start that fails once space is back is tried again', async () => {
    const { disk, watcher, context, role, events, failNextStarts } = setUp(10);
    await watcher.check();
    const running = await startPausingWhileReadOnly(role, context, { retryMs: 30 });
    failNextStarts(1);
    disk.freeMegabytes = 500;
    await watcher.check();
    await settle();
    assert.deepEqual(events, ['start failed']);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.deepEqual(events, ['start failed', 'start']);
    await running.stop();
    assert.deepEqual(events, ['start failed', 'start', 'stop']);
  });
});
