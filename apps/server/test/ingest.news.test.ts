import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startEmulator, type RunningEmulator } from '@runecast/exchange-emulator';
import { type Clock, TransientSourceError } from '@runecast/market';
import { TextCollector } from '../src/ingest/text-collector.ts';
import { TextMetricsWriter, textMetricMarketOf } from '../src/ingest/text-metrics-writer.ts';
import { createLogger } from '../src/observability/logger.ts';
import { LexiconSentimentScorer } from '../src/signals/lexicon.scorer.ts';
import { TextAnalyser } from '../src/signals/text-analysis.ts';
import { canonicalUrl } from '../src/sources/news/canonical-url.ts';
import { NewsFeedSource } from '../src/sources/news/news-feed.source.ts';
import { newsFeedsFor } from '../src/sources/news/news-sources.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { REPLAY_DIR, replayDataSkip, replayPath } from './support/replay-data.ts';

const HOUR_MS = 3_600_000;
/** 2026-01-05T10:50Z: the collector's first cycle. */
const FIRST_CYCLE_MS = Date.UTC(2026, 0, 5, 10, 50);
const MARKETS = ['BTC/USDT', 'ETH/USDT', 'DOG•GO•TO•THE•MOON/SATS'];

class ManualClock implements Clock {
  constructor(public nowMs: number) {}
  now(): number {
    return this.nowMs;
  }
}

