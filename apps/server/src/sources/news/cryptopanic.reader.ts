import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MENTION_PATTERN, SourceAuthError, TransientSourceError, type TextItem } from '@runecast/market';
import { ProviderHttp } from '../http/provider-http.ts';
import { canonicalUrl } from './canonical-url.ts';
import { fitBody, htmlToText } from './feed-text.ts';

/** CryptoPanic's developer posts API; the emulator serves the same protocol under its own path. */
export const CRYPTOPANIC_API_URL = 'https://cryptopanic.com/api/developer/v2';
/** The channel of the news source CryptoPanic's posts are stored under. */
export const CRYPTOPANIC_CHANNEL_ID = 'cryptopanic';

export interface CryptoPanicReaderOptions {
  /** Base URL of the API, without a trailing slash. */
  apiUrl: string;
  /** The auth token, read before each read so a token stored later is used at once; null: not active. */
  authToken: () => Promise<string | null>;
  /** Only posts tagged with these currency codes (`BTC`); all when absent. */
  currencies?: readonly string[];
  /** Only posts of these regions (`en`); all when absent. */
  regions?: readonly string[];
  /** Pages read per cycle, newest first; the API lists 20 posts a page. */
  maxPages?: number;
  /** Least time between two requests; the free plan allows a few requests a second at most. */
  minIntervalMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

export interface CryptoPanicRead {
  /** Items without `source`, `channel` and `seenAtMs`, which the news source fills in. */
  items: Omit<TextItem, 'source' | 'channel' | 'seenAtMs'>[];
  rejected: { id: string; reason: string }[];
}

// The API's documentation names its fields but not which may be missing or null: everything the
// reader does not need is optional and passed over, so a field added or dropped on some plan
// does not refuse a whole page. What an item needs is checked per post, with the reason kept.
const currencySchema = z.looseObject({ code: z.string(), title: z.string().nullish() });
const postSchema = z.looseObject({
  id: z.union([z.number().int().nonnegative(), z.string().min(1).max(100)]),
  title: z.string().nullish(),
  description: z.string().nullish(),
  published_at: z.string().nullish(),
  created_at: z.string().nullish(),
  kind: z.string().nullish(),
  url: z.string().nullish(),
  original_url: z.string().nullish(),
  domain: z.string().nullish(),
  source: z.looseObject({ title: z.string().nullish(), domain: z.string().nullish() }).nullish(),
  // v1 says `currencies`; the developer v2 answers name them `instruments` on some plans.
  currencies: z.array(currencySchema).nullish(),
  instruments: z.array(currencySchema).nullish(),
});
const pageSchema = z.looseObject({
  count: z.number().int().nonnegative().nullish(),
  next: z.string().nullish(),
  results: z.array(z.unknown()),
});

const hash = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The page number a `next` link points to; the link itself is never followed, so the token is sent only to the configured address. */
function nextPageOf(next: string | null | undefined): number | null {
  if (!next) return null;
  let url: URL;
  try {
    url = new URL(next);
  } catch {
    return null;
  }
  const page = Number(url.searchParams.get('page'));
  return Number.isSafeInteger(page) && page > 1 ? page : null;
}

/**
 * Reads the latest posts of CryptoPanic's posts API (`kind=news`, `public=true`), page by page
 * newest first, and turns each into an article: the post's own address (`original_url` when the
 * plan gives it, else CryptoPanic's page), its title, its description as text, its publication
 * time, and its currencies as the assets it is about. Every answer is checked with zod; a post
 * that lacks what an article needs is rejected with its reason, the rest of the page kept.
 */
export class CryptoPanicReader {
  private readonly http: ProviderHttp;

