import {
  CRYPTOPANIC_EMULATOR_PATH,
  CRYPTOPANIC_EMULATOR_TOKEN,
} from '@runecast/exchange-emulator/news-cryptopanic';
import type { SourceRegistry } from '../source-registry.ts';
import { CRYPTOPANIC_API_URL, CryptoPanicReader } from './cryptopanic.reader.ts';
import { NewsFeedSource, type NewsFeed } from './news-feed.source.ts';

/** The news source's id: every feed is one of its channels, and so is CryptoPanic. */
export const NEWS_SOURCE_ID = 'news';
/** The secret holding CryptoPanic's auth token (`PUT /api/v1/admin/secrets/cryptopanic.auth-token`). */
export const CRYPTOPANIC_TOKEN_SECRET = 'cryptopanic.auth-token';

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
  /** The stored CryptoPanic auth token, read before each read; CryptoPanic is read only while one is stored. */
  cryptoPanicToken?: () => Promise<string | null>;
  /** CryptoPanic's `currencies` filter; all posts when empty. */
  cryptoPanicCurrencies?: readonly string[];
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

/**
 * CryptoPanic's posts API when it can be read: live with a stored token, or offline from the
 * emulator (which takes its own token when none is stored). None when the emulator only
 * simulates, as it has no news to serve then.
 */
export function cryptoPanicReaderFor(options: NewsSourceOptions): CryptoPanicReader | null {
  const storedToken = options.cryptoPanicToken ?? (async () => null);
  const currencies = options.cryptoPanicCurrencies ?? [];
  if (options.emulatorUrl === null) {
    return new CryptoPanicReader({ apiUrl: CRYPTOPANIC_API_URL, authToken: storedToken, currencies });
  }
  if (!options.replay) return null;
  return new CryptoPanicReader({
    apiUrl: `${options.emulatorUrl.replace(/\/$/, '')}${CRYPTOPANIC_EMULATOR_PATH}`,
    // A stored token wins; offline runs need none stored.
    authToken: async () => (await storedToken()) ?? CRYPTOPANIC_EMULATOR_TOKEN,
    currencies,
    minIntervalMs: 0,
  });
}

/**
 * Registers the news source with its feeds (and CryptoPanic, when readable); returns the feed
 * ids. Live, CryptoPanic can always be had once a token is stored, so the source is registered
 * even with no feeds; it then lists no channel, and writes nothing, until a token is stored.
 */
export function registerNewsSource(registry: SourceRegistry, options: NewsSourceOptions): string[] {
  const feeds = newsFeedsFor(options);
  const cryptoPanic = cryptoPanicReaderFor(options);
  if (feeds.length === 0 && cryptoPanic === null) return [];
  registry.register(NEWS_SOURCE_ID, {
    text: () =>
      new NewsFeedSource({ id: NEWS_SOURCE_ID, feeds, ...(cryptoPanic === null ? {} : { cryptoPanic }) }),
  });
  return feeds.map((feed) => feed.id);
}
