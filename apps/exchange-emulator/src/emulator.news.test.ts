import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseFeed } from 'feedsmith';
import { startEmulator, type RunningEmulator } from './index.ts';
import { NEWS_ARTICLES_FILE } from './news/news-replay.ts';

const replayDirectory = process.env.RUNECAST_REPLAY_DIR ? resolve(process.env.RUNECAST_REPLAY_DIR) : null;
const skip: string | false =
  replayDirectory && existsSync(join(replayDirectory, NEWS_ARTICLES_FILE))
    ? false
    : 'real data folder RUNECAST_REPLAY_DIR (with news/) is not set or absent';

const FEED_PATH = '/news/cryptonews/rss.xml';

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

  test('a news data fault is refused for a runes provider, and a runes one for the news', () => {
    assert.throws(() => emulator.faults.add({ kind: 'feed-malformed', exchange: 'ordiscan' }), /news feeds/);
    assert.throws(() => emulator.faults.add({ kind: 'data-partial', exchange: 'news' }), /runes providers/);
  });
});

test('without a replay folder the emulator serves no news', async () => {
  const emulator = await startEmulator({ paused: true, simulatedHistoryDays: 1 });
  try {
    assert.equal((await fetch(`${emulator.url}${FEED_PATH}`)).status, 404);
  } finally {
    await emulator.close();
  }
});
