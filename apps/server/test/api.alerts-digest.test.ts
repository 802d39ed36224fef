import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AlertMonitor } from '../src/alerts/alert-monitor.ts';
import { signBody } from '../src/alerts/alert-sender.ts';
import { AlertService } from '../src/alerts/alert.service.ts';
import { SecretBox } from '../src/auth/secret-box.ts';
import { SecretService } from '../src/auth/secret.service.ts';
import { candlesTopic } from '../src/bus/topics.ts';
import { createLogger } from '../src/observability/logger.ts';
import { closesBatch, startWebhookReceiver, type WebhookReceiver } from './support/alert-fixtures.ts';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

const SERIES = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' as const };
/** Monday 5 January 2026, 12:00 UTC: 13:00 in Berlin. */
const START_MS = Date.UTC(2026, 0, 5, 12, 0);
/** 08:00 in Berlin the next morning. */
const NEXT_MORNING_MS = Date.UTC(2026, 0, 6, 7, 0);

/** The same checks on the embedded store and on PostgreSQL (its locking and conflict handling). */
function digestSuite(
  storeName: string,
  database?: () => Promise<{ url: string; drop: () => Promise<void> }>,
) {
  describe(`daily digest per channel (${storeName})`, { timeout: 120_000 }, () => {
    let harness: ApiHarness;
    let receiver: WebhookReceiver;
    let owner: { id: string; token: string };
    let other: { id: string; token: string };
    const secretsKey = randomBytes(32);
    /** The alerts process's clock, moved by the test. */
    let nowMs = START_MS;
    const monitors: AlertMonitor[] = [];

    const call = async (method: string, url: string, token: string, body?: unknown) => {
      const response = await harness.request({ method, url, token, body });
      return { status: response.statusCode, body: response.json() as Record<string, unknown> };
    };

    /** An alerts process on the shared store; a second one stands for the process after a restart. */
    const startMonitor = async (): Promise<AlertMonitor> => {
      const monitor = new AlertMonitor({
        bus: harness.bus,
        repository: harness.store.alerts,
        service: new AlertService({
          repository: harness.store.alerts,
          secrets: new SecretService(harness.store.secrets, new SecretBox(secretsKey)),
          now: () => nowMs,
        }),
        logger: createLogger('silent'),
        now: () => nowMs,
        deliveryIntervalMs: 3_600_000,
        ruleRefreshMs: 3_600_000,
        digestCheckMs: 3_600_000,
        staleCheckMs: 3_600_000,
      });
      await monitor.start();
      monitors.push(monitor);
      return monitor;
    };

    const digestRequests = () => receiver.received.filter((request) => request.url === '/digest');

    let dropDatabase: (() => Promise<void>) | null = null;

    before(async () => {
      receiver = await startWebhookReceiver();
      const created = database ? await database() : null;
      dropDatabase = created?.drop ?? null;
      harness = await createApiHarness({
        ...(created ? { databaseUrl: created.url } : {}),
        dependencies: { authKeys: { tokenKey: randomBytes(64), secretsKey } },
      });
      owner = await harness.createUser();
      other = await harness.createUser();
    });

    after(async () => {
      for (const monitor of monitors) await monitor.stop();
      await harness?.close();
      await receiver?.close();
      await dropDatabase?.();
    });

    let digestChannel = '';
    let digestSecret = '';
    let eachChannel = '';

    test('a channel takes a digest time; bad settings answer 400, another user’s channel 404', async () => {
      const created = await call('POST', '/api/v1/alerts/channels', owner.token, {
        kind: 'webhook',
        name: 'morning',
        url: `${receiver.url}/digest`,
        digest: { at: '08:00', timeZone: 'Europe/Berlin' },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(created.body.digest, { at: '08:00', timeZone: 'Europe/Berlin' });
      digestChannel = created.body.id as string;
      digestSecret = created.body.secret as string;

      const each = await call('POST', '/api/v1/alerts/channels', owner.token, {
        kind: 'webhook',
        name: 'each',
        url: `${receiver.url}/each`,
      });
      assert.equal(each.status, 201);
      assert.equal(each.body.digest, null);
      eachChannel = each.body.id as string;

      const url = `/api/v1/alerts/channels/${eachChannel}/digest`;
      const cases: [unknown, RegExp][] = [
        [{ digest: { at: '25:00' } }, /digest\.at: must be HH:MM/],
        [{ digest: { at: '8:00' } }, /digest\.at/],
        [{ digest: { at: '08:00', timeZone: 'Mars/Olympus' } }, /digest\.timeZone/],
        [{ digest: { at: '08:00', extra: true } }, /extra/],
        [{}, /digest/],
      ];
      for (const [body, message] of cases) {
        const answer = await call('PUT', url, owner.token, body);
        assert.equal(answer.status, 400, `${JSON.stringify(body)} → ${answer.status}`);
        assert.match((answer.body.error as { message: string }).message, message);
      }
      const foreign = await call('PUT', url, other.token, { digest: { at: '08:00' } });
      assert.equal(foreign.status, 404);

      // Without a time zone, the owner's saved one is used.
      const saved = await call('PUT', '/api/v1/me/preferences', owner.token, {
        timeZone: 'America/New_York',
      });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      const set = await call('PUT', url, owner.token, { digest: { at: '07:30' } });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.deepEqual(set.body.digest, { at: '07:30', timeZone: 'America/New_York' });
      const cleared = await call('PUT', url, owner.token, { digest: null });
      assert.equal(cleared.status, 200);
      assert.equal(cleared.body.digest, null);
    });

    test('firings go to a digest channel once a day, composed and sent once across a restart', async () => {
      for (const body of [
        { name: 'BTC above 105', condition: { kind: 'price-cross', direction: 'above', level: 105 } },
        { name: 'BTC fast move', condition: { kind: 'move', percent: 5, windowMinutes: 2 } },
      ]) {
        const created = await call('POST', '/api/v1/alerts/rules', owner.token, {
          ...body,
          series: 'binance:BTC/USDT:1m',
          channelIds: [digestChannel, eachChannel],
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
      }
      const first = await startMonitor();
      await harness.bus.publish(candlesTopic(SERIES), closesBatch(SERIES, [100, 100, 110], START_MS));
      await harness.bus.flush();
      await first.deliverNow();
      assert.equal(receiver.received.filter((request) => request.url === '/each').length, 2);
      assert.equal(digestRequests().length, 0, 'a digest channel gets no message per firing');

      // Before 08:00 in Berlin nothing is due; the digest of the day before (no firings) is empty.
      nowMs = NEXT_MORNING_MS - 60_000;
      assert.equal(await first.digestNow(), 1);
      assert.equal(await first.digestNow(), 0);
      assert.equal(digestRequests().length, 0);

      // At 08:00 the digest of 5 January is composed; the receiver refuses the first try.
      nowMs = NEXT_MORNING_MS;
      receiver.failNext([503]);
      assert.equal(await first.digestNow(), 1);
      assert.equal(digestRequests().length, 1);
      await first.stop();

      // A restart: the new process composes nothing again, and retries the refused digest when due.
      const second = await startMonitor();
      assert.equal(await second.digestNow(), 0);
      await second.deliverNow();
      assert.equal(digestRequests().length, 1, 'not before its retry time');
      nowMs = NEXT_MORNING_MS + 30_000;
      await second.deliverNow();
      assert.equal(await second.digestNow(), 0);
      await second.deliverNow();
      const requests = digestRequests();
      assert.equal(requests.length, 2, 'one refused try, one delivered, nothing more');
      assert.equal(requests[0]!.headers['x-runecast-event-id'], requests[1]!.headers['x-runecast-event-id']);

      const delivered = requests[1]!;
      assert.equal(delivered.headers['x-runecast-signature'], signBody(delivered.body, digestSecret));
      const notification = JSON.parse(delivered.body) as {
        type: string;
        message: string;
        digest: { day: string; timeZone: string; firingCount: number; events: { message: string }[] };
      };
      assert.equal(notification.type, 'digest');
      assert.equal(notification.digest.day, '2026-01-05');
      assert.equal(notification.digest.timeZone, 'Europe/Berlin');
      assert.equal(notification.digest.firingCount, 2);
      const lines = notification.message.split('\n');
      assert.match(lines[0]!, /daily digest for 2026-01-05 \(Europe\/Berlin\).*2 firings/);
      // The firings happened when the third candle closed, at 12:03 UTC: 13:03 in Berlin.
      assert.deepEqual(
        lines.slice(1).map((line) => line.slice(0, 16)),
        ['13:03 [warning] ', '13:03 [warning] '],
      );
      assert.ok(lines.some((line) => line.includes('BTC above 105')));
      assert.ok(lines.some((line) => line.includes('BTC fast move')));

      // The next morning: a day without firings is stored as empty and sends nothing.
      nowMs = NEXT_MORNING_MS + 24 * 3_600_000;
      assert.equal(await second.digestNow(), 1);
      assert.equal(digestRequests().length, 2);

      const listed = await call('GET', '/api/v1/alerts/digests', owner.token);
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      const digests = listed.body.digests as {
        day: string;
        state: string;
        firingCount: number;
        attempts: number;
      }[];
      assert.deepEqual(
        digests.map((digest) => [digest.day, digest.state, digest.firingCount, digest.attempts]),
        [
          ['2026-01-06', 'empty', 0, 0],
          ['2026-01-05', 'sent', 2, 2],
          ['2026-01-04', 'empty', 0, 0],
        ],
      );
      const foreign = await call('GET', '/api/v1/alerts/digests', other.token);
      assert.deepEqual(foreign.body.digests, []);
      const badQuery = await call('GET', '/api/v1/alerts/digests?limit=0', owner.token);
      assert.equal(badQuery.status, 400);

      // Turning the digest off drops the firings waiting for it; they stay in the history.
      const waiting = async () =>
        Number(
          (
            await harness.db.query<{ count: string | number }>(
              'SELECT count(*) AS count FROM alert_digest_entries WHERE digest_id IS NULL',
            )
          )[0]?.count,
        );
      await harness.bus.publish(
        candlesTopic(SERIES),
        closesBatch(SERIES, [100, 100, 110], Date.UTC(2026, 0, 7, 10, 0)),
      );
      await harness.bus.flush();
      assert.ok((await waiting()) > 0, 'a new firing waits for the next digest');
      const off = await call('PUT', `/api/v1/alerts/channels/${digestChannel}/digest`, owner.token, {
        digest: null,
      });
      assert.equal(off.status, 200);
      assert.equal(await waiting(), 0);
    });
  });
}

digestSuite('PGlite');
digestSuite('PostgreSQL', createTestPostgresDatabase);
