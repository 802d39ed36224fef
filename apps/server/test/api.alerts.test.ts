import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AlertMonitor } from '../src/alerts/alert-monitor.ts';
import { AlertService } from '../src/alerts/alert.service.ts';
import { signBody } from '../src/alerts/alert-sender.ts';
import { SecretBox } from '../src/auth/secret-box.ts';
import { SecretService } from '../src/auth/secret.service.ts';
import { candlesTopic, jobProgressTopic } from '../src/bus/topics.ts';
import { createLogger } from '../src/observability/logger.ts';
import { closesBatch, startWebhookReceiver, type WebhookReceiver } from './support/alert-fixtures.ts';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';

const SERIES = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' as const };
const SERIES_KEY = 'binance:BTC/USDT:1m';
const START_MS = Date.UTC(2026, 0, 5, 12, 0);

const candleBatch = (closes: readonly number[], firstMs: number) => closesBatch(SERIES, closes, firstMs);

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe(
  'alerts over the API: channels, rules, firings, signed webhooks, retries, ownership',
  { timeout: 120_000 },
  () => {
    let harness: ApiHarness;
    let receiver: WebhookReceiver;
    let owner: { id: string; token: string };
    let other: { id: string; token: string };
    let clockMs = START_MS;
    let service: AlertService;
    let monitor: AlertMonitor;
    const secretsKey = randomBytes(32);

    const newMonitor = () =>
      new AlertMonitor({
        bus: harness.bus,
        repository: harness.store.alerts,
        service,
        logger: createLogger('silent'),
        now: () => clockMs,
        // Deliveries are driven by the test (deliverNow), with its own clock.
        deliveryIntervalMs: 3_600_000,
        ruleRefreshMs: 3_600_000,
      });

    before(async () => {
      receiver = await startWebhookReceiver();
      harness = await createApiHarness({
        dependencies: { authKeys: { tokenKey: randomBytes(64), secretsKey } },
      });
      owner = await harness.createUser();
      other = await harness.createUser();
      service = new AlertService({
        repository: harness.store.alerts,
        secrets: new SecretService(harness.store.secrets, new SecretBox(secretsKey), () => clockMs),
        now: () => clockMs,
      });
      monitor = newMonitor();
      await monitor.start();
    });

    after(async () => {
      await monitor?.stop();
      await harness?.close();
      await receiver?.close();
    });

    let channelId = '';
    let secret = '';
    let ruleId = '';

    test('a webhook channel is created with a secret shown once, and its test notification is signed', async () => {
      const created = await harness.request({
        method: 'POST',
        url: '/api/v1/alerts/channels',
        token: owner.token,
        body: { kind: 'webhook', name: 'desk', url: `${receiver.url}/hooks/runecast?token=abc` },
      });
      assert.equal(created.statusCode, 201, created.body);
      const channel = created.json() as { id: string; secret: string; target: string };
      assert.match(channel.secret, /^[A-Za-z0-9_-]{40,}$/);
      assert.ok(!channel.target.includes('token=abc'), 'the stored address is not shown in full');
      channelId = channel.id;
      secret = channel.secret;

      const read = await harness.request({
        method: 'GET',
        url: `/api/v1/alerts/channels/${channelId}`,
        token: owner.token,
      });
      assert.equal(read.statusCode, 200);
      assert.equal(
        (read.json() as Record<string, unknown>).secret,
        undefined,
        'the secret is never shown again',
      );

      const tested = await harness.request({
        method: 'POST',
        url: `/api/v1/alerts/channels/${channelId}/test`,
        token: owner.token,
      });
      assert.equal(tested.statusCode, 200, tested.body);
      assert.deepEqual(tested.json(), { delivered: true, status: 200, error: null });
      const request = receiver.received.at(-1)!;
      assert.equal(request.url, '/hooks/runecast?token=abc');
      assert.equal(request.headers['x-runecast-signature'], signBody(request.body, secret));
      const body = JSON.parse(request.body) as { id: string; type: string };
      assert.equal(body.type, 'test');
      assert.equal(request.headers['x-runecast-event-id'], body.id);
    });

    test('bad channel and rule bodies answer 400 with the field, never 500', async () => {
      const cases: [string, unknown][] = [
        ['/api/v1/alerts/channels', { kind: 'webhook', name: 'x', url: 'ftp://example.com' }],
        ['/api/v1/alerts/channels', { kind: 'pager', name: 'x', url: 'https://example.com' }],
        ['/api/v1/alerts/channels', { kind: 'telegram', name: 'x', botToken: 'nope', chatId: '1' }],
        [
          '/api/v1/alerts/rules',
          { name: 'r', condition: { kind: 'price-cross', direction: 'up', level: 1 } },
        ],
        ['/api/v1/alerts/rules', { name: 'r', condition: { kind: 'move', percent: -1, windowMinutes: 5 } }],
        [
          '/api/v1/alerts/rules',
          { name: 'r', series: 'nope', condition: { kind: 'price-cross', direction: 'above', level: 1 } },
        ],
        [
          '/api/v1/alerts/rules',
          {
            name: 'r',
            condition: { kind: 'price-cross', direction: 'above', level: 1 },
            template: '{secret}',
          },
        ],
        [
          '/api/v1/alerts/rules',
          {
            name: 'r',
            condition: { kind: 'price-cross', direction: 'above', level: 1 },
            quietHours: { start: '22:00', end: '07:00', timeZone: 'Mars/Olympus' },
          },
        ],
      ];
      for (const [url, body] of cases) {
        const response = await harness.request({ method: 'POST', url, token: owner.token, body });
        assert.equal(response.statusCode, 400, `${JSON.stringify(body)} → ${response.body}`);
        assert.equal((response.json() as { error: { code: string } }).error.code, 'validation_failed');
      }
    });

    test('a price crossing fires once, is delivered signed, and a redelivered candle does not fire again', async () => {
      const created = await harness.request({
        method: 'POST',
        url: '/api/v1/alerts/rules',
        token: owner.token,
        body: {
          name: 'BTC above 100k',
          series: SERIES_KEY,
          condition: { kind: 'price-cross', direction: 'above', level: 100_000 },
          severity: 'critical',
          cooldownMinutes: 0,
          channelIds: [channelId],
          template: '{rule}: {series} at {price}',
        },
      });
      assert.equal(created.statusCode, 201, created.body);
      ruleId = (created.json() as { id: string }).id;
      await monitor.refreshRules();
      const before = receiver.received.length;

      // Already above when first seen: no crossing yet. Then below, then a crossing above.
      const batch = candleBatch([100_500, 99_000, 99_500, 100_200], START_MS);
      await harness.bus.publish(candlesTopic(SERIES), batch);
      await harness.bus.flush();
      await waitFor(() => receiver.received.length > before);
      await monitor.deliverNow();
      assert.equal(receiver.received.length, before + 1, 'one notification');
      const request = receiver.received.at(-1)!;
      assert.equal(request.headers['x-runecast-signature'], signBody(request.body, secret));
      const payload = JSON.parse(request.body) as {
        id: string;
        type: string;
        message: string;
        event: { values: Record<string, number> };
      };
      assert.equal(payload.type, 'alert');
      assert.equal(payload.message, 'BTC above 100k: binance:BTC/USDT:1m at 100200');
      assert.equal(payload.event.values.price, 100_200);
      assert.equal(request.headers['x-runecast-event-id'], payload.id);

      // The same batch again (a redelivery), and a restarted monitor seeing it again: no new firing.
      await harness.bus.publish(candlesTopic(SERIES), batch);
      await harness.bus.flush();
      await monitor.stop();
      monitor = newMonitor();
      await monitor.start();
      await harness.bus.publish(candlesTopic(SERIES), batch);
      await harness.bus.flush();
      await monitor.deliverNow();
      assert.equal(receiver.received.length, before + 1, 'no repeated notification');

      const history = await harness.request({
        method: 'GET',
        url: '/api/v1/alerts/history',
        token: owner.token,
      });
      assert.equal(history.statusCode, 200);
      const { events, openCount } = history.json() as {
        events: { id: string; message: string }[];
        openCount: number;
      };
      assert.equal(events.length, 1);
      assert.equal(openCount, 1);
      assert.equal(events[0]!.id, payload.id);

      const acknowledged = await harness.request({
        method: 'POST',
        url: `/api/v1/alerts/history/${events[0]!.id}`,
        token: owner.token,
        body: { action: 'acknowledge' },
      });
      assert.equal(acknowledged.statusCode, 200);
      assert.equal((acknowledged.json() as { status: string }).status, 'acknowledged');
    });

    test('hysteresis: the rule re-arms only once the price is back below, then fires again', async () => {
      const before = receiver.received.length;
      const firstMs = START_MS + 10 * 60_000;
      // Still above: nothing. Below re-arms; above again fires.
      await harness.bus.publish(candlesTopic(SERIES), candleBatch([100_300, 100_400], firstMs));
      await harness.bus.flush();
      await monitor.deliverNow();
      assert.equal(receiver.received.length, before);
      await harness.bus.publish(candlesTopic(SERIES), candleBatch([99_900, 100_100], firstMs + 2 * 60_000));
      await harness.bus.flush();
      await waitFor(
        async () => (await harness.store.alerts.listDeliveries('all', { limit: 10 })).length >= 2,
      );
      await monitor.deliverNow();
      assert.equal(receiver.received.length, before + 1);
    });

    test('a failing receiver is retried with backoff and dead-lettered after a day; a replay sends it', async () => {
      const firstMs = START_MS + 20 * 60_000;
      receiver.failNext(Array.from({ length: 40 }, () => 503));
      await harness.bus.publish(candlesTopic(SERIES), candleBatch([99_000, 100_900], firstMs));
      await harness.bus.flush();
      await monitor.deliverNow();
      const pending = async () =>
        (await harness.store.alerts.listDeliveries('all', { limit: 10 })).find(
          (delivery) => delivery.state !== 'sent',
        );
      let delivery = await pending();
      assert.ok(delivery);
      assert.equal(delivery.state, 'pending');
      assert.equal(delivery.attempts, 1);
      assert.match(delivery.lastError ?? '', /503/);
      const firstRetryMs = delivery.nextAttemptAtMs! - clockMs;
      assert.equal(firstRetryMs, 30_000, 'first retry after 30 s');

      // Not due yet: nothing is sent.
      const tries = receiver.received.length;
      await monitor.deliverNow();
      assert.equal(receiver.received.length, tries);

      // Walk the clock through a day of retries.
      for (let step = 0; step < 40 && delivery?.state === 'pending'; step += 1) {
        clockMs = delivery.nextAttemptAtMs!;
        await monitor.deliverNow();
        delivery = await pending();
      }
      assert.ok(delivery);
      assert.equal(delivery.state, 'dead');
      assert.ok(delivery.attempts >= 5 && delivery.attempts < 40, `attempts ${delivery.attempts}`);

      const dead = await harness.request({
        method: 'GET',
        url: '/api/v1/alerts/deliveries?state=dead',
        token: owner.token,
      });
      assert.equal(dead.statusCode, 200);
      assert.deepEqual(
        (dead.json() as { deliveries: { id: string }[] }).deliveries.map((item) => item.id),
        [delivery.id],
      );
      receiver.clearFailures();
      const replayed = await harness.request({
        method: 'POST',
        url: `/api/v1/alerts/deliveries/${delivery.id}/replay`,
        token: owner.token,
      });
      assert.equal(replayed.statusCode, 200, replayed.body);
      assert.equal((replayed.json() as { state: string }).state, 'pending');
      const tried = receiver.received.length;
      // The API queued it at the wall clock's now; the test's clock catches up.
      clockMs = Date.now() + 1_000;
      await monitor.deliverNow();
      assert.equal(receiver.received.length, tried + 1);
      const sent = (await harness.store.alerts.listDeliveries('all', { limit: 10 })).find(
        (item) => item.id === delivery.id,
      );
      assert.equal(sent?.state, 'sent');
    });

    test('a failed job fires a job-failed rule from the bus, once however often the message comes', async () => {
      const created = await harness.request({
        method: 'POST',
        url: '/api/v1/alerts/rules',
        token: owner.token,
        body: {
          name: 'training broke',
          condition: { kind: 'job-failed', jobKinds: ['train'] },
          severity: 'critical',
        },
      });
      assert.equal(created.statusCode, 201, created.body);
      const failedRuleId = (created.json() as { id: string }).id;
      await monitor.refreshRules();
      const jobId = '00000000-0000-4000-8000-0000000000f1';
      const message = {
        jobId,
        kind: 'train' as const,
        state: 'failed' as const,
        attempt: 1,
        percent: null,
        message: null,
        epoch: null,
        totalEpochs: null,
        trainLoss: null,
        validationLoss: null,
        error: 'not enough candles',
        atMs: clockMs,
      };
      await harness.bus.publish(jobProgressTopic(jobId), message);
      await harness.bus.publish(jobProgressTopic(jobId), message);
      await harness.bus.publish(jobProgressTopic(jobId), { ...message, kind: 'predict' as const });
      await harness.bus.flush();
      // Handlers finish after the bus hands the messages over: wait for the three to be handled.
      const fired = async () =>
        (await harness.store.alerts.listEvents('all', { ruleId: failedRuleId, limit: 10 })).events.length;
      await waitFor(async () => (await fired()) > 0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const history = await harness.request({
        method: 'GET',
        url: `/api/v1/alerts/history?ruleId=${failedRuleId}`,
        token: owner.token,
      });
      const { events } = history.json() as { events: { message: string; series: string }[] };
      assert.deepEqual(
        events.map((event) => [event.series, event.message]),
        [['jobs:train', `training broke: train job ${jobId} failed: not enough candles`]],
      );
    });

    test('deleting a channel takes it out of the rules that named it', async () => {
      const made = await harness.request({
        method: 'POST',
        url: '/api/v1/alerts/channels',
        token: owner.token,
        body: { kind: 'slack', name: 'short-lived', url: 'https://hooks.slack.com/services/T000/B000/XXXX' },
      });
      const shortLived = (made.json() as { id: string }).id;
      const rule = await harness.request({
        method: 'POST',
        url: '/api/v1/alerts/rules',
        token: owner.token,
        body: {
          name: 'two channels',
          condition: { kind: 'price-cross', direction: 'below', level: 1 },
          channelIds: [channelId, shortLived],
        },
      });
      const ruleBody = rule.json() as { id: string };
      const deleted = await harness.request({
        method: 'DELETE',
        url: `/api/v1/alerts/channels/${shortLived}`,
        token: owner.token,
      });
      assert.equal(deleted.statusCode, 204);
      const read = await harness.request({
        method: 'GET',
        url: `/api/v1/alerts/rules/${ruleBody.id}`,
        token: owner.token,
      });
      assert.deepEqual((read.json() as { channelIds: string[] }).channelIds, [channelId]);
    });

    test("another user reaches none of the owner's channels, rules, firings or deliveries (404)", async () => {
      const events = (
        (
          await harness.request({ method: 'GET', url: '/api/v1/alerts/history', token: owner.token })
        ).json() as {
          events: { id: string }[];
        }
      ).events;
      const deliveries = await harness.store.alerts.listDeliveries('all', { limit: 10 });
      const attempts: [string, string, unknown?][] = [
        ['GET', `/api/v1/alerts/channels/${channelId}`],
        ['DELETE', `/api/v1/alerts/channels/${channelId}`],
        ['POST', `/api/v1/alerts/channels/${channelId}/test`],
        ['GET', `/api/v1/alerts/rules/${ruleId}`],
        [
          'PUT',
          `/api/v1/alerts/rules/${ruleId}`,
          { name: 'mine now', condition: { kind: 'price-cross', direction: 'below', level: 1 } },
        ],
        ['DELETE', `/api/v1/alerts/rules/${ruleId}`],
        ['POST', `/api/v1/alerts/history/${events[0]!.id}`, { action: 'resolve' }],
        ['POST', `/api/v1/alerts/deliveries/${deliveries[0]!.id}/replay`],
      ];
      for (const [method, url, body] of attempts) {
        const response = await harness.request({ method, url, token: other.token, body });
        assert.equal(response.statusCode, 404, `${method} ${url} → ${response.statusCode} ${response.body}`);
      }
      for (const url of [
        '/api/v1/alerts/channels',
        '/api/v1/alerts/rules',
        '/api/v1/alerts/history',
        '/api/v1/alerts/deliveries',
      ]) {
        const response = await harness.request({ method: 'GET', url, token: other.token });
        assert.equal(response.statusCode, 200);
        const list = Object.values(response.json() as Record<string, unknown>).find(
          Array.isArray,
        ) as unknown[];
        assert.deepEqual(list, [], `${url} lists nothing of another user`);
      }
      const foreignChannel = await harness.request({
        method: 'POST',
        url: '/api/v1/alerts/rules',
        token: other.token,
        body: {
          name: 'x',
          condition: { kind: 'price-cross', direction: 'above', level: 1 },
          channelIds: [channelId],
        },
      });
      assert.equal(foreignChannel.statusCode, 400, "a rule cannot send to another user's channel");
      // Everything is still there for its owner; admins see it too.
      assert.equal(
        (await harness.request({ method: 'GET', url: `/api/v1/alerts/rules/${ruleId}`, token: owner.token }))
          .statusCode,
        200,
      );
      const asAdmin = await harness.request({
        method: 'GET',
        url: `/api/v1/alerts/channels/${channelId}`,
        token: await harness.adminToken(),
      });
      assert.equal(asAdmin.statusCode, 200);
    });
  },
);
