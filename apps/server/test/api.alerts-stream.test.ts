import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AlertMonitor } from '../src/alerts/alert-monitor.ts';
import { AlertService } from '../src/alerts/alert.service.ts';
import { SecretBox } from '../src/auth/secret-box.ts';
import { SecretService } from '../src/auth/secret.service.ts';
import { candlesTopic } from '../src/bus/topics.ts';
import { createLogger } from '../src/observability/logger.ts';
import { closesBatch } from './support/alert-fixtures.ts';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';
import { type EventStreamClient, openEventStreamClient } from './support/http/event-stream-client.ts';

const SERIES = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' as const };
const START_MS = Date.UTC(2026, 0, 5, 12, 0);

describe('alert firings pushed live to their owner’s stream', { timeout: 120_000 }, () => {
  let harness: ApiHarness;
  let port: number;
  let monitor: AlertMonitor;
  let owner: { id: string; token: string };
  let other: { id: string; token: string };
  const streams: EventStreamClient[] = [];
  const secretsKey = randomBytes(32);
  let publishErrors = 0;

  const open = async (token: string) => {
    const stream = await openEventStreamClient(
      port,
      `/api/v1/stream/alerts?ticket=${await harness.streamTicket(token)}`,
    );
    streams.push(stream);
    assert.equal(stream.statusCode, 200);
    await stream.waitFor((event) => event.event === 'ready', 5_000);
    return stream;
  };

  before(async () => {
    harness = await createApiHarness({
      dependencies: { authKeys: { tokenKey: randomBytes(64), secretsKey } },
    });
    await harness.app.listen({ host: '127.0.0.1', port: 0 });
    port = (harness.app.server.address() as AddressInfo).port;
    owner = await harness.createUser();
    other = await harness.createUser();
    // The alerts role's side: evaluates candles from the bus, stores firings and announces them.
    const service = new AlertService({
      repository: harness.store.alerts,
      secrets: new SecretService(harness.store.secrets, new SecretBox(secretsKey)),
      bus: harness.bus,
      onPublishError: () => {
        publishErrors += 1;
      },
    });
    monitor = new AlertMonitor({
      bus: harness.bus,
      repository: harness.store.alerts,
      service,
      logger: createLogger('silent'),
      now: () => START_MS,
      deliveryIntervalMs: 3_600_000,
      ruleRefreshMs: 3_600_000,
    });
    await monitor.start();
  });

  after(async () => {
    for (const stream of streams) stream.close();
    await monitor?.stop();
    await harness?.close();
  });

  test('a stored firing reaches its owner’s open streams and no other user’s, an admin’s included', async () => {
    const created = await harness.request({
      method: 'POST',
      url: '/api/v1/alerts/rules',
      token: owner.token,
      body: {
        name: 'BTC above 100',
        series: 'binance:BTC/USDT:1m',
        condition: { kind: 'price-cross', direction: 'above', level: 100 },
        cooldownMinutes: 0,
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    const ruleId = (created.json() as { id: string }).id;
    await monitor.refreshRules();

    const ownerTab = await open(owner.token);
    const ownerSecondTab = await open(owner.token);
    const otherStream = await open(other.token);
    const adminStream = await open(await harness.adminToken());

    await harness.bus.publish(candlesTopic(SERIES), closesBatch(SERIES, [90, 95, 110], START_MS));
    await harness.bus.flush();

    const pushed = await ownerTab.waitFor((event) => event.event === 'alert', 10_000);
    assert.equal(pushed.data.ruleId, ruleId);
    assert.equal(pushed.data.ownerUserId, owner.id);
    assert.equal(pushed.data.series, 'binance:BTC/USDT:1m');
    assert.equal(pushed.data.status, 'open');
    assert.equal((pushed.data.values as Record<string, number>).price, 110);
    await ownerSecondTab.waitFor((event) => event.event === 'alert', 5_000);

    // What was pushed is what the history holds.
    const history = await harness.request({
      method: 'GET',
      url: '/api/v1/alerts/history',
      token: owner.token,
    });
    const stored = (history.json() as { events: { id: string }[]; openCount: number }).events;
    assert.deepEqual(
      stored.map((event) => event.id),
      [pushed.data.id],
    );

    // Give a misrouted event every chance to arrive before saying it did not.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(
      otherStream.events.map((event) => event.event),
      ['ready'],
    );
    assert.deepEqual(
      adminStream.events.map((event) => event.event),
      ['ready'],
    );
    assert.equal(ownerTab.events.filter((event) => event.event === 'alert').length, 1);
    assert.equal(publishErrors, 0);
  });

  test('the same candles delivered again store nothing and push nothing', async () => {
    const ownerTab = await open(owner.token);
    await harness.bus.publish(candlesTopic(SERIES), closesBatch(SERIES, [90, 95, 110], START_MS));
    await harness.bus.flush();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(
      ownerTab.events.map((event) => event.event),
      ['ready'],
    );
  });

  test('the alerts stream needs a caller and takes no other parameters', async () => {
    const anonymous = await harness.request({ method: 'GET', url: '/api/v1/stream/alerts' });
    assert.equal(anonymous.statusCode, 401);
    const ticket = await harness.streamTicket(owner.token);
    const unknown = await harness.request({
      method: 'GET',
      url: `/api/v1/stream/alerts?ticket=${ticket}&user=${other.id}`,
    });
    assert.equal(unknown.statusCode, 400, unknown.body);
    assert.equal((unknown.json() as { error: { code: string } }).error.code, 'validation_failed');
  });
});
