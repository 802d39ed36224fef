import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AlertMonitor } from '../src/alerts/alert-monitor.ts';
import { AlertService } from '../src/alerts/alert.service.ts';
import { SecretBox } from '../src/auth/secret-box.ts';
import { SecretService } from '../src/auth/secret.service.ts';
import { candlesTopic } from '../src/bus/topics.ts';
import { createLogger } from '../src/observability/logger.ts';
import { closesBatch, startWebhookReceiver, type WebhookReceiver } from './support/alert-fixtures.ts';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';

const SERIES = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' as const };
const START_MS = Date.UTC(2026, 0, 5, 12, 0);
const ALL_ON = {
  'price-cross': 'on',
  move: 'on',
  'volume-spike': 'on',
  'forecast-move': 'on',
  'forecast-band': 'on',
  stale: 'on',
  'job-failed': 'on',
  security: 'on',
  'component-unhealthy': 'on',
  'model-behind-naive': 'on',
  'rune-stat': 'on',
  'sentiment-shift': 'on',
};

describe('channel modes per rule kind: on, silent, off', { timeout: 120_000 }, () => {
  let harness: ApiHarness;
  let receiver: WebhookReceiver;
  let monitor: AlertMonitor;
  let owner: { id: string; token: string };
  let other: { id: string; token: string };
  const secretsKey = randomBytes(32);

  const call = async (method: string, url: string, token: string, body?: unknown) => {
    const response = await harness.request({ method, url, token, body });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };

  before(async () => {
    receiver = await startWebhookReceiver();
    harness = await createApiHarness({
      dependencies: { authKeys: { tokenKey: randomBytes(64), secretsKey } },
    });
    owner = await harness.createUser();
    other = await harness.createUser();
    monitor = new AlertMonitor({
      bus: harness.bus,
      repository: harness.store.alerts,
      service: new AlertService({
        repository: harness.store.alerts,
        secrets: new SecretService(harness.store.secrets, new SecretBox(secretsKey)),
        now: () => START_MS,
      }),
      logger: createLogger('silent'),
      now: () => START_MS,
      deliveryIntervalMs: 3_600_000,
      ruleRefreshMs: 3_600_000,
    });
    await monitor.start();
  });

  after(async () => {
    await monitor?.stop();
    await harness?.close();
    await receiver?.close();
  });

  let quietChannel = '';
  let loudChannel = '';

  test('a channel is on for every kind unless told otherwise, and may be created with modes', async () => {
    const quiet = await call('POST', '/api/v1/alerts/channels', owner.token, {
      kind: 'webhook',
      name: 'quiet',
      url: `${receiver.url}/quiet`,
    });
    assert.equal(quiet.status, 201, JSON.stringify(quiet.body));
    assert.deepEqual(quiet.body.eventModes, ALL_ON);
    quietChannel = quiet.body.id as string;

    const loud = await call('POST', '/api/v1/alerts/channels', owner.token, {
      kind: 'webhook',
      name: 'loud',
      url: `${receiver.url}/loud`,
      eventModes: { stale: 'off' },
    });
    assert.equal(loud.status, 201, JSON.stringify(loud.body));
    assert.deepEqual(loud.body.eventModes, { ...ALL_ON, stale: 'off' });
    loudChannel = loud.body.id as string;
  });

  test('bad modes answer 400 naming the field, another user’s channel 404, never 500', async () => {
    const url = `/api/v1/alerts/channels/${quietChannel}/modes`;
    const cases: [unknown, RegExp][] = [
      [{ eventModes: { 'price-cross': 'loud' } }, /eventModes\.price-cross: must be one of on, silent, off/],
      [{ eventModes: { sentiment: 'off' } }, /eventModes.*sentiment/],
      [{ eventModes: 'off' }, /eventModes/],
      [{}, /eventModes/],
      [{ eventModes: {}, extra: 1 }, /extra/],
    ];
    for (const [body, message] of cases) {
      const answer = await call('PUT', url, owner.token, body);
      assert.equal(answer.status, 400, `${JSON.stringify(body)} → ${answer.status}`);
      const error = answer.body.error as { code: string; message: string };
      assert.equal(error.code, 'validation_failed');
      assert.match(error.message, message);
    }
    const created = await call('POST', '/api/v1/alerts/channels', owner.token, {
      kind: 'webhook',
      name: 'x',
      url: `${receiver.url}/x`,
      eventModes: { move: 'sometimes' },
    });
    assert.equal(created.status, 400);

    const foreign = await call('PUT', url, other.token, { eventModes: { move: 'off' } });
    assert.equal(foreign.status, 404);
    const missing = await call(
      'PUT',
      '/api/v1/alerts/channels/00000000-0000-4000-8000-000000000000/modes',
      owner.token,
      { eventModes: {} },
    );
    assert.equal(missing.status, 404);
    // The refused calls changed nothing.
    const read = await call('GET', `/api/v1/alerts/channels/${quietChannel}`, owner.token);
    assert.deepEqual(read.body.eventModes, ALL_ON);
  });

  test('silent and off keep a channel from sending a kind; the firing is still stored and shown', async () => {
    const set = await call('PUT', `/api/v1/alerts/channels/${quietChannel}/modes`, owner.token, {
      eventModes: { 'price-cross': 'silent', move: 'off' },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.eventModes, { ...ALL_ON, 'price-cross': 'silent', move: 'off' });

    for (const body of [
      { name: 'cross', condition: { kind: 'price-cross', direction: 'above', level: 105 } },
      { name: 'move', condition: { kind: 'move', percent: 5, windowMinutes: 2 } },
    ]) {
      const created = await call('POST', '/api/v1/alerts/rules', owner.token, {
        ...body,
        series: 'binance:BTC/USDT:1m',
        channelIds: [quietChannel, loudChannel],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    await monitor.refreshRules();
    await harness.bus.publish(candlesTopic(SERIES), closesBatch(SERIES, [100, 100, 110], START_MS));
    await harness.bus.flush();

    const history = await call('GET', '/api/v1/alerts/history', owner.token);
    const events = history.body.events as { ruleName: string; silent: boolean }[];
    assert.deepEqual(events.map((event) => event.ruleName).sort(), ['cross', 'move']);
    assert.equal(history.body.openCount, 2);

    const deliveries = (await call('GET', '/api/v1/alerts/deliveries', owner.token)).body.deliveries as {
      channelId: string;
    }[];
    assert.deepEqual(
      deliveries.map((delivery) => delivery.channelId),
      [loudChannel, loudChannel],
      'only the channel that is on for both kinds has deliveries',
    );
    await monitor.deliverNow();
    assert.deepEqual(receiver.received.map((request) => request.url).sort(), ['/loud', '/loud']);
  });
});
