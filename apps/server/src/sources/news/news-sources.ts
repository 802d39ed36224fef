import type { SourceRegistry } from '../source-registry.ts';
import { NewsFeedSource, type NewsFeed } from './news-feed.source.ts';

/** The news source's id: every feed is one of its channels. */
export const NEWS_SOURCE_ID = 'news';

/** Feeds read live when the admin lists none: four large crypto newsrooms' public RSS feeds. */
export const DEFAULT_NEWS_FEEDS: readonly NewsFeed[] = [
  { id: 'coindesk', name: 'CoinDesk', url: 'https://www.coindesk.com/arc/outboundfeeds/rss/', about: [] },
  { id: 'cointelegraph', name: 'Cointelegraph', url: 'https://cointelegraph.com/rss', about: [] },
  { id: 'decrypt', name: 'Decrypt', url: 'https://decrypt.co/feed', about: [] },
  { id: 'the-block', name: 'The Block', url: 'https://www.theblock.co/rss.xml', about: [] },
];

/** The feed the emulator serves from the replay folder's bundled articles. */
export const EMULATED_NEWS_FEED_PATH = '/news/cryptonews/rss.xml';

export interface NewsSourceOptions {
  /** The admin's list (RUNECAST_NEWS_FEEDS); null for the defaults. */
  configured: readonly NewsFeed[] | null;
  /** The emulator in use instead of the real services; null for live. */
  emulatorUrl: string | null;
  /** True when the emulator replays real data (and so serves the bundled news). */
  replay: boolean;
}

/**
 * The feeds to read: the admin's list when given; otherwise the default newsrooms live, or the
 * emulator's replayed feed offline (none when the emulator only simulates, as it has no news to
 * serve then).
 */
export function newsFeedsFor(options: NewsSourceOptions): NewsFeed[] {
  if (options.configured !== null) return [...options.configured];
  if (options.emulatorUrl === null) return [...DEFAULT_NEWS_FEEDS];
  if (!options.replay) return [];
  return [
    {
      id: 'cryptonews',
      name: 'cryptonews.com (replayed)',
      url: `${options.emulatorUrl.replace(/\/$/, '')}${EMULATED_NEWS_FEED_PATH}`,
      about: [],
    },
  ];
}

/** Registers the news source with its feeds; returns the feed ids (none: nothing registered). */
export function registerNewsSource(registry: SourceRegistry, options: NewsSourceOptions): string[] {
  const feeds = newsFeedsFor(options);
  if (feeds.length === 0) return [];
  registry.register(NEWS_SOURCE_ID, { text: () => new NewsFeedSource({ id: NEWS_SOURCE_ID, feeds }) });
  return feeds.map((feed) => feed.id);
}
