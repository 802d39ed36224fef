import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseFeed } from 'feedsmith';
import { startEmulator, type RunningEmulator } from './index.ts';
import {
  CRYPTOPANIC_EMULATOR_PATH,
  CRYPTOPANIC_EMULATOR_TOKEN,
  CRYPTOPANIC_PAGE_SIZE,
  type CryptoPanicPost,
} from './news/cryptopanic-posts.ts';
import { NEWS_ARTICLES_FILE } from './news/news-replay.ts';

const replayDirectory = process.env.RUNECAST_REPLAY_DIR ? resolve(process.env.RUNECAST_REPLAY_DIR) : null;
const skip: string | false =
  replayDirectory && existsSync(join(replayDirectory, NEWS_ARTICLES_FILE))
    ? false
    : 'real data folder RUNECAST_REPLAY_DIR (with news/) is not set or absent';

const FEED_PATH = '/news/cryptonews/rss.xml';
const POSTS_PATH = `${CRYPTOPANIC_EMULATOR_PATH}/posts/`;

describe('emulator news feed (replayed articles)', { skip }, () => {
  let emulator: RunningEmulator;
  let articles: { date: string; title: string; url: string; paragraphs: string[] }[];

  before(async () => {
    emulator = await startEmulator({ paused: true, replayDir: replayDirectory ?? '' });
    articles = JSON.parse(
      readFileSync(join(replayDirectory ?? '', NEWS_ARTICLES_FILE), 'utf8'),
    ) as typeof articles;
  });
  after(async () => emulator?.close());

  test('serves every bundled article as RSS 2.0 that a feed parser reads back whole', async () => {
    const response = await fetch(`${emulator.url}${FEED_PATH}`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /application\/rss\+xml/);
    const parsed = parseFeed(await response.text());
    assert.equal(parsed.format, 'rss');
    if (parsed.format !== 'rss') return;
    const items = parsed.feed.items ?? [];
    assert.equal(items.length, articles.length);
    for (const article of articles) {
      const item = items.find((each) => each.link === article.url);
      assert.ok(item, article.url);
      assert.equal(item.title, article.title);
      assert.equal(Date.parse(item.pubDate ?? ''), Date.parse(article.date));
      for (const paragraph of article.paragraphs.slice(0, 2)) {
        const escaped = paragraph.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
        assert.ok(item.content?.encoded?.includes(escaped), `paragraph of ${article.url}`);
      }
    }
    const times = items.map((item) => Date.parse(item.pubDate ?? ''));
    assert.deepEqual(
      times,
      [...times].sort((left, right) => right - left),
      'newest first',
    );
  });

  test('faults: a 5xx, a slow answer and a feed cut off mid-document, each counted', async () => {
    emulator.faults.clear({ resetCounters: true });
    emulator.faults.add({ kind: 'http-5xx', exchange: 'news', statusCode: 502 });
    assert.equal((await fetch(`${emulator.url}${FEED_PATH}`)).status, 502);

    emulator.faults.add({ kind: 'http-slow', exchange: 'news', delayMs: 300 });
    const startedMs = Date.now();
    assert.equal((await fetch(`${emulator.url}${FEED_PATH}`)).status, 200);
    assert.ok(Date.now() - startedMs >= 280);

    emulator.faults.add({ kind: 'feed-malformed', exchange: 'news', endpoint: 'cryptonews', count: 1 });
    const cut = await (await fetch(`${emulator.url}${FEED_PATH}`)).text();
    assert.throws(() => parseFeed(cut));
    const whole = await (await fetch(`${emulator.url}${FEED_PATH}`)).text();
    assert.equal(parseFeed(whole).format, 'rss');
    const report = emulator.faults.report();
    assert.equal(report.counters.byExchange.news, 3);
    assert.equal(report.counters.byKind['feed-malformed'], 1);
  });

  test("CryptoPanic's posts API: the same articles as posts, newest first, paged by next, tagged by name", async () => {
    emulator.faults.clear({ resetCounters: true });
    const posts: CryptoPanicPost[] = [];
    let next: string | null =
      `${emulator.url}${POSTS_PATH}?auth_token=${CRYPTOPANIC_EMULATOR_TOKEN}&public=true&kind=news`;
    let pages = 0;
    while (next !== null) {
      const response = await fetch(next);
      assert.equal(response.status, 200);
      const page = (await response.json()) as {
        count: number;
        next: string | null;
        results: CryptoPanicPost[];
      };
      assert.equal(page.count, articles.length);
      assert.ok(page.results.length <= CRYPTOPANIC_PAGE_SIZE);
      posts.push(...page.results);
      next = page.next;
      pages += 1;
    }
    assert.equal(pages, Math.ceil(articles.length / CRYPTOPANIC_PAGE_SIZE));
    assert.equal(posts.length, articles.length);
    assert.equal(new Set(posts.map((post) => post.id)).size, posts.length);
    const times = posts.map((post) => Date.parse(post.published_at));
    assert.deepEqual(
      times,
      [...times].sort((left, right) => right - left),
      'newest first',
    );
    for (const article of articles) {
      const post = posts.find((each) => each.original_url === article.url && each.title === article.title);
      assert.ok(post, article.url);
      assert.equal(Date.parse(post.published_at), Date.parse(article.date));
      assert.equal(post.kind, 'news');
      assert.equal(post.description, article.paragraphs[0] ?? '');
      assert.match(post.url, new RegExp(`^https://cryptopanic\\.com/news/${post.id}/`));
      assert.equal(
        post.currencies.some((currency) => currency.code === 'BTC'),
        /\b(?:bitcoin|btc)\b/i.test(article.title),
      );
    }
    // Filters: by currency, and a region or kind none of the articles has.
    for (const [code, words] of [
      ['btc', /\b(?:bitcoin|btc)\b/i],
      ['ETH', /\b(?:ethereum|eth|ether)\b/i],
    ] as const) {
      const tagged = (await (
        await fetch(
          `${emulator.url}${POSTS_PATH}?auth_token=${CRYPTOPANIC_EMULATOR_TOKEN}&currencies=${code}`,
        )
      ).json()) as { count: number; results: CryptoPanicPost[] };
      assert.equal(tagged.count, articles.filter((article) => words.test(article.title)).length, code);
      assert.ok(
        tagged.results.every((post) =>
          post.currencies.some((currency) => currency.code === code.toUpperCase()),
        ),
      );
    }
    for (const query of ['regions=de', 'kind=media']) {
      const none = (await (
        await fetch(`${emulator.url}${POSTS_PATH}?auth_token=${CRYPTOPANIC_EMULATOR_TOKEN}&${query}`)
      ).json()) as { count: number; next: string | null; results: unknown[] };
      assert.deepEqual([none.count, none.next, none.results], [0, null, []], query);
    }
  });

  test("CryptoPanic's posts API refuses a missing or unknown token, a page past the end and a bad query", async () => {
    for (const query of ['', '?auth_token=guess']) {
      const response = await fetch(`${emulator.url}${POSTS_PATH}${query}`);
      assert.equal(response.status, 401);
      assert.deepEqual(await response.json(), { status: 'Incomplete', info: 'Token not found' });
    }
    const past = await fetch(`${emulator.url}${POSTS_PATH}?auth_token=${CRYPTOPANIC_EMULATOR_TOKEN}&page=99`);
    assert.equal(past.status, 404);
    for (const query of ['page=0', 'kind=videos', 'currencies=B$C']) {
      const response = await fetch(
        `${emulator.url}${POSTS_PATH}?auth_token=${CRYPTOPANIC_EMULATOR_TOKEN}&${query}`,
      );
      assert.equal(response.status, 400, query);
    }
  });

  test("CryptoPanic's posts API takes the news faults under the endpoint cryptopanic", async () => {
    emulator.faults.clear({ resetCounters: true });
    const url = `${emulator.url}${POSTS_PATH}?auth_token=${CRYPTOPANIC_EMULATOR_TOKEN}`;
    emulator.faults.add({
      kind: 'http-429',
      exchange: 'news',
      endpoint: 'cryptopanic',
      retryAfterSeconds: 3,
    });
    const limited = await fetch(url);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    // A fault aimed at the RSS feed leaves the API alone, and the other way round.
    emulator.faults.add({ kind: 'feed-malformed', exchange: 'news', endpoint: 'cryptonews', count: 1 });
    const whole = JSON.parse(await (await fetch(url)).text()) as { results: unknown[] };
    assert.equal(whole.results.length, CRYPTOPANIC_PAGE_SIZE);
    emulator.faults.add({ kind: 'feed-malformed', exchange: 'news', endpoint: 'cryptopanic', count: 1 });
    const cut = await (await fetch(url)).text();
    assert.throws(() => JSON.parse(cut));
    // The feed's own fault is still waiting for the feed.
    const cutFeed = await (await fetch(`${emulator.url}${FEED_PATH}`)).text();
    assert.throws(() => parseFeed(cutFeed));
    assert.equal(parseFeed(await (await fetch(`${emulator.url}${FEED_PATH}`)).text()).format, 'rss');
    emulator.faults.clear({ resetCounters: true });
  });

  test('a news data fault is refused for a runes provider, and a runes one for the news', () => {
    assert.throws(() => emulator.faults.add({ kind: 'feed-malformed', exchange: 'ordiscan' }), /news feeds/);
    assert.throws(() => emulator.faults.add({ kind: 'data-partial', exchange: 'news' }), /runes providers/);
  });
});

test('without a replay folder the emulator serves no news', async () => {
  const emulator = await startEmulator({ paused: true, simulatedHistoryDays: 1 });
  try {
    assert.equal((await fetch(`${emulator.url}${FEED_PATH}`)).status, 404);
    assert.equal(
      (await fetch(`${emulator.url}${POSTS_PATH}?auth_token=${CRYPTOPANIC_EMULATOR_TOKEN}`)).status,
      404,
    );
  } finally {
    await emulator.close();
  }
});
