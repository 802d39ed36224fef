import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AnalysedTextItem } from '@runecast/market';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';

const HOUR_MS = 3_600_000;
const BASE_MS = Date.UTC(2025, 9, 10);

// Articles written for this test.
const article = (
  id: string,
  hours: number,
  title: string,
  sentiment: number | null,
  mentions: string[],
): AnalysedTextItem => ({
  source: 'news',
  channel: 'desk',
  id,
  publishedAtMs: BASE_MS + hours * HOUR_MS,
  seenAtMs: BASE_MS + hours * HOUR_MS + 5 * 60_000,
  title,
  body: `${title}. ${'More words follow in the body of the article. '.repeat(20)}`,
  url: `https://desk.test/${id}`,
  author: null,
  sentiment,
  scorer: sentiment === null ? null : 'lexicon-v1',
  mentions,
});

const ARTICLES = [
  article('a1', 0, 'Bitcoin rallies to a new high', 0.8, ['BTC']),
  article('a2', 1, 'Exchange hack drains ether wallets', -0.7, ['ETH']),
  article('a3', 2, 'DOG•GO•TO•THE•MOON holders keep growing', 0.4, ['DOG•GO•TO•THE•MOON']),
  article('a4', 3, 'Bitcoin and ether trade flat', 0, ['BTC', 'ETH']),
  article('a5', 4, 'Quarterly report of a foundation', null, []),
];

interface NewsAnswer {
  items: {
    id: string;
    title: string | null;
    url: string | null;
    source: string;
    publishedAtMs: number;
    seenAtMs: number;
    knownAtMs: number;
    sentiment: number | null;
    scorer: string | null;
    mentions: string[];
    excerpt: string;
  }[];
}

describe('GET /api/v1/news', () => {
  let harness: ApiHarness;
  let token: string;

  before(async () => {
    harness = await createApiHarness();
    token = (await harness.createUser()).token;
    assert.equal(await harness.store.textItems.upsertItems(ARTICLES), ARTICLES.length);
  });
  after(() => harness.close());

  const get = (query: string, withToken = true) =>
    harness.app.inject({
      method: 'GET',
      url: `/api/v1/news${query}`,
      headers: withToken ? { authorization: `Bearer ${token}` } : {},
    });
  const ids = async (query: string) => {
    const response = await get(query);
    assert.equal(response.statusCode, 200, response.body);
    return (response.json() as NewsAnswer).items.map((item) => item.id);
  };

  test('lists articles newest first with title, url, source, times, sentiment and scorer', async () => {
    const response = await get('');
    assert.equal(response.statusCode, 200);
    const { items } = response.json() as NewsAnswer;
    assert.deepEqual(
      items.map((item) => item.id),
      ['a5', 'a4', 'a3', 'a2', 'a1'],
    );
    const first = items.find((item) => item.id === 'a1');
    assert.deepEqual(
      {
        title: first?.title,
        url: first?.url,
        source: first?.source,
        publishedAtMs: first?.publishedAtMs,
        seenAtMs: first?.seenAtMs,
        knownAtMs: first?.knownAtMs,
        sentiment: first?.sentiment,
        scorer: first?.scorer,
        mentions: first?.mentions,
      },
      {
        title: 'Bitcoin rallies to a new high',
        url: 'https://desk.test/a1',
        source: 'news',
        publishedAtMs: BASE_MS,
        seenAtMs: BASE_MS + 5 * 60_000,
        knownAtMs: BASE_MS + 5 * 60_000,
        sentiment: 0.8,
        scorer: 'lexicon-v1',
        mentions: ['BTC'],
      },
    );
    assert.ok((first?.excerpt.length ?? 0) <= 280);
  });

  test('filters by asset, market or rune in any spelling, by time and by sentiment, and limits', async () => {
    assert.deepEqual(await ids('?about=BTC'), ['a4', 'a1']);
    assert.deepEqual(await ids('?about=binance:BTC/USDT'), ['a4', 'a1']);
    assert.deepEqual(await ids('?about=eth'), ['a4', 'a2']);
    assert.deepEqual(await ids(`?about=${encodeURIComponent('dog.go.to.the.moon')}`), ['a3']);
    assert.deepEqual(await ids(`?about=${encodeURIComponent('ordiscan:DOG•GO•TO•THE•MOON/SATS')}`), ['a3']);
    assert.deepEqual(await ids(`?from=${BASE_MS + HOUR_MS}&to=${BASE_MS + 3 * HOUR_MS}`), ['a3', 'a2']);
    assert.deepEqual(await ids(`?from=2025-10-10T03:00:00Z`), ['a5', 'a4']);
    assert.deepEqual(await ids('?minSentiment=0.1'), ['a3', 'a1']);
    assert.deepEqual(await ids('?maxSentiment=-0.5'), ['a2']);
    assert.deepEqual(await ids('?minSentiment=-0.1&maxSentiment=0.1'), ['a4']);
    assert.deepEqual(await ids('?limit=2'), ['a5', 'a4']);
    assert.deepEqual(await ids('?about=SOL'), []);
  });

  test('bad input answers 400 naming the field, never 500', async () => {
    const cases: [string, RegExp][] = [
      ['?about=%3Cscript%3E', /about/],
      ['?minSentiment=2', /minSentiment.*-1 to 1/],
      ['?maxSentiment=abc', /maxSentiment/],
      ['?minSentiment=0.5&maxSentiment=-0.5', /minSentiment must not be above maxSentiment/],
      ['?from=2025-10-11&to=2025-10-10', /from must not be after to/],
      ['?from=yesterday', /from/],
      ['?limit=0', /limit/],
      ['?limit=501', /limit/],
      ['?sort=asc', /sort/],
    ];
    for (const [query, message] of cases) {
      const response = await get(query);
      assert.equal(response.statusCode, 400, `${query}: ${response.body}`);
      const body = response.json() as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'validation_failed');
      assert.match(JSON.stringify(body.error), message, query);
    }
  });

  test('needs a signed-in user, and is in the OpenAPI document', async () => {
    assert.equal((await get('', false)).statusCode, 401);
    const document = (await harness.request({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, { get?: { parameters?: { name: string }[] } }>;
    };
    const operation = document.paths['/api/v1/news']?.get;
    assert.ok(operation);
    assert.deepEqual((operation.parameters ?? []).map((parameter) => parameter.name).sort(), [
      'about',
      'from',
      'limit',
      'maxSentiment',
      'minSentiment',
      'to',
    ]);
  });
});
