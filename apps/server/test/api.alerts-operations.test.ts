import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AlertMonitor } from '../src/alerts/alert-monitor.ts';
import { AlertService } from '../src/alerts/alert.service.ts';
import { SecretBox } from '../src/auth/secret-box.ts';
import { SecretService } from '../src/auth/secret.service.ts';
import { forecastsScoredTopic, healthChangedTopic } from '../src/bus/topics.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/alert-fixtures.ts';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';

const START_MS = Date.UTC(2026, 0, 5, 12, 0);

describe('operational rules from health and scoring events on the bus', { timeout: 120_000 }, () => {
  let harness: ApiHarness;
  let receiver: WebhookReceiver;
  let monitor: AlertMonitor;
  let admin: { id: string; token: string };
  let user: { id: string; token: string };
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
    admin = await harness.createUser('admin');
    user = await harness.createUser();
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
      jobAccess: {
        jobOwner: async () => null,
        isAdmin: async (userId) => userId === admin.id,
      },
    });
    await monitor.start();
  });

  after(async () => {
    await monitor?.stop();
    await harness?.close();
    await receiver?.close();
  });

  test('component rules are for admins, and bad conditions answer 400', async () => {
    const refused = await call('POST', '/api/v1/alerts/rules', user.token, {
      name: 'down',
      condition: { kind: 'component-unhealthy' },
    });
    assert.equal(refused.status, 400);
    assert.match(
      (refused.body.error as { message: string }).message,
      /component-unhealthy rules are for admins/,
    );
    for (const condition of [
      { kind: 'component-unhealthy', components: [] },
      { kind: 'component-unhealthy', components: ['so*urce'] },
      { kind: 'model-behind-naive', relativeMae: 0.1 },
      { kind: 'model-behind-naive', minScored: 1000 },
      { kind: 'model-behind-naive', extra: true },
    ]) {
      const answer = await call('POST', '/api/v1/alerts/rules', admin.token, { name: 'x', condition });
      assert.equal(answer.status, 400, JSON.stringify(condition));
    }
  });

  test('a component going down and a model behind naive fire, are stored once and sent', async () => {
    const channel = await call('POST', '/api/v1/alerts/channels', admin.token, {
      kind: 'webhook',
      name: 'ops',
      url: `${receiver.url}/ops`,
    });
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    const channelIds = [channel.body.id as string];
    for (const body of [
      { name: 'sources down', condition: { kind: 'component-unhealthy', components: ['source:*'] } },
      {
        name: 'behind naive',
        series: 'binance:BTC/USDT:1h',
        condition: { kind: 'model-behind-naive', relativeMae: 1.05 },
      },
    ]) {
      const created = await call('POST', '/api/v1/alerts/rules', admin.token, { ...body, channelIds });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    await monitor.refreshRules();

    const down = {
      process: 'host-1',
      component: 'source:binance',
      state: 'down',
      previousState: 'ok',
      reason: 'connection refused',
      atMs: START_MS,
    };
    await harness.bus.publish(healthChangedTopic('host-1'), down);
    await harness.bus.publish(healthChangedTopic('host-1'), down);
    await harness.bus.publish(healthChangedTopic('host-1'), { ...down, component: 'store' });
    const scored = {
      modelVersionId: 3,
      modelType: 'ridge',
      series: 'binance:BTC/USDT:1h',
      horizonMinutes: 60,
      scored: 40,
      mae: 12,
      naiveMae: 10,
      relativeMae: 1.2,
      lastTargetMs: START_MS,
      atMs: START_MS,
    };
    const series = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h' } as const;
    await harness.bus.publish(forecastsScoredTopic(series), scored);
    await harness.bus.publish(forecastsScoredTopic(series), scored);
    await harness.bus.flush();

    const history = await call('GET', '/api/v1/alerts/history', admin.token);
    const events = history.body.events as { ruleName: string; message: string; series: string }[];
    assert.deepEqual(events.map((event) => event.ruleName).sort(), ['behind naive', 'sources down']);
    assert.ok(
      events.some((event) => event.message === 'sources down: source:binance is down: connection refused'),
    );
    assert.equal((await call('GET', '/api/v1/alerts/history', user.token)).body.openCount, 0);

    await monitor.deliverNow();
    const messages = receiver.received.map(
      (request) => (JSON.parse(request.body) as { message: string }).message,
    );
    assert.equal(messages.length, 2);
    assert.ok(
      messages.some((message) => /ridge v3 on binance:BTC\/USDT:1h .* behind naive: MAE 1\.2×/.test(message)),
    );
  });

  test('a bad health or scoring message is refused at the bus', async () => {
    await assert.rejects(
      harness.bus.publish(healthChangedTopic('host-1'), {
        process: 'host-2',
        component: 'store',
        state: 'down',
        previousState: null,
        reason: null,
        atMs: START_MS,
      }),
      /does not match/,
    );
    await assert.rejects(
      harness.bus.publish(
        forecastsScoredTopic({ exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h' }),
        {
          modelVersionId: 3,
        },
      ),
    );
  });
});
