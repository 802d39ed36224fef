import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Clock } from '@runecast/market';
import { AlertMonitor } from '../src/alerts/alert-monitor.ts';
import { AlertService } from '../src/alerts/alert.service.ts';
import { SecretBox } from '../src/auth/secret-box.ts';
import { SecretService } from '../src/auth/secret.service.ts';
import { checkBusMessage } from '../src/bus/message-validation.ts';
import { metricsTopic } from '../src/bus/topics.ts';
import { SnapshotCollector } from '../src/ingest/snapshot-collector.ts';
import { TextMetricsWriter, textMetricMarketOf } from '../src/ingest/text-metrics-writer.ts';
import { createLogger } from '../src/observability/logger.ts';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';
import { StaticSnapshotSource } from './support/sources/static-snapshot.source.ts';

const MINUTE_MS = 60_000;
const START_MS = Date.UTC(2026, 0, 5, 12, 0);
const DOG = 'DOG•GO•TO•THE•MOON/SATS';
const SERIES = `runesa:${DOG}:5m`;

class ManualClock implements Clock {
  constructor(public nowMs: number) {}
  now(): number {
    return this.nowMs;
  }
}

describe(
  'rune stat and sentiment rules: stats from the collectors, over the bus',
  { timeout: 60_000 },
  () => {
    let harness: ApiHarness;
    let owner: { id: string; token: string };
    let monitor: AlertMonitor;
    const clock = new ManualClock(START_MS);
    /** The stats the provider reports at the next poll. */
    const stats = { holders: 100, volume_total_btc: 0 };
    const publishErrors: unknown[] = [];
    let collector: SnapshotCollector;

    const call = async (method: string, url: string, body?: unknown) => {
      const response = await harness.request({ method, url, token: owner.token, body });
      return { status: response.statusCode, body: response.json() as Record<string, unknown> };
    };

    before(async () => {
      const secretsKey = randomBytes(32);
      harness = await createApiHarness({
        dependencies: { authKeys: { tokenKey: randomBytes(64), secretsKey } },
      });
      owner = await harness.createUser();
      monitor = new AlertMonitor({
        bus: harness.bus,
        repository: harness.store.alerts,
        service: new AlertService({
          repository: harness.store.alerts,
          secrets: new SecretService(harness.store.secrets, new SecretBox(secretsKey)),
          now: () => clock.now(),
        }),
        logger: createLogger('silent'),
        now: () => clock.now(),
        deliveryIntervalMs: 3_600_000,
        ruleRefreshMs: 3_600_000,
        digestCheckMs: 3_600_000,
        staleCheckMs: 3_600_000,
      });
      await monitor.start();
      collector = new SnapshotCollector({
        source: new StaticSnapshotSource(
          'runesa',
          [{ symbol: DOG, name: 'DOG•GO•TO•THE•MOON', price: () => 0.002, metrics: () => ({ ...stats }) }],
          clock,
          { pollTimeframe: '5m', cumulativeVolumeMetric: 'volume_total_btc' },
        ),
        store: harness.store,
        bus: harness.bus,
        clock,
        logger: createLogger('silent'),
        symbols: () => [DOG],
        onPublishError: (error) => publishErrors.push(error),
      });
    });

    after(async () => {
      await monitor?.stop();
      await harness?.close();
    });

    test('a stats message is checked against its schema and its topic', () => {
      const topic = metricsTopic({ exchange: 'runesa', symbol: DOG, timeframe: '5m' });
      const good = {
        exchange: 'runesa',
        symbol: DOG,
        timeframe: '5m',
        observedAtMs: START_MS,
        metrics: { holders: 1 },
      };
      assert.equal(checkBusMessage(topic, good).ok, true);
      const refused: [unknown, RegExp][] = [
        [{ ...good, metrics: {} }, /metrics: must hold at least one metric/],
        [{ ...good, metrics: { 'Bad Name': 1 } }, /metrics\.Bad Name/],
        [{ ...good, metrics: { holders: 'many' } }, /metrics\.holders/],
        [{ ...good, observedAtMs: -1 }, /observedAtMs/],
        [{ ...good, symbol: 'BTC/USDT' }, /does not match the topic/],
        [{ ...good, extra: true }, /extra/],
      ];
      for (const [message, reason] of refused) {
        const check = checkBusMessage(topic, message);
        assert.equal(check.ok, false, JSON.stringify(message));
        assert.match((check as { reason: string }).reason, reason);
      }
    });

    test('bad rune-stat rules answer 400 naming the field', async () => {
      const cases: [unknown, RegExp][] = [
        [{ kind: 'rune-stat', metric: 'holders' }, /give either percent or above/],
        [{ kind: 'rune-stat', metric: 'holders', percent: 5, above: 10 }, /give either percent or above/],
        [{ kind: 'rune-stat', metric: 'Holders!', percent: 5 }, /condition\.metric/],
        [{ kind: 'rune-stat', metric: 'holders', percent: 5, windowMinutes: 0 }, /condition\.windowMinutes/],
        [{ kind: 'rune-stat', metric: 'holders', above: -1 }, /condition\.above/],
      ];
      for (const [condition, message] of cases) {
        const answer = await call('POST', '/api/v1/alerts/rules', { name: 'x', condition });
        assert.equal(answer.status, 400, `${JSON.stringify(condition)} → ${answer.status}`);
        assert.match((answer.body.error as { message: string }).message, message);
      }
    });

    test('holders changing, holders above a level and volume within a window each fire once', async () => {
      const rules = [
        {
          name: 'holders up',
          series: SERIES,
          condition: { kind: 'rune-stat', metric: 'holders', percent: 10, windowMinutes: 10 },
        },
        { name: 'many holders', condition: { kind: 'rune-stat', metric: 'holders', above: 150 } },
        {
          name: 'busy',
          series: SERIES,
          condition: { kind: 'rune-stat', metric: 'volume_total_btc', above: 5, windowMinutes: 10 },
        },
      ];
      for (const rule of rules) {
        const created = await call('POST', '/api/v1/alerts/rules', { ...rule, cooldownMinutes: 0 });
        assert.equal(created.status, 201, JSON.stringify(created.body));
      }
      await monitor.refreshRules();

      const poll = async (minute: number, holders: number, volume: number) => {
        clock.nowMs = START_MS + minute * MINUTE_MS;
        stats.holders = holders;
        stats.volume_total_btc = volume;
        assert.equal(await collector.pollOnce(), 1);
        await harness.bus.flush();
      };
      await poll(0, 100, 0);
      await poll(5, 105, 2);
      await poll(10, 112, 4); // holders +12% on 10 minutes ago: fires
      await poll(15, 160, 10); // holders still up (no second firing), above 150, volume +8 in 10 min

      const history = await call('GET', '/api/v1/alerts/history');
      const events = (
        history.body.events as {
          ruleName: string;
          series: string;
          firedAtMs: number;
          message: string;
          values: Record<string, number>;
        }[]
      )
        .slice()
        .sort(
          (left, right) => left.firedAtMs - right.firedAtMs || left.ruleName.localeCompare(right.ruleName),
        );
      assert.deepEqual(
        events.map((event) => [event.ruleName, event.firedAtMs - START_MS]),
        [
          ['holders up', 10 * MINUTE_MS],
          ['busy', 15 * MINUTE_MS],
          ['many holders', 15 * MINUTE_MS],
        ],
      );
      assert.equal(
        events[0]!.message,
        `holders up: ${SERIES} holders changed +12.00% within 10 min (now 112)`,
      );
      assert.deepEqual(events[0]!.values, { value: 112, reference: 100, change: 12 });
      assert.equal(
        events[1]!.message,
        `busy: ${SERIES} volume_total_btc grew from 2 to 10 within 10 min (at least 5)`,
      );
      assert.equal(events[2]!.message, `many holders: ${SERIES} holders at 160, at or above 150`);
      assert.deepEqual(publishErrors, []);

      // The same poll again (a redelivery, a second collector) fires nothing more.
      await poll(15, 160, 10);
      const again = await call('GET', '/api/v1/alerts/history');
      assert.equal((again.body.events as unknown[]).length, 3);

      // A rune-stat rule cannot be previewed: its stats are not replayed.
      const preview = await call('POST', '/api/v1/alerts/rules/preview', rules[0]);
      assert.equal(preview.status, 200);
      assert.equal(preview.body.available, false);
    });

    test('a shift of mean news sentiment fires a sentiment-shift rule', async () => {
      const created = await call('POST', '/api/v1/alerts/rules', {
        name: 'mood',
        series: 'news:BTC/USDT:1h',
        condition: { kind: 'sentiment-shift', shift: 0.5, windowMinutes: 60, over: '1h' },
        cooldownMinutes: 0,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual((created.body as { condition: unknown }).condition, {
        kind: 'sentiment-shift',
        shift: 0.5,
        windowMinutes: 60,
        over: '1h',
      });
      for (const [condition, message] of [
        [{ kind: 'sentiment-shift', shift: 0.01 }, /condition\.shift: must be at least 0\.05/],
        [{ kind: 'sentiment-shift', shift: 0.5, over: '7d' }, /condition\.over: must be 1h or 24h/],
      ] as const) {
        const refused = await call('POST', '/api/v1/alerts/rules', { name: 'x', condition });
        assert.equal(refused.status, 400);
        assert.match((refused.body.error as { message: string }).message, message);
      }
      await monitor.refreshRules();

      const hourMs = 60 * MINUTE_MS;
      const firstMs = START_MS + 2 * hourMs + 50 * MINUTE_MS; // 14:50
      const item = (id: string, knownAtMs: number, sentiment: number) => ({
        source: 'news',
        channel: 'feed',
        id,
        publishedAtMs: knownAtMs,
        seenAtMs: knownAtMs,
        title: null,
        body: `item ${id} about BTC`,
        url: null,
        author: null,
        sentiment,
        scorer: 'lexicon-v1',
        mentions: ['BTC'],
      });
      const writer = new TextMetricsWriter({
        sourceId: 'news',
        store: harness.store,
        markets: () => [textMetricMarketOf('BTC/USDT')],
        maxGapMs: 2 * hourMs,
        bus: harness.bus,
        onPublishError: (error) => publishErrors.push(error),
      });
      await writer.afterCycle(firstMs);
      await harness.store.textItems.upsertItems([item('a', firstMs + 5 * MINUTE_MS, 0.6)]);
      await writer.afterCycle(firstMs + 15 * MINUTE_MS); // 15:00: mean of the hour 0.6
      await harness.store.textItems.upsertItems([item('b', firstMs + 40 * MINUTE_MS, -0.4)]);
      await writer.afterCycle(firstMs + 75 * MINUTE_MS); // 16:00: mean of the hour -0.4
      await harness.bus.flush();

      const history = await call('GET', '/api/v1/alerts/history');
      const events = (
        history.body.events as { ruleName: string; firedAtMs: number; message: string }[]
      ).filter((event) => event.ruleName === 'mood');
      assert.equal(events.length, 1);
      assert.equal(events[0]!.firedAtMs, START_MS + 4 * hourMs);
      assert.equal(
        events[0]!.message,
        'mood: news sentiment on news:BTC/USDT:1h moved -1.00 within 60 min (now -0.4, was 0.6)',
      );
      assert.deepEqual(publishErrors, []);
    });
  },
);
