import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runBusContract } from './bus.contract.ts';
import { InProcessBus } from './in-process.bus.ts';
import type { SourceStateMessage } from '@runecast/contracts';

runBusContract('in-process', {
  createBus: async () => new InProcessBus({ redeliveryDelayMs: 10 }),
  publishUnchecked: async (bus, topic, payload) => {
    assert.ok(bus instanceof InProcessBus);
    await bus.publishUnchecked(topic, payload);
  },
  durableAcrossBuses: false,
  quietPeriodMs: 30,
});

const state = (sequence: number): SourceStateMessage => ({
  exchange: 'binance',
  state: 'down',
  attempt: sequence,
  reason: null,
  atMs: 1_750_000_000_000 + sequence,
});

test('in-process: a message whose handler keeps failing is dropped after maxDeliveries and counted', async () => {
  const bus = new InProcessBus({ maxDeliveries: 3, redeliveryDelayMs: 1 });
  const seen: number[] = [];
  const errors: unknown[] = [];
  const observed = new InProcessBus({ redeliveryDelayMs: 1, onHandlerError: (error) => errors.push(error) });
  await bus.subscribe<SourceStateMessage>('source.state.binance', (message) => {
    seen.push(message.deliveryCount);
    if (message.data.attempt === 1) throw new Error('always fails');
  });
  await bus.publish('source.state.binance', state(1));
  await bus.publish('source.state.binance', state(2));
  await bus.flush();
  assert.deepEqual(seen, [1, 2, 3, 1]);
  const stats = bus.stats();
  assert.equal(stats.handlerErrors, 3);
  assert.equal(stats.dropped, 1);
  assert.equal(stats.delivered, 4);
  await bus.close();
  await observed.subscribe('source.state.binance', () => {
    throw new Error('reported');
  });
  await observed.publish('source.state.binance', state(3));
  await observed.flush();
  assert.ok(errors.length >= 1);
  await observed.close();
});

test('in-process: handlers get their own copy of the message', async () => {
  const bus = new InProcessBus();
  const received: SourceStateMessage[] = [];
  const sent = state(5);
  for (let index = 0; index < 2; index += 1) {
    await bus.subscribe<SourceStateMessage>('source.state.*', (message) => {
      received.push(message.data);
      message.data.attempt = 99;
    });
  }
  await bus.publish('source.state.binance', sent);
  sent.attempt = 42;
  await bus.flush();
  assert.deepEqual(
    received.map((message) => message.attempt),
    [99, 99],
  );
  assert.notEqual(received[0], received[1]);
  await bus.close();
});

test('in-process: a durable consumer buffers while away, up to its bound', async () => {
  const bus = new InProcessBus({ maxBufferedPerConsumer: 3 });
  const subscription = await bus.subscribe('source.state.binance', () => {}, { durableName: 'keeper' });
  await subscription.unsubscribe();
  for (let sequence = 0; sequence < 5; sequence += 1)
    await bus.publish('source.state.binance', state(sequence));
  const received: number[] = [];
  await bus.subscribe<SourceStateMessage>(
    'source.state.binance',
    (message) => void received.push(message.data.attempt),
    {
      durableName: 'keeper',
    },
  );
  await bus.flush();
  assert.deepEqual(received, [2, 3, 4]);
  assert.equal(bus.stats().dropped, 2);
  await bus.close();
});

test('in-process: options are checked', () => {
  assert.throws(
    () => new InProcessBus({ maxDeliveries: 0 }),
    /maxDeliveries must be a whole number of at least 1/,
  );
  assert.throws(() => new InProcessBus({ redeliveryDelayMs: -1 }), /redeliveryDelayMs/);
});

test('in-process: a delivered message is not kept by the bus', async () => {
  v8.setFlagsFromString('--expose-gc');
  const collectGarbage = runInNewContext('gc') as () => void;
  const bus = new InProcessBus();
  let delivered: WeakRef<object> | null = null;
  await bus.subscribe<SourceStateMessage>('source.state.*', (message) => {
    delivered = new WeakRef(message.data);
  });
  await bus.publish('source.state.binance', state(7));
  await bus.flush();
  assert.ok(delivered !== null);
  // Finalization runs between macrotasks: collect, yield, collect again.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(
    (delivered as WeakRef<object>).deref(),
    undefined,
    'the bus still holds the delivered message',
  );
  await bus.close();
});
