import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CacheUnavailableError } from './cache-errors.ts';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.ts';

test('opens after N failures in a row, skips for the cool-down, then one probe closes or reopens it', async () => {
  let nowMs = 0;
  const changes: string[] = [];
  const breaker = new CircuitBreaker({
    failureThreshold: 3,
    coolDownMs: 1_000,
    now: () => nowMs,
    onStateChange: ({ from, to }: { from: CircuitState; to: CircuitState }) => changes.push(`${from}>${to}`),
  });
  const fail = () => breaker.run(() => Promise.reject(new Error('redis down')));
  let calls = 0;
  const succeed = () => breaker.run(async () => (calls += 1));

  await assert.rejects(fail(), /redis down/);
  await succeed(); // a success in between starts the count again
  for (let index = 0; index < 3; index += 1) await assert.rejects(fail(), /redis down/);
  assert.equal(breaker.current(), 'open');
  const callsBefore = calls;
  const skipped = await succeed().catch((error: unknown) => error);
  assert.ok(skipped instanceof CacheUnavailableError && skipped.skipped, 'open: the cache is not asked');
  assert.equal(calls, callsBefore);

  nowMs += 1_000;
  assert.equal(breaker.current(), 'half-open');
  await assert.rejects(fail(), /redis down/); // the probe fails: open for another cool-down
  assert.equal(breaker.current(), 'open');
  nowMs += 1_000;
  await succeed();
  assert.equal(breaker.current(), 'closed');
  assert.deepEqual(changes, [
    'closed>open',
    'open>half-open',
    'half-open>open',
    'open>half-open',
    'half-open>closed',
  ]);
});
