import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { RateLimitedError, TransientSourceError, ValidationError } from '@runecast/market';
import { NewsFeedSource } from './news-feed.source.ts';
import { newsFeedsFor } from './news-sources.ts';

// Feeds written for this test: the same article under two addresses, a re-post with a near-identical
// title, an item without a date, HTML in the text, and the same stories as Atom.
const RSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Test desk</title><link>https://desk.test/</link><description>fixtures</description>
<item><title>Miners switch off rigs as fees fall</title><link>https://desk.test/miners-switch-off?utm_source=rss</link>
  <pubDate>Tue, 02 Jan 2024 09:00:00 GMT</pubDate><dc:creator>A. Writer</dc:creator>
  <content:encoded><![CDATA[<p>Several <b>pools</b> reported lower revenue &amp; idle machines.</p><script>track()</script><p>Second paragraph.</p>]]></content:encoded></item>
<item><title>Exchange lists a new rune pair</title><link>https://www.desk.test/rune-pair/#top</link>
  <pubDate>Tue, 02 Jan 2024 08:00:00 GMT</pubDate><description>A short summary.</description></item>
<item><title>Miners switch off rigs as fees fall</title><link>https://desk.test/miners-switch-off/</link>
  <pubDate>Tue, 02 Jan 2024 09:00:00 GMT</pubDate><description>The same story again.</description></item>
<item><title>Miners switch off their rigs as fees fall - Test desk</title><link>https://desk.test/miners-repost</link>
  <pubDate>Tue, 02 Jan 2024 09:30:00 GMT</pubDate><description>A re-post.</description></item>
<item><title>Undated note</title><link>https://desk.test/undated</link><description>No date here.</description></item>
<item><title>Stablecoin supply grows for a third month</title><link>https://desk.test/stablecoin-supply</link>
  <pubDate>Wed, 03 Jan 2024 10:15:00 +0100</pubDate><description>&lt;p&gt;Supply rose again.&lt;/p&gt;</description></item>
</channel></rss>`;

const ATOM = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom desk</title><id>urn:desk</id><updated>2024-01-02T10:00:00Z</updated>
<entry><title>Layer two fees hit a new low</title><id>urn:desk:1</id><link rel="alternate" href="https://atom.test/l2-fees"/>
  <published>2024-01-02T07:00:00Z</published><updated>2024-01-02T08:00:00Z</updated><summary>Fees are down.</summary><author><name>B. Writer</name></author></entry>
<entry><title>Validator count passes a million</title><id>urn:desk:2</id>
  <updated>2024-01-02T09:00:00Z</updated><content type="html">&lt;p&gt;A milestone.&lt;/p&gt;</content></entry>
</feed>`;

