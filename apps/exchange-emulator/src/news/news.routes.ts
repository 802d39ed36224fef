import type { FastifyInstance } from 'fastify';
import { generateRssFeed } from 'feedsmith';
import type { FaultInjector } from '../faults/fault-injector.ts';
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

/**
 * `GET /news/cryptonews/rss.xml`: the bundled articles as a real RSS 2.0 feed, so the news source
 * reads the emulator with the same client code as a live feed. A `feed-malformed` fault cuts the
 * document off in the middle of an item.
 */
export function registerNewsRoutes(app: FastifyInstance, options: NewsRoutesOptions): void {
  const articles = options.articles;
  if (articles === null) return;
  app.get(`${NEWS_PATH_PREFIX}${REPLAYED_NEWS_FEED}/rss.xml`, async (request, reply) => {
    const selfUrl = `${request.protocol}://${request.host}${request.url.split('?')[0] ?? ''}`;
    let document = renderNewsFeed(articles, selfUrl);
    if (options.faults.newsFaultsFor(REPLAYED_NEWS_FEED).length > 0) {
      document = document.slice(0, Math.floor(document.length / 2));
    }
    return reply.type('application/rss+xml; charset=utf-8').send(document);
  });
}
