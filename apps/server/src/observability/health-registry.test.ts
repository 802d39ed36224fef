import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HealthRegistry } from './health-registry.ts';

test('components register, replace and remove their own checks', async () => {
  const registry = new HealthRegistry();
  const removeStore = registry.register({
    name: 'store',
    check: async () => ({ state: 'ok', reason: null }),
  });
  registry.register({ name: 'source:binance', check: async () => ({ state: 'degraded', reason: 'slow' }) });
  assert.deepEqual(registry.names(), ['store', 'source:binance']);
  let health = await registry.collect();
  assert.equal(health.state, 'degraded');
  assert.equal(health.components.find((item) => item.name === 'source:binance')?.reason, 'slow');

  const removeReplacement = registry.register({
    name: 'source:binance',
    check: async () => {
      throw new Error('socket closed');
    },
  });
  health = await registry.collect();
  assert.equal(health.state, 'down');
  assert.equal(health.components.find((item) => item.name === 'source:binance')?.reason, 'socket closed');

  removeReplacement();
  removeStore();
  assert.deepEqual(registry.names(), []);
  assert.equal((await registry.collect()).state, 'ok');
});

test('removing a replaced check leaves its replacement in place', () => {
  const registry = new HealthRegistry();
  const removeFirst = registry.register({ name: 'bus', check: async () => ({ state: 'ok', reason: null }) });
  registry.register({ name: 'bus', check: async () => ({ state: 'down', reason: 'gone' }) });
  removeFirst();
  assert.deepEqual(registry.names(), ['bus']);
});