describe('news feed source', () => {
  let server: Server;
  let base = '';
  const answers = new Map<string, { status: number; body: string; headers?: Record<string, string> }>();

  before(async () => {
    server = createServer((request, response) => {
      const answer = answers.get(request.url ?? '') ?? { status: 404, body: 'no such feed' };
      response.writeHead(answer.status, { 'content-type': 'application/xml', ...answer.headers });
      response.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    answers.set('/rss', { status: 200, body: RSS });
    answers.set('/atom', { status: 200, body: ATOM });
    answers.set('/busy', { status: 429, body: 'slow down', headers: { 'retry-after': '7' } });
    answers.set('/down', { status: 503, body: 'down' });
    answers.set('/broken', { status: 200, body: RSS.slice(0, RSS.length / 2) });
    answers.set('/html', { status: 200, body: '<html><body>not a feed</body></html>' });
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const sourceFor = (path: string, options: { now?: () => number; pageLimit?: number } = {}) =>
    new NewsFeedSource({
      feeds: [{ id: 'desk', name: 'Desk', url: `${base}${path}`, about: ['BTC'] }],
      ...options,
    });

  test('reads an RSS feed: canonical addresses, one item per article, copies and undated items left out', async () => {
    const source = sourceFor('/rss', { now: () => 1_800_000_000_000 });
    assert.deepEqual(await source.listChannels(), [{ id: 'desk', name: 'Desk', about: ['BTC'] }]);
    const page = await source.fetchItems({ channel: 'desk' });
    assert.deepEqual(
      page.items.map((item) => item.url),
      [
        'https://desk.test/rune-pair',
        'https://desk.test/miners-switch-off',
        'https://desk.test/stablecoin-supply',
      ],
    );
    assert.deepEqual(page.rejected, [
      { id: 'https://desk.test/undated', reason: 'no readable publication time (undefined)' },
    ]);
    const [pair, miners, stablecoin] = page.items;
    assert.equal(miners?.publishedAtMs, Date.UTC(2024, 0, 2, 9));
    assert.equal(stablecoin?.publishedAtMs, Date.UTC(2024, 0, 3, 9, 15));
    assert.equal(miners?.seenAtMs, 1_800_000_000_000);
    assert.equal(miners?.body, 'Several pools reported lower revenue & idle machines.\nSecond paragraph.');
    assert.equal(stablecoin?.body, 'Supply rose again.');
    assert.match(miners?.author ?? '', /^sha256:[0-9a-f]{16}$/);
    assert.equal(pair?.author, null);
    assert.equal(page.cursor, stablecoin?.id);
    // The id depends on the canonical address alone: a second read gives the same ids.
    const again = await sourceFor('/rss').fetchItems({ channel: 'desk' });
    assert.deepEqual(
      again.items.map((item) => item.id),
      page.items.map((item) => item.id),
    );
  });

  test('pages within the feed by cursor, and pages from the start for an id no longer listed', async () => {
    const source = sourceFor('/rss', { pageLimit: 2 });
    const first = await source.fetchItems({ channel: 'desk' });
    assert.equal(first.items.length, 2);
    const second = await source.fetchItems({ channel: 'desk', after: first.cursor ?? '' });
    assert.equal(second.items.length, 1);
    const end = await source.fetchItems({ channel: 'desk', after: second.cursor ?? '' });
    assert.deepEqual(end, { items: [], cursor: null });
    const rolledOff = await source.fetchItems({ channel: 'desk', after: 'u-not-listed-any-more' });
    assert.deepEqual(
      rolledOff.items.map((item) => item.id),
      first.items.map((item) => item.id),
    );
  });

  test('reads Atom: the published time, else the updated time', async () => {
    const page = await sourceFor('/atom').fetchItems({ channel: 'desk' });
    assert.deepEqual(
      page.items.map((item) => [item.title, item.publishedAtMs, item.url]),
      [
        ['Layer two fees hit a new low', Date.UTC(2024, 0, 2, 7), 'https://atom.test/l2-fees'],
        ['Validator count passes a million', Date.UTC(2024, 0, 2, 9), null],
      ],
    );
    assert.equal(page.items[1]?.body, 'A milestone.');
  });

  test('maps failures onto the source errors: 429 with its wait, 5xx, unreadable XML, not a feed, unknown channel', async () => {
    await assert.rejects(sourceFor('/busy').fetchItems({ channel: 'desk' }), (error: unknown) => {
      assert.ok(error instanceof RateLimitedError);
      assert.equal(error.retryAfterMs, 7_000);
      return true;
    });
    await assert.rejects(sourceFor('/down').fetchItems({ channel: 'desk' }), TransientSourceError);
    await assert.rejects(sourceFor('/broken').fetchItems({ channel: 'desk' }), /not a readable feed/);
    await assert.rejects(sourceFor('/html').fetchItems({ channel: 'desk' }), /not a readable feed/);
    await assert.rejects(sourceFor('/missing').fetchItems({ channel: 'desk' }), /HTTP 404/);
    await assert.rejects(sourceFor('/rss').fetchItems({ channel: 'elsewhere' }), ValidationError);
  });
});

test('feeds: the admin list wins, then the defaults live, the replayed feed offline, none when simulated', () => {
  const mine = [{ id: 'mine', name: 'Mine', url: 'https://mine.test/rss', about: [] }];
  assert.deepEqual(newsFeedsFor({ configured: mine, emulatorUrl: 'http://127.0.0.1:1', replay: true }), mine);
  assert.deepEqual(
    newsFeedsFor({ configured: null, emulatorUrl: null, replay: false }).map((feed) => feed.id),
    ['coindesk', 'cointelegraph', 'decrypt', 'the-block'],
  );
  assert.deepEqual(newsFeedsFor({ configured: null, emulatorUrl: 'http://127.0.0.1:9/', replay: true }), [
    {
      id: 'cryptonews',
      name: 'cryptonews.com (replayed)',
      url: 'http://127.0.0.1:9/news/cryptonews/rss.xml',
      about: [],
    },
  ]);
  assert.deepEqual(newsFeedsFor({ configured: null, emulatorUrl: 'http://127.0.0.1:9', replay: false }), []);
});
