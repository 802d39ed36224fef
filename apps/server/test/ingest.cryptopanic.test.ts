import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startEmulator, type RunningEmulator } from '@runecast/exchange-emulator';
import { RateLimitedError, SourceAuthError, TransientSourceError } from '@runecast/market';
import { TextCollector } from '../src/ingest/text-collector.ts';
import { TextMetricsWriter, textMetricMarketOf } from '../src/ingest/text-metrics-writer.ts';
import { createLogger } from '../src/observability/logger.ts';
import { LexiconSentimentScorer } from '../src/signals/lexicon.scorer.ts';
import { TextAnalyser } from '../src/signals/text-analysis.ts';
import { canonicalUrl } from '../src/sources/news/canonical-url.ts';
import { CRYPTOPANIC_CHANNEL_ID, CryptoPanicReader } from '../src/sources/news/cryptopanic.reader.ts';
import { NewsFeedSource } from '../src/sources/news/news-feed.source.ts';
import { cryptoPanicReaderFor, newsFeedsFor } from '../src/sources/news/news-sources.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { REPLAY_DIR, replayDataSkip, replayPath } from './support/replay-data.ts';

const DAY_MS = 86_400_000;
const analyser = new TextAnalyser(new LexiconSentimentScorer(), () => ['BTC', 'ETH']);

