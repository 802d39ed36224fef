import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ComponentHealthChange, HealthAnnouncer, processName } from './health-announcer.ts';
import { HealthRegistry } from './health-registry.ts';
import type { HealthState } from './health.ts';

test('announces each component the first time and then only when its state changes, retrying a failed announcement', async () => {
  const registry = new HealthRegistry();
  let sourceState: HealthState = 'ok';
  registry.register({ name: 'store', check: async () => ({ state: 'ok', reason: null }) });
  registry.register({
    name: 'source:binance',
    check: async () => ({ state: sourceState, reason: sourceState === 'ok' ? null : 'refused' }),
  });
  const announced: ComponentHealthChange[] = [];
  let failNext = false;
  const errors: unknown[] = [];
  const announcer = new HealthAnnouncer({
    process: processName('my.host', 42),
    registry,
    announce: async (change) => {
      if (failNext) {
        failNext = false;
        throw new Error('bus down');
      }
      announced.push(change);
    },
    now: () => 1_000,
    onError: (error) => errors.push(error),
  });
  await announcer.checkNow();
  assert.deepEqual(
    announced.map((change) => [change.process, change.component, change.state, change.previousState]),
    [
      ['my-host-42', 'store', 'ok', null],
      ['my-host-42', 'source:binance', 'ok', null],
    ],
  );
  await announcer.checkNow();
  assert.equal(announced.length, 2, 'nothing changed');
  sourceState = 'down';
  failNext = true;
  await announcer.checkNow();
  assert.equal(errors.length, 1);
  await announcer.checkNow();
  assert.deepEqual(announced.at(-1), {
    process: 'my-host-42',
    component: 'source:binance',
    state: 'down',
    previousState: 'ok',
    reason: 'refused',
    atMs: 1_000,
  });
  assert.equal(announced.length, 3);
});
