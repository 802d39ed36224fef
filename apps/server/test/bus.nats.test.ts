import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { SourceStateMessage } from '@runecast/contracts';
import { runBusContract } from '../src/bus/bus.contract.ts';
import { createBus } from '../src/bus/create-bus.ts';
import { NatsBus, createNatsBus, type NatsBusOptions } from '../src/bus/nats.bus.ts';

const NATS_URL = process.env.RUNECAST_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const runId = randomBytes(6).toString('hex');
const streamName = `RUNECAST_TEST_${runId}`;
const subjectPrefix = `test-${runId}`;

const busOptions: NatsBusOptions = {
  url: NATS_URL,
  streamName,
  subjectPrefix,
  maxAgeMs: 10 * 60_000,
  maxBytes: 64 * 1024 * 1024,
  redeliveryDelayMs: 50,
  inactiveConsumerMs: 10_000,
  heartbeatMs: 1000,
};

after(async () => {
  const connection = await connect({ servers: NATS_URL });
  const manager = await jetstreamManager(connection);
  await manager.streams.delete(streamName).catch(() => undefined);
  await connection.close();
});

runBusContract('NATS JetStream', {
  createBus: () => createNatsBus(busOptions),
  publishUnchecked: async (bus, topic, payload) => {
    assert.ok(bus instanceof NatsBus);
    await bus.publishUnchecked(topic, JSON.stringify(payload));
  },
  durableAcrossBuses: true,
  quietPeriodMs: 300,
});

const state = (exchange: string, sequence: number): SourceStateMessage => ({
  exchange,
  state: 'connected',
  attempt: sequence,
  reason: null,
  atMs: 1_750_000_000_000 + sequence,
});

describe('NATS JetStream bus, beyond the contract', () => {
  test('creates the stream with file storage and bounded retention, and updates it on restart', async () => {
    const bus = await createNatsBus(busOptions);
    const connection = await connect({ servers: NATS_URL });
    try {
      const manager = await jetstreamManager(connection);
      const info = await manager.streams.info(streamName);
      assert.equal(info.config.storage, 'file');
      assert.deepEqual(info.config.subjects.sort(), [
        `${subjectPrefix}.alerts.>`,
        `${subjectPrefix}.data.>`,
        `${subjectPrefix}.forecasts.>`,
        `${subjectPrefix}.health.>`,
        `${subjectPrefix}.ingest.>`,
        `${subjectPrefix}.jobs.>`,
        `${subjectPrefix}.source.>`,
      ]);
      assert.equal(info.config.max_age, 10 * 60_000 * 1_000_000);
      assert.equal(info.config.max_bytes, 64 * 1024 * 1024);
      const again = await createNatsBus({ ...busOptions, maxAgeMs: 5 * 60_000 });
      assert.equal((await manager.streams.info(streamName)).config.max_age, 5 * 60_000 * 1_000_000);
      await again.close();
      await createNatsBus(busOptions).then((restored) => restored.close());
    } finally {
      await connection.close();
      await bus.close();
    }
  });

  test('queue group members on separate connections split the messages', async () => {
    const exchange = `ex${randomBytes(5).toString('hex')}`;
    const topic = `source.state.${exchange}`;
    const workers = await Promise.all([createNatsBus(busOptions), createNatsBus(busOptions)]);
    const publisher = await createNatsBus(busOptions);
    const received = workers.map(() => [] as number[]);
    try {
      for (const [index, worker] of workers.entries()) {
        await worker.subscribe<SourceStateMessage>(
          topic,
          async (message) => {
            await delay(5);
            received[index]!.push(message.data.attempt);
          },
          { queueGroup: 'candle-writers' },
        );
      }
      const count = 40;
      await Promise.all(
        Array.from({ length: count }, (_, sequence) => publisher.publish(topic, state(exchange, sequence))),
      );
      await workers[0]!.flush();
      await workers[1]!.flush();
      const all = received.flat().sort((a, b) => a - b);
      assert.deepEqual(
        all,
        Array.from({ length: count }, (_, index) => index),
      );
      assert.ok(
        received.every((share) => share.length > 0),
        `shares: ${received.map((share) => share.length).join(', ')}`,
      );
    } finally {
      await Promise.all([...workers, publisher].map((bus) => bus.close()));
    }
  });

  test('bytes that are not JSON are terminated and counted, never handed over', async () => {
    const exchange = `ex${randomBytes(5).toString('hex')}`;
    const topic = `source.state.${exchange}`;
    const reasons: string[] = [];
    const bus = await createNatsBus({ ...busOptions, onInvalidMessage: (reason) => reasons.push(reason) });
    const handled: number[] = [];
    try {
      await bus.subscribe<SourceStateMessage>(topic, (message) => void handled.push(message.data.attempt));
      await bus.publishUnchecked(topic, 'not json at all {');
      await bus.publish(topic, state(exchange, 4));
      await bus.flush();
      assert.deepEqual(handled, [4]);
      assert.equal(bus.stats().invalid, 1);
      assert.match(reasons[0] ?? '', /is not JSON/);
    } finally {
      await bus.close();
    }
  });

  test('a message whose handler keeps failing is terminated after maxDeliveries', async () => {
    const exchange = `ex${randomBytes(5).toString('hex')}`;
    const topic = `source.state.${exchange}`;
    const bus = await createNatsBus({ ...busOptions, maxDeliveries: 3, redeliveryDelayMs: 10 });
    const attempts: number[] = [];
    try {
      await bus.subscribe<SourceStateMessage>(topic, (message) => {
        attempts.push(message.deliveryCount);
        throw new Error('always fails');
      });
      await bus.publish(topic, state(exchange, 1));
      await bus.flush();
      await delay(200);
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.equal(bus.stats().dropped, 1);
      assert.equal(bus.stats().handlerErrors, 3);
    } finally {
      await bus.close();
    }
  });

  test('refuses topics outside the stream and patterns it cannot serve', async () => {
    const bus = await createNatsBus({
      ...busOptions,
      streamName: `${streamName}_DATA`,
      subjectPrefix: `${subjectPrefix}-data`,
      subjects: ['data.>'],
    });
    try {
      await assert.rejects(
        bus.publish('source.state.binance', state('binance', 1)),
        /outside the stream's subjects/,
      );
      await assert.rejects(
        bus.subscribe('source.state.*', () => {}),
        /matches nothing the stream captures/,
      );
      assert.equal(bus.stats().rejected, 1);
    } finally {
      await bus.close();
      const connection = await connect({ servers: NATS_URL });
      const manager = await jetstreamManager(connection);
      await manager.streams.delete(`${streamName}_DATA`).catch(() => undefined);
      await connection.close();
    }
  });

  test('a subscription whose consumer the server lost gets it back and keeps receiving', async () => {
    const exchange = `ex${randomBytes(5).toString('hex')}`;
    const topic = `source.state.${exchange}`;
    const durableName = `lost-${exchange}`;
    const bus = await createNatsBus(busOptions);
    const connection = await connect({ servers: NATS_URL });
    const handled: number[] = [];
    try {
      const manager = await jetstreamManager(connection);
      await bus.subscribe<SourceStateMessage>(topic, (message) => void handled.push(message.data.attempt), {
        durableName,
      });
      await manager.consumers.delete(streamName, durableName);
      const startedMs = Date.now();
      let recreated = false;
      while (!recreated && Date.now() - startedMs < 15_000) {
        await delay(100);
        recreated =
          (await manager.consumers.info(streamName, durableName).catch(() => undefined)) !== undefined;
      }
      assert.ok(recreated, 'the consumer should be recreated');
      await bus.publish(topic, state(exchange, 9));
      await bus.flush();
      assert.deepEqual(handled, [9]);
    } finally {
      await connection.close();
      await bus.close();
    }
  });

  test('an unreachable server gives a clear error', async () => {
    await assert.rejects(
      createNatsBus({ ...busOptions, url: 'nats://127.0.0.1:1', connectTimeoutMs: 1000 }),
      /cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/,
    );
  });

  test('createBus picks NATS for a nats:// URL', async () => {
    const bus = await createBus(NATS_URL, { nats: { streamName, subjectPrefix } });
    try {
      assert.equal(bus.kind, 'nats');
      assert.deepEqual(bus.status(), { state: 'ok', reason: null });
    } finally {
      await bus.close();
    }
    assert.equal(bus.status().state, 'down');
  });
});