describe('CryptoPanic posts from the emulator (replayed articles)', { skip: replayDataSkip }, () => {
  let emulator: RunningEmulator;
  let distinctArticles = 0;
  let bitcoinTitles = 0;
  const reader = (token: string | null = 'runecast-emulator', maxPages?: number) =>
    new CryptoPanicReader({
      apiUrl: `${emulator.url}/news/cryptopanic/api/developer/v2`,
      authToken: async () => token,
      minIntervalMs: 0,
      ...(maxPages === undefined ? {} : { maxPages }),
    });

  before(async () => {
    const records = JSON.parse(readFileSync(replayPath('news', 'cryptonews_com_articles.json'), 'utf8')) as {
      url: string;
      title: string;
    }[];
    const distinct = new Map(records.map((record) => [canonicalUrl(record.url), record.title]));
    distinctArticles = distinct.size;
    bitcoinTitles = [...distinct.values()].filter((title) => /\b(?:bitcoin|btc)\b/i.test(title)).length;
    emulator = await startEmulator({ paused: true, replayDir: REPLAY_DIR ?? '' });
  });
  after(async () => emulator?.close());

  test('follows the pages to the end; every article once, with its address, time and currencies', async () => {
    const read = await reader().read();
    assert.deepEqual(read.rejected, []);
    const urls = new Set(read.items.map((item) => item.url));
    assert.equal(urls.size, distinctArticles);
    for (const item of read.items) {
      assert.match(item.url ?? '', /^https:\/\/cryptonews\.com\/news\//);
      assert.ok(item.publishedAtMs >= Date.UTC(2023, 3, 4) && item.publishedAtMs < Date.UTC(2023, 3, 22));
      assert.ok(item.body.length > 0, 'the description is the text');
    }
    const taggedBtc = new Set(
      read.items.filter((item) => item.about?.includes('BTC')).map((item) => item.url),
    );
    assert.ok(bitcoinTitles > 0);
    assert.equal(taggedBtc.size, bitcoinTitles);
    // One page only: the 20 newest posts.
    const firstPage = await reader('runecast-emulator', 1).read();
    assert.equal(firstPage.items.length, 20);
    const newestFirstPage = Math.min(...firstPage.items.map((item) => item.publishedAtMs));
    const older = read.items.filter((item) => !firstPage.items.some((kept) => kept.id === item.id));
    assert.ok(older.every((item) => item.publishedAtMs <= newestFirstPage));
  });

  test('the channel is listed only while a token is stored; a refused token is an auth error', async () => {
    let token: string | null = null;
    const source = new NewsFeedSource({
      feeds: [],
      cryptoPanic: new CryptoPanicReader({
        apiUrl: `${emulator.url}/news/cryptopanic/api/developer/v2`,
        authToken: async () => token,
        minIntervalMs: 0,
      }),
    });
    assert.deepEqual(await source.listChannels(), []);
    await assert.rejects(source.fetchItems({ channel: CRYPTOPANIC_CHANNEL_ID }), /cryptopanic\.auth-token/);
    token = 'not-the-token';
    assert.deepEqual(
      (await source.listChannels()).map((channel) => channel.id),
      [CRYPTOPANIC_CHANNEL_ID],
    );
    await assert.rejects(source.fetchItems({ channel: CRYPTOPANIC_CHANNEL_ID }), SourceAuthError);
  });

  test('429 carries Retry-After, 5xx and a cut-off answer are transient', async () => {
    emulator.faults.add({
      kind: 'http-429',
      exchange: 'news',
      endpoint: 'cryptopanic',
      retryAfterSeconds: 7,
      count: 1,
    });
    await assert.rejects(reader().read(), (error: unknown) => {
      assert.ok(error instanceof RateLimitedError);
      assert.equal(error.retryAfterMs, 7_000);
      return true;
    });
    emulator.faults.add({
      kind: 'http-5xx',
      exchange: 'news',
      endpoint: 'cryptopanic',
      statusCode: 502,
      count: 1,
    });
    await assert.rejects(reader().read(), TransientSourceError);
    const rule = emulator.faults.add({ kind: 'feed-malformed', exchange: 'news', endpoint: 'cryptopanic' });
    try {
      await assert.rejects(reader().read(), /not JSON/);
    } finally {
      emulator.faults.remove(rule.id);
    }
    assert.equal((await reader().read()).items.length > 0, true, 'reads again once the faults are gone');
  });

  test('with the feed: each article stored once, CryptoPanic copies skipped; a CryptoPanic failure leaves the feed read', async () => {
    const store: Store = await openStore();
    try {
      const nowMs = Date.UTC(2026, 11, 7, 12);
      const [feed] = newsFeedsFor({ configured: null, emulatorUrl: emulator.url, replay: true });
      const cryptoPanic = cryptoPanicReaderFor({ configured: null, emulatorUrl: emulator.url, replay: true });
      assert.ok(feed && cryptoPanic);
      const collector = new TextCollector({
        source: new NewsFeedSource({ feeds: [feed], cryptoPanic, now: () => nowMs }),
        store,
        clock: { now: () => nowMs },
        logger: createLogger('silent'),
        analyse: (item, channel) => analyser.analyse(item, [...channel.about, ...(item.about ?? [])]),
      });
      assert.equal(await collector.pollOnce(), distinctArticles);
      assert.equal(collector.stats().duplicatesSkipped, distinctArticles);
      const items = await store.textItems.queryItems({ source: 'news', limit: 100 });
      assert.ok(items.every((item) => item.channel === 'cryptonews'));

      emulator.faults.add({
        kind: 'http-5xx',
        exchange: 'news',
        endpoint: 'cryptopanic',
        statusCode: 503,
        count: 1,
      });
      const skipped = collector.stats().duplicatesSkipped;
      await assert.rejects(collector.pollOnce(), (error: unknown) => {
        assert.ok(error instanceof TransientSourceError);
        assert.match(error.message, /^channel cryptopanic: .*503/);
        return true;
      });
      assert.equal(
        collector.stats().duplicatesSkipped,
        skipped,
        'the feed was still read (nothing new in it)',
      );
      const health = await collector.healthCheck().check();
      assert.equal(health.state, 'degraded');
    } finally {
      await store.close();
    }
  });

  test('alone, its currencies become mentions; text is removed after the retention period, the articles stay', async () => {
    const store: Store = await openStore();
    try {
      let nowMs = Date.UTC(2026, 11, 7, 12);
      const cryptoPanic = cryptoPanicReaderFor({ configured: null, emulatorUrl: emulator.url, replay: true });
      assert.ok(cryptoPanic);
      const collector = new TextCollector({
        source: new NewsFeedSource({ feeds: [], cryptoPanic, now: () => nowMs }),
        store,
        clock: { now: () => nowMs },
        logger: createLogger('silent'),
        // No subject is looked for in the text: every mention here is a CryptoPanic tag.
        analyse: (item, channel) =>
          new TextAnalyser(new LexiconSentimentScorer(), () => []).analyse(item, [
            ...channel.about,
            ...(item.about ?? []),
          ]),
        retentionMs: 90 * DAY_MS,
      });
      assert.equal(await collector.pollOnce(), distinctArticles);
      const byId = (left: { id: string }, right: { id: string }) => left.id.localeCompare(right.id);
      const stored = (await store.textItems.queryItems({ source: 'news', limit: 100 })).sort(byId);
      assert.ok(stored.every((item) => item.channel === CRYPTOPANIC_CHANNEL_ID));
      assert.equal(stored.length, distinctArticles);
      assert.equal(stored.filter((item) => item.mentions.includes('BTC')).length, bitcoinTitles);
      assert.ok(stored.every((item) => item.body !== '' && item.seenAtMs === nowMs));

      nowMs += 89 * DAY_MS;
      await collector.pollOnce();
      assert.equal(collector.stats().textsRemoved, 0);
      nowMs += 2 * DAY_MS;
      await collector.pollOnce();
      assert.equal(collector.stats().textsRemoved, distinctArticles);
      const kept = (await store.textItems.queryItems({ source: 'news', limit: 100 })).sort(byId);
      assert.deepEqual(
        kept.map(({ id, title, url, publishedAtMs, seenAtMs, sentiment, mentions }) => ({
          id,
          title,
          url,
          publishedAtMs,
          seenAtMs,
          sentiment,
          mentions,
        })),
        stored.map(({ id, title, url, publishedAtMs, seenAtMs, sentiment, mentions }) => ({
          id,
          title,
          url,
          publishedAtMs,
          seenAtMs,
          sentiment,
          mentions,
        })),
        'times, title, address, sentiment and mentions stay as they were',
      );
      assert.ok(kept.every((item) => item.body === ''));
      const health = await collector.healthCheck().check();
      assert.equal(health.details?.textsRemoved, distinctArticles);
    } finally {
      await store.close();
    }
  });
});

// Answers written for this test: a page mixing good posts with ones the reader must refuse, and
// a second page reached through `next`.
describe('CryptoPanic answers the reader must judge', () => {
  let server: Server;
  let base = '';
  const requested: string[] = [];
  let firstPage: unknown;

  const post = (id: number, fields: Record<string, unknown> = {}) => ({
    id,
    title: `Exchange volumes climb for week ${id}`,
    published_at: '2026-03-02T08:30:00Z',
    kind: 'news',
    url: `https://cryptopanic.com/news/${id}/volumes`,
    original_url: `https://desk.test/volumes-${id}?utm_source=cryptopanic`,
    source: { title: 'Desk', domain: 'desk.test' },
    currencies: [{ code: 'btc', title: 'Bitcoin' }],
    votes: { positive: 1 },
    ...fields,
  });

  before(async () => {
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      requested.push(url.search);
      response.setHeader('content-type', 'application/json');
      if (url.searchParams.get('auth_token') !== 'good') {
        response.writeHead(401).end('{"status":"Incomplete","info":"Token not found"}');
        return;
      }
      const page = url.searchParams.get('page') ?? '1';
      if (page === '1') response.end(JSON.stringify(firstPage));
      else if (page === '2')
        response.end(
          JSON.stringify({
            next: null,
            results: [post(20, { instruments: [{ code: 'ETH' }], currencies: null })],
          }),
        );
      else response.writeHead(404).end('{"detail":"Invalid page."}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const reader = (token = 'good') =>
    new CryptoPanicReader({
      apiUrl: base,
      authToken: async () => token,
      minIntervalMs: 0,
      currencies: ['BTC', 'ETH'],
    });

  test('keeps the good posts, rejects the rest with a reason each, and follows next by page number only', async () => {
    firstPage = {
      count: 8,
      next: `https://elsewhere.test/posts/?auth_token=good&page=2`,
      previous: null,
      results: [
        post(11),
        post(12, { title: null }),
        post(13, { published_at: 'yesterday', created_at: null }),
        post(14, { kind: 'media' }),
        post(15, { original_url: 'javascript:alert(1)', url: null }),
        { id: { nested: true }, title: 'Not a post' },
        post(16, {
          published_at: undefined,
          created_at: '2026-03-02T07:00:00Z',
          currencies: [{ code: 'not a code' }],
        }),
        post(17, { original_url: null, description: '<p>Summary &amp; more.</p>' }),
      ],
    };
    requested.length = 0;
    const read = await reader().read();
    assert.deepEqual(
      read.rejected.map((rejection) => [rejection.id, rejection.reason.split(' (')[0]?.split(':')[0]]),
      [
        ['cryptopanic:12', 'no title'],
        ['cryptopanic:13', 'no readable publication time'],
        ['cryptopanic:14', 'not news'],
        ['cryptopanic:15', 'no readable address'],
        ['page 1 post 5', 'not a post'],
      ],
    );
    const byUrl = new Map(read.items.map((item) => [item.url, item]));
    assert.deepEqual(
      [...byUrl.keys()],
      [
        'https://desk.test/volumes-11',
        'https://desk.test/volumes-16',
        'https://cryptopanic.com/news/17/volumes',
        'https://desk.test/volumes-20',
      ],
    );
    assert.deepEqual(byUrl.get('https://desk.test/volumes-11')?.about, ['BTC']);
    assert.equal(
      byUrl.get('https://desk.test/volumes-16')?.publishedAtMs,
      Date.parse('2026-03-02T07:00:00Z'),
    );
    assert.equal(
      byUrl.get('https://desk.test/volumes-16')?.about,
      undefined,
      'a code that is no asset code is left out',
    );
    assert.equal(byUrl.get('https://cryptopanic.com/news/17/volumes')?.body, 'Summary & more.');
    assert.deepEqual(byUrl.get('https://desk.test/volumes-20')?.about, ['ETH']);
    // The second page was asked of this server, never of the address in `next`.
    assert.equal(requested.length, 2);
    for (const search of requested) {
      const query = new URLSearchParams(search);
      assert.equal(query.get('kind'), 'news');
      assert.equal(query.get('public'), 'true');
      assert.equal(query.get('currencies'), 'BTC,ETH');
    }
    assert.equal(new URLSearchParams(requested[1]).get('page'), '2');
  });

  test('collected, the rejections are counted in /health with their latest reasons', async () => {
    const store: Store = await openStore();
    try {
      const nowMs = Date.UTC(2026, 2, 2, 12);
      const collector = new TextCollector({
        source: new NewsFeedSource({ feeds: [], cryptoPanic: reader(), now: () => nowMs }),
        store,
        clock: { now: () => nowMs },
        logger: createLogger('silent'),
      });
      assert.equal(await collector.pollOnce(), 4);
      const health = await collector.healthCheck().check();
      assert.equal(health.state, 'ok');
      assert.equal(health.details?.itemsRejected, 5);
      const recent = health.details?.recentRejections as { channel: string; id: string; reason: string }[];
      assert.equal(recent.length, 5);
      assert.ok(recent.every((rejection) => rejection.channel === CRYPTOPANIC_CHANNEL_ID));
      assert.deepEqual(
        recent.map((rejection) => rejection.id),
        ['cryptopanic:12', 'cryptopanic:13', 'cryptopanic:14', 'cryptopanic:15', 'page 1 post 5'],
      );
      assert.match(recent[1]?.reason ?? '', /no readable publication time \(yesterday\)/);
    } finally {
      await store.close();
    }
  });

  test('an answer that is no posts page is transient; a refused token is an auth error', async () => {
    firstPage = { status: 'Incomplete', info: 'something else' };
    await assert.rejects(reader().read(), (error: unknown) => {
      assert.ok(error instanceof TransientSourceError);
      assert.match(error.message, /not a posts page/);
      return true;
    });
    await assert.rejects(reader('bad').read(), SourceAuthError);
  });
});

test('with no feeds and no CryptoPanic token nothing is collected, so no metric point is written', async () => {
  const store: Store = await openStore();
  try {
    let nowMs = Date.UTC(2026, 0, 5, 10, 50);
    const source = new NewsFeedSource({
      feeds: [],
      cryptoPanic: new CryptoPanicReader({ apiUrl: 'http://127.0.0.1:1', authToken: async () => null }),
    });
    const collector = new TextCollector({
      source,
      store,
      clock: { now: () => nowMs },
      logger: createLogger('silent'),
      metrics: new TextMetricsWriter({
        sourceId: 'news',
        store,
        markets: () => [textMetricMarketOf('BTC/USDT')],
        maxGapMs: 2 * source.capabilities.pollIntervalMs,
      }),
    });
    for (const minute of [0, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75]) {
      nowMs = Date.UTC(2026, 0, 5, 10, 50 + minute);
      assert.equal(await collector.pollOnce(), 0);
    }
    assert.equal(collector.stats().metricPointsWritten, 0);
    const points = await store.metricPoints.listPoints('news', 'BTC/USDT', 'count_1h', {
      startMs: 0,
      endMs: Date.UTC(2026, 0, 6),
    });
    assert.deepEqual(points, []);
  } finally {
    await store.close();
  }
});
