import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '@runecast/market';
import { createBus } from './create-bus.ts';

test('createBus: in-process by default and for memory://', async () => {
  for (const url of [undefined, '', 'memory://']) {
    const bus = await createBus(url);
    assert.equal(bus.kind, 'in-process', String(url));
    await bus.close();
  }
});

test('createBus: other schemes and junk get a clear error', async () => {
  await assert.rejects(createBus('redis://127.0.0.1:6379'), (error: Error) => {
    assert.ok(error instanceof ValidationError);
    assert.match(error.message, /scheme "redis:" is not supported; use memory:\/\/ .* or nats:\/\/host:port/);
    return true;
  });
  await assert.rejects(createBus('127.0.0.1:4222'), /not supported|not a URL/);
  await assert.rejects(createBus('not a url'), /is not a URL/);
});
