import type { FastifyInstance } from 'fastify';
import { generateRssFeed } from 'feedsmith';
import { z } from 'zod';
import type { FaultInjector } from '../faults/fault-injector.ts';
import {
  CRYPTOPANIC_EMULATOR_PATH,
  CRYPTOPANIC_EMULATOR_TOKEN,
  CRYPTOPANIC_PAGE_SIZE,
  cryptoPanicPostsOf,
  filterCryptoPanicPosts,
} from './cryptopanic-posts.ts';
import type { ReplayedArticle } from './news-replay.ts';

/** Where the news feeds are mounted: `${emulator.url}/news/<feed>/rss.xml`. */
export const NEWS_PATH_PREFIX = '/news/';
/** The one feed served: the replay folder's cryptonews.com articles. */
export const REPLAYED_NEWS_FEED = 'cryptonews';

/** The feed a request is for (`/news/cryptonews/rss.xml` → `cryptonews`), or null when it is not a news path. */
export function newsEndpoint(path: string): { feed: string } | null {
  if (!path.startsWith(NEWS_PATH_PREFIX)) return null;
  const feed = path.slice(NEWS_PATH_PREFIX.length).split('/')[0] ?? '';
  return feed === '' ? null : { feed };
}

const escapeHtml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** The replayed articles as one RSS 2.0 document, newest first as news sites publish them. */
export function renderNewsFeed(articles: readonly ReplayedArticle[], selfUrl: string): string {
  const newest = [...articles].sort((left, right) => right.publishedAtMs - left.publishedAtMs);
  return generateRssFeed({
    title: 'cryptonews.com (replayed by the Runecast emulator)',
    link: selfUrl,
    description: 'Real dated articles from the replay folder, served as an RSS 2.0 feed.',
    ...(newest[0] ? { lastBuildDate: new Date(newest[0].publishedAtMs) } : {}),
    items: newest.map((article) => ({
      title: article.title,
      link: article.url,
      guid: { value: article.url, isPermaLink: true },
      pubDate: new Date(article.publishedAtMs),
      description: article.paragraphs[0] ?? '',
      content: {
        encoded: article.paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('\n'),
      },
    })),
  });
}

export interface NewsRoutesOptions {
  /** The replayed articles; without them no feed is served (the emulator simulates no news). */
  articles: readonly ReplayedArticle[] | null;
  faults: FaultInjector;
}

/** The endpoint name news faults target for the CryptoPanic API (`/news/cryptopanic/...`). */
export const CRYPTOPANIC_FAULT_ENDPOINT = 'cryptopanic';

const codeList = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  )
  .pipe(
    z
      .array(z.string().regex(/^[A-Za-z0-9]{1,20}$/))
      .min(1)
      .max(50),
  );

const postsQuerySchema = z.object({
  auth_token: z.string().optional(),
  page: z.coerce.number().int().positive().max(10_000).optional(),
  public: z.enum(['true', 'false']).optional(),
  kind: z.enum(['news', 'media', 'all']).optional(),
  currencies: codeList.optional(),
  regions: codeList.optional(),
  // Vote-based views; the replayed posts have no votes, so every view lists them all.
  filter: z.enum(['rising', 'hot', 'bullish', 'bearish', 'important', 'saved', 'lol']).optional(),
  following: z.enum(['true', 'false']).optional(),
});

/**
 * `GET /news/cryptopanic/api/developer/v2/posts/`: the same articles in the JSON shape of
 * CryptoPanic's posts API, newest first, CRYPTOPANIC_PAGE_SIZE a page with absolute `next` /
 * `previous` links. A missing or unknown `auth_token` is answered 401 with CryptoPanic's
 * `{status, info}` body, a page past the end 404 as its paging does, an unreadable query 400.
 */
function registerCryptoPanicRoute(
  app: FastifyInstance,
  articles: readonly ReplayedArticle[],
  faults: FaultInjector,
): void {
  const posts = cryptoPanicPostsOf(articles);
  app.get(`${CRYPTOPANIC_EMULATOR_PATH}/posts/`, async (request, reply) => {
    const parsed = postsQuerySchema.safeParse(request.query);
    if (!parsed.success) {
      return reply.code(400).send({ status: 'Incomplete', info: z.prettifyError(parsed.error) });
    }
    const query = parsed.data;
    if (query.auth_token !== CRYPTOPANIC_EMULATOR_TOKEN) {
      return reply.code(401).send({ status: 'Incomplete', info: 'Token not found' });
    }
    const matching = filterCryptoPanicPosts(posts, {
      currencies: query.currencies?.map((code) => code.toUpperCase()) ?? null,
      regions: query.regions ?? null,
      kind: query.kind ?? 'all',
    });
    const page = query.page ?? 1;
    const pages = Math.max(1, Math.ceil(matching.length / CRYPTOPANIC_PAGE_SIZE));
    if (page > pages) return reply.code(404).send({ detail: 'Invalid page.' });
    const selfUrl = new URL(`${request.protocol}://${request.host}${request.url}`);
    const linkTo = (target: number): string => {
      const link = new URL(selfUrl);
      link.searchParams.set('page', String(target));
      return link.toString();
    };
    let body = JSON.stringify({
      count: matching.length,
      next: page < pages ? linkTo(page + 1) : null,
      previous: page > 1 ? linkTo(page - 1) : null,
      results: matching.slice((page - 1) * CRYPTOPANIC_PAGE_SIZE, page * CRYPTOPANIC_PAGE_SIZE),
    });
    if (faults.newsFaultsFor(CRYPTOPANIC_FAULT_ENDPOINT).length > 0)
      body = body.slice(0, Math.floor(body.length / 2));
    return reply.type('application/json').send(body);
  });
}

/**
 * `GET /news/cryptonews/rss.xml`: the bundled articles as a real RSS 2.0 feed, so the news source
 * reads the emulator with the same client code as a live feed, and CryptoPanic's posts API over
 * the same articles. A `feed-malformed` fault cuts the document off in the middle.
 */
export function registerNewsRoutes(app: FastifyInstance, options: NewsRoutesOptions): void {
  const articles = options.articles;
  if (articles === null) return;
  registerCryptoPanicRoute(app, articles, options.faults);
  app.get(`${NEWS_PATH_PREFIX}${REPLAYED_NEWS_FEED}/rss.xml`, async (request, reply) => {
    const selfUrl = `${request.protocol}://${request.host}${request.url.split('?')[0] ?? ''}`;
    let document = renderNewsFeed(articles, selfUrl);
    if (options.faults.newsFaultsFor(REPLAYED_NEWS_FEED).length > 0) {
      document = document.slice(0, Math.floor(document.length / 2));
    }
    return reply.type('application/rss+xml; charset=utf-8').send(document);
  });
}