describe('NATS JetStream bus across a server restart', () => {
  const serverBinary = ['/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server'].find(
    (path) => existsSync(path),
  );

  test(
    'reports degraded while the server is away, then recovers and delivers again',
    { skip: serverBinary === undefined ? 'no nats-server binary on this machine' : false },
    async () => {
      const storeDirectory = mkdtempSync(join(tmpdir(), 'runecast-nats-'));
      const port = await freePort();
      const start = async (): Promise<ChildProcess> => {
        const server = spawn(
          serverBinary!,
          ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDirectory],
          {
            stdio: 'ignore',
          },
        );
        await waitForPort(port);
        return server;
      };
      let server = await start();
      const changes: string[] = [];
      const bus = await createNatsBus({
        ...busOptions,
        url: `nats://127.0.0.1:${port}`,
        onConnectionChange: (change) => changes.push(change.state),
      });
      try {
        const exchange = `ex${randomBytes(5).toString('hex')}`;
        const topic = `source.state.${exchange}`;
        const handled: number[] = [];
        await bus.subscribe<SourceStateMessage>(topic, (message) => void handled.push(message.data.attempt), {
          durableName: 'survivor',
        });
        await bus.publish(topic, state(exchange, 1));
        await bus.flush();
        assert.deepEqual(bus.status(), { state: 'ok', reason: null });

        await stop(server);
        await waitUntil(() => bus.status().state === 'degraded', 10_000, 'status to turn degraded');
        assert.match(bus.status().reason ?? '', /disconnected|reconnecting/);

        // Several reconnect attempts fail meanwhile; the outage is still told once.
        await delay(2_500);
        assert.deepEqual(changes, ['disconnected']);
        server = await start();
        await waitUntil(() => bus.status().state === 'ok', 15_000, 'status to turn ok again');
        await waitUntil(() => changes.length === 2, 5_000, 'the reconnection to be told');
        assert.deepEqual(
          changes,
          ['disconnected', 'reconnected'],
          'one line for the outage, one for the recovery',
        );
        await bus.publish(topic, state(exchange, 2));
        await waitUntil(() => handled.length === 2, 15_000, 'the message published after the restart');
        assert.deepEqual(handled, [1, 2]);
      } finally {
        await bus.close();
        await stop(server);
        rmSync(storeDirectory, { recursive: true, force: true });
      }
    },
  );
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  await waitUntil(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = createConnection({ host: '127.0.0.1', port });
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      }),
    10_000,
    `nats-server on port ${port}`,
  );
}

async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
}

async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await delay(50);
  }
}