describe('news collection from the emulator (replayed articles)', { skip: replayDataSkip }, () => {
  let emulator: RunningEmulator;
  let store: Store;
  const clock = new ManualClock(FIRST_CYCLE_MS);
  let collector: TextCollector;
  /** The bundled file lists some articles two or three times; each is one article. */
  let distinctArticles = 0;

  before(async () => {
    const records = JSON.parse(readFileSync(replayPath('news', 'cryptonews_com_articles.json'), 'utf8')) as {
      url: string;
    }[];
    distinctArticles = new Set(records.map((record) => canonicalUrl(record.url))).size;
    emulator = await startEmulator({ paused: true, replayDir: REPLAY_DIR ?? '' });
    store = await openStore();
    const [feed] = newsFeedsFor({ configured: null, emulatorUrl: emulator.url, replay: true });
    if (!feed) throw new Error('no emulated news feed');
    // The same feed listed twice under two names: the second copy of every article is left out.
    const source = new NewsFeedSource({
      feeds: [feed, { ...feed, id: 'mirror', name: 'A mirror of the same feed', about: ['BTC'] }],
      pageLimit: 10,
      now: () => clock.now(),
    });
    const analyser = new TextAnalyser(new LexiconSentimentScorer(), () => [
      'BTC',
      'ETH',
      'DOG•GO•TO•THE•MOON',
    ]);
    collector = new TextCollector({
      source,
      store,
      clock,
      logger: createLogger('silent'),
      analyse: (item, channel) => analyser.analyse(item, channel.about),
      metrics: new TextMetricsWriter({
        sourceId: source.id,
        store,
        markets: () => MARKETS.map(textMetricMarketOf),
        maxGapMs: 2 * source.capabilities.pollIntervalMs,
      }),
    });
  });

  after(async () => {
    await store?.close();
    await emulator?.close();
  });

  const btcPoints = (metric: string) =>
    store.metricPoints.listPoints('news', 'BTC/USDT', metric, {
      startMs: 0,
      endMs: FIRST_CYCLE_MS + 48 * HOUR_MS,
    });

  test('stores every bundled article once, scored and tagged, with its publication and first-seen times', async () => {
    assert.ok(distinctArticles >= 10);
    assert.equal(await collector.pollOnce(), distinctArticles);
    const stats = collector.stats();
    assert.equal(stats.duplicatesSkipped, distinctArticles, 'the mirror channel adds nothing');
    const items = await store.textItems.queryItems({ source: 'news', limit: 100 });
    assert.equal(items.length, distinctArticles);
    for (const item of items) {
      assert.equal(item.channel, 'cryptonews');
      assert.equal(item.scorer, 'lexicon-v1');
      assert.ok(item.sentiment !== null && item.sentiment >= -1 && item.sentiment <= 1);
      assert.equal(item.seenAtMs, FIRST_CYCLE_MS);
      assert.ok(item.publishedAtMs >= Date.UTC(2023, 3, 4) && item.publishedAtMs < Date.UTC(2023, 3, 22));
      assert.match(item.url ?? '', /^https:\/\/cryptonews\.com\//);
    }
    const bitcoinTitles = items.filter((item) => /bitcoin|BTC/.test(item.title ?? ''));
    assert.ok(bitcoinTitles.length > 0);
    for (const item of bitcoinTitles) assert.ok(item.mentions.includes('BTC'), item.title ?? '');
    // The articles are not all of one mood.
    assert.ok(items.some((item) => (item.sentiment ?? 0) > 0.05));
    assert.ok(items.some((item) => (item.sentiment ?? 0) < -0.05));
  });

  test('a second cycle writes nothing and keeps the first-seen times; the first full hour gets metric points', async () => {
    clock.nowMs = FIRST_CYCLE_MS + 15 * 60_000; // 11:05
    assert.equal(await collector.pollOnce(), 0);
    const items = await store.textItems.queryItems({ source: 'news', limit: 100 });
    assert.ok(items.every((item) => item.seenAtMs === FIRST_CYCLE_MS));
    const mentioningBtc = items.filter((item) => item.mentions.includes('BTC'));
    const [count1h] = await btcPoints('count_1h');
    assert.deepEqual(count1h, {
      source: 'news',
      symbol: 'BTC/USDT',
      metric: 'count_1h',
      timeMs: Date.UTC(2026, 0, 5, 11),
      value: mentioningBtc.length,
    });
    const [mean] = await btcPoints('sentiment_mean_24h');
    const expectedMean =
      mentioningBtc.reduce((sum, item) => sum + (item.sentiment ?? 0), 0) / mentioningBtc.length;
    assert.ok(Math.abs((mean?.value ?? Number.NaN) - expectedMean) < 1e-9);
    const dogCount = await store.metricPoints.listPoints('news', 'DOG•GO•TO•THE•MOON/SATS', 'count_24h', {
      startMs: 0,
      endMs: FIRST_CYCLE_MS + HOUR_MS,
    });
    assert.deepEqual(
      dogCount.map((point) => point.value),
      [items.filter((item) => item.mentions.includes('DOG•GO•TO•THE•MOON')).length],
    );
  });

  test('point in time: items that become known later leave the earlier point unchanged', async () => {
    const before11 = await btcPoints('count_1h');
    // A story published at 10:40 but first seen at 11:20 becomes known at 11:20, after the 11:00 point.
    await store.textItems.upsertItems([
      {
        source: 'news',
        channel: 'cryptonews',
        id: 'late-story',
        publishedAtMs: Date.UTC(2026, 0, 5, 10, 40),
        seenAtMs: Date.UTC(2026, 0, 5, 11, 20),
        title: 'Bitcoin miners report record revenue',
        body: 'A story written for this test.',
        url: 'https://news.test/late-story',
        author: null,
        sentiment: 0.9,
        scorer: 'lexicon-v1',
        mentions: ['BTC'],
      },
    ]);
    clock.nowMs = Date.UTC(2026, 0, 5, 11, 50);
    await collector.pollOnce();
    clock.nowMs = Date.UTC(2026, 0, 5, 12, 3);
    await collector.pollOnce();
    const points = await btcPoints('count_1h');
    assert.deepEqual(points[0], before11[0], 'the 11:00 point stays as it was');
    assert.deepEqual(
      points.map((point) => [point.timeMs, point.value]),
      [
        [Date.UTC(2026, 0, 5, 11), before11[0]?.value],
        [Date.UTC(2026, 0, 5, 12), 1],
      ],
    );
  });

  test('after a pause longer than two poll intervals the missed hours stay gaps', async () => {
    clock.nowMs = Date.UTC(2026, 0, 5, 17, 4);
    await collector.pollOnce();
    const times = (await btcPoints('count_1h')).map((point) => point.timeMs);
    assert.deepEqual(times, [Date.UTC(2026, 0, 5, 11), Date.UTC(2026, 0, 5, 12)]);
    // Polling again at its interval, the next full hour is written.
    for (const minute of [9, 14, 19, 24, 29, 34, 39, 44, 49, 54, 59]) {
      clock.nowMs = Date.UTC(2026, 0, 5, 17, minute);
      await collector.pollOnce();
    }
    clock.nowMs = Date.UTC(2026, 0, 5, 18, 1);
    await collector.pollOnce();
    assert.deepEqual(
      (await btcPoints('count_1h')).map((point) => point.timeMs),
      [Date.UTC(2026, 0, 5, 11), Date.UTC(2026, 0, 5, 12), Date.UTC(2026, 0, 5, 18)],
    );
  });

  test('a feed answering 5xx fails the cycle by name, the other channel is still read, health says so', async () => {
    emulator.faults.add({ kind: 'http-5xx', exchange: 'news', statusCode: 503, count: 1 });
    const failuresBefore = collector.stats().failures;
    const skippedBefore = collector.stats().duplicatesSkipped;
    clock.nowMs = Date.UTC(2026, 0, 5, 18, 6);
    await assert.rejects(collector.pollOnce(), (error: unknown) => {
      assert.ok(error instanceof TransientSourceError);
      assert.match(error.message, /^channel cryptonews: .*HTTP 503/);
      return true;
    });
    assert.equal(collector.stats().failures, failuresBefore + 1);
    assert.equal(
      collector.stats().duplicatesSkipped,
      skippedBefore + distinctArticles,
      'the mirror was read',
    );
    const health = await collector.healthCheck().check();
    assert.equal(health.state, 'degraded');
    assert.match(health.reason ?? '', /HTTP 503/);
    assert.equal(health.details?.itemsStored, distinctArticles);
    assert.ok(Number(health.details?.metricPointsWritten) > 0);
    assert.equal(health.details?.duplicatesSkipped, collector.stats().duplicatesSkipped);
  });
});