  constructor(private readonly options: CryptoPanicReaderOptions) {
    this.http = new ProviderHttp({
      provider: 'cryptopanic',
      baseUrl: options.apiUrl.replace(/\/$/, ''),
      // The token travels as the `auth_token` query parameter, as the API asks.
      headers: async () => ({ 'user-agent': 'Runecast news reader (+https://github.com/runecast/runecast)' }),
      minIntervalMs: options.minIntervalMs ?? 1_000,
      timeoutMs: options.timeoutMs ?? 30_000,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /** True when a token is stored: only then is CryptoPanic read. */
  async isActive(): Promise<boolean> {
    return Boolean(await this.options.authToken());
  }

  async read(signal?: AbortSignal): Promise<CryptoPanicRead> {
    const token = await this.options.authToken();
    if (!token) {
      throw new SourceAuthError(
        'no CryptoPanic auth token stored: an admin stores it with PUT /api/v1/admin/secrets/cryptopanic.auth-token',
      );
    }
    const items: CryptoPanicRead['items'] = [];
    const rejected: CryptoPanicRead['rejected'] = [];
    let page: number | null = 1;
    for (let read = 0; page !== null && read < (this.options.maxPages ?? 5); read += 1) {
      const response = await this.http.get(
        '/posts/',
        {
          auth_token: token,
          public: 'true',
          kind: 'news',
          currencies: this.options.currencies?.length ? this.options.currencies.join(',') : undefined,
          regions: this.options.regions?.length ? this.options.regions.join(',') : undefined,
          page: page === 1 ? undefined : page,
        },
        signal,
      );
      // Past the last page the API answers 404; what was read so far stands.
      if (response.status === 404 && page > 1) break;
      if (response.status !== 200) {
        throw new TransientSourceError(
          `cryptopanic: HTTP ${response.status} (${JSON.stringify(response.body)?.slice(0, 200)})`,
        );
      }
      const parsed = pageSchema.safeParse(response.body);
      if (!parsed.success) {
        throw new TransientSourceError(`cryptopanic: not a posts page (${z.prettifyError(parsed.error)})`);
      }
      for (const [index, raw] of parsed.data.results.entries()) {
        const result = this.articleOf(raw);
        if ('reason' in result)
          rejected.push({ id: result.id ?? `page ${page} post ${index}`, reason: result.reason });
        else items.push(result.item);
      }
      page = nextPageOf(parsed.data.next);
    }
    return { items, rejected };
  }

  private articleOf(
    raw: unknown,
  ): { item: CryptoPanicRead['items'][number] } | { id: string | null; reason: string } {
    const parsed = postSchema.safeParse(raw);
    if (!parsed.success) {
      const rawId = typeof raw === 'object' && raw !== null && 'id' in raw ? raw.id : null;
      const id =
        typeof rawId === 'number' || typeof rawId === 'string'
          ? `cryptopanic:${String(rawId).slice(0, 100)}`
          : null;
      return { id, reason: `not a post: ${z.prettifyError(parsed.error).slice(0, 300)}` };
    }
    const post = parsed.data;
    const id = `cryptopanic:${String(post.id)}`;
    if (post.kind && post.kind !== 'news') return { id, reason: `not news (kind ${post.kind})` };
    const url =
      (post.original_url ? canonicalUrl(post.original_url) : null) ??
      (post.url ? canonicalUrl(post.url) : null);
    if (url === null) return { id, reason: 'no readable address' };
    const time = post.published_at ?? post.created_at;
    const publishedAtMs = time ? Date.parse(time) : Number.NaN;
    if (!Number.isFinite(publishedAtMs) || publishedAtMs < 0) {
      return { id, reason: `no readable publication time (${String(time)})` };
    }
    const title = post.title ? htmlToText(post.title) : '';
    if (title === '') return { id, reason: 'no title' };
    const about = [...(post.currencies ?? []), ...(post.instruments ?? [])]
      .map((currency) => currency.code.trim().toUpperCase())
      .filter((code) => MENTION_PATTERN.test(code));
    return {
      item: {
        // The same address gives the same id as a feed's copy of the article.
        id: `u${hash(url).slice(0, 32)}`,
        publishedAtMs,
        title,
        body: fitBody(post.description ? htmlToText(post.description) : ''),
        url,
        author: null,
        ...(about.length > 0 ? { about: [...new Set(about)].sort() } : {}),
      },
    };
  }
}
