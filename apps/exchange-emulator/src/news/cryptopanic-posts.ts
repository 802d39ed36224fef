import type { ReplayedArticle } from './news-replay.ts';

/** Where the emulator serves CryptoPanic's developer posts API (under the news routes, so news faults apply with endpoint `cryptopanic`). */
export const CRYPTOPANIC_EMULATOR_PATH = '/news/cryptopanic/api/developer/v2';
/** The one auth token the emulator's CryptoPanic API takes; any other is refused as the real API refuses an unknown one. */
export const CRYPTOPANIC_EMULATOR_TOKEN = 'runecast-emulator';
/** Posts on one page of the emulated API. */
export const CRYPTOPANIC_PAGE_SIZE = 20;
/** The first post id handed out: ids count up from here, oldest article first, so they stay the same between runs. */
const FIRST_POST_ID = 18_000_000;

/**
 * Assets the emulator tags a post with when its title names them. CryptoPanic tags posts with
 * currencies itself; the replayed articles carry no tags, so the emulator names the few it can
 * recognise without guessing (whole words only).
 */
const TAGGED_CURRENCIES: readonly { code: string; title: string; words: RegExp }[] = [
  { code: 'BTC', title: 'Bitcoin', words: /\b(?:bitcoin|btc)\b/i },
  { code: 'ETH', title: 'Ethereum', words: /\b(?:ethereum|eth|ether)\b/i },
  { code: 'SOL', title: 'Solana', words: /\b(?:solana|sol)\b/i },
  { code: 'XRP', title: 'XRP', words: /\b(?:xrp|ripple)\b/i },
  { code: 'DOGE', title: 'Dogecoin', words: /\b(?:dogecoin|doge)\b/i },
  { code: 'BNB', title: 'BNB', words: /\b(?:bnb|binance coin)\b/i },
  { code: 'ADA', title: 'Cardano', words: /\b(?:cardano|ada)\b/i },
  { code: 'LTC', title: 'Litecoin', words: /\b(?:litecoin|ltc)\b/i },
];

/** One post as CryptoPanic's posts API returns it. */
export interface CryptoPanicPost {
  id: number;
  slug: string;
  title: string;
  description: string;
  published_at: string;
  created_at: string;
  kind: 'news';
  domain: string;
  source: { title: string; region: string; domain: string; path: null; type: 'feed' };
  original_url: string;
  url: string;
  currencies: { code: string; title: string; slug: string; url: string }[];
  votes: Record<
    'negative' | 'positive' | 'important' | 'liked' | 'disliked' | 'lol' | 'toxic' | 'saved' | 'comments',
    number
  >;
}

const slugOf = (title: string): string =>
  title
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9\s-]/g, '')
    .trim()
    .split(/[\s-]+/)
    .filter((word) => word !== '')
    .join('-')
    .slice(0, 200);

/** The replayed articles as CryptoPanic posts, newest first as the API lists them. */
export function cryptoPanicPostsOf(articles: readonly ReplayedArticle[]): CryptoPanicPost[] {
  return articles
    .map((article, index): CryptoPanicPost => {
      const id = FIRST_POST_ID + index;
      const slug = slugOf(article.title);
      const domain = new URL(article.url).hostname.replace(/^www\./, '');
      const time = new Date(article.publishedAtMs).toISOString().replace('.000Z', 'Z');
      return {
        id,
        slug,
        title: article.title,
        description: article.paragraphs[0] ?? '',
        published_at: time,
        created_at: time,
        kind: 'news',
        domain,
        source: { title: domain.split('.')[0] ?? domain, region: 'en', domain, path: null, type: 'feed' },
        original_url: article.url,
        url: `https://cryptopanic.com/news/${id}/${slug}`,
        currencies: TAGGED_CURRENCIES.filter((currency) => currency.words.test(article.title)).map(
          (currency) => ({
            code: currency.code,
            title: currency.title,
            slug: currency.title.toLowerCase(),
            url: `https://cryptopanic.com/news/${currency.title.toLowerCase()}/`,
          }),
        ),
        votes: {
          negative: 0,
          positive: 0,
          important: 0,
          liked: 0,
          disliked: 0,
          lol: 0,
          toxic: 0,
          saved: 0,
          comments: 0,
        },
      };
    })
    .sort(
      (left, right) => Date.parse(right.published_at) - Date.parse(left.published_at) || right.id - left.id,
    );
}

/** The query of a posts request, as the emulated API reads it. */
export interface CryptoPanicQuery {
  currencies: string[] | null;
  regions: string[] | null;
  kind: 'news' | 'media' | 'all';
}

/** Posts matching the filters: by currency code, region and kind (every replayed post is English news). */
export function filterCryptoPanicPosts(
  posts: readonly CryptoPanicPost[],
  query: CryptoPanicQuery,
): CryptoPanicPost[] {
  return posts.filter(
    (post) =>
      (query.kind === 'all' || query.kind === post.kind) &&
      (query.regions === null || query.regions.includes(post.source.region)) &&
      (query.currencies === null ||
        post.currencies.some((currency) => query.currencies?.includes(currency.code))),
  );
}
