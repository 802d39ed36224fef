import { newsQuerySchema, newsResponseSchema } from '@runecast/contracts';
import { NEWS_SOURCE_ID } from '../../sources/news/news-sources.ts';
import type { RouteModule } from '../api-context.ts';
import { textItemFilters } from './text-item-filters.ts';

const tags = ['news'];
const DEFAULT_LIMIT = 50;
const EXCERPT_CHARACTERS = 280;

/** News articles collected from the feeds, with their sentiment and the assets they name. */
export const newsRoutes: RouteModule = {
  name: 'news',
  register(app, context) {
    app.get(
      '/news',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'News articles, newest published first, each with its sentiment (-1 to 1), scorer and the assets it names; filter by asset, market or rune, time and sentiment',
          querystring: newsQuerySchema,
          response: { 200: newsResponseSchema },
        },
      },
      async (request) => {
        const { limit } = request.query;
        const items = await context.store.textItems.queryItems({
          source: NEWS_SOURCE_ID,
          ...textItemFilters(request.query),
          limit: limit ?? DEFAULT_LIMIT,
          bodyCharacters: EXCERPT_CHARACTERS,
        });
        return {
          items: items.map((item) => ({
            source: item.source,
            channel: item.channel,
            id: item.id,
            title: item.title,
            url: item.url,
            excerpt: item.body,
            publishedAtMs: item.publishedAtMs,
            seenAtMs: item.seenAtMs,
            knownAtMs: Math.max(item.publishedAtMs, item.seenAtMs),
            sentiment: item.sentiment,
            scorer: item.scorer,
            mentions: item.mentions,
          })),
        };
      },
    );
  },
};
