import { createHash } from 'node:crypto';
import { parseFeed, type AnyFeed } from 'feedsmith';
import {
  areNearIdenticalTitles,
  findTextItemProblem,
  RateLimitedError,
  TransientSourceError,
  ValidationError,
  type TextItem,
} from '@runecast/market';
import { retryAfterMs } from '../http/provider-http.ts';
import type { TextChannel, TextPage, TextSource, TextSourceCapabilities } from '../text-source.port.ts';
import { canonicalUrl } from './canonical-url.ts';
import { CRYPTOPANIC_CHANNEL_ID, type CryptoPanicReader } from './cryptopanic.reader.ts';
import { fitBody, htmlToText } from './feed-text.ts';

/** One RSS, Atom, RDF or JSON feed: its channel id, name, address and what all its articles are about. */
export interface NewsFeed {
  id: string;
  name: string;
  url: string;
  about: readonly string[];
}

export interface NewsFeedSourceOptions {
  feeds: readonly NewsFeed[];
  /** The source id its items are stored under; `news` unless several news sources run. */
  id?: string;
  /** True when the feeds serve simulated articles (never for the replayed or live feeds). */
  simulated?: boolean;
  timeoutMs?: number;
  pollIntervalMs?: number;
  pageLimit?: number;
  /** CryptoPanic's posts API as one more channel, listed while its token is stored. */
  cryptoPanic?: CryptoPanicReader;
  now?: () => number;
}

/** A feed read once serves every page asked for within this time, so paging costs one request. */
const FEED_REUSE_MS = 30_000;
/** Larger answers are refused: no news feed is this big, and reading one would cost memory. */
const MAX_FEED_BYTES = 10 * 1024 * 1024;

interface ReadFeed {
  readAtMs: number;
  items: TextItem[];
  rejected: { id: string; reason: string }[];
}

/** What every feed format says of one article, before it becomes a text item. */
interface FeedEntry {
  title: string | undefined;
  link: string | undefined;
  guid: string | undefined;
  date: string | undefined;
  html: string | undefined;
  author: string | undefined;
}

const hash = (text: string): string => createHash('sha256').update(text).digest('hex');

function entriesOf(parsed: AnyFeed): FeedEntry[] {
  switch (parsed.format) {
    case 'rss':
      return (parsed.feed.items ?? []).map((item) => ({
        title: item.title,
        link: item.link,
        guid: item.guid?.value,
        date: item.pubDate ?? item.dc?.dates?.[0],
        html: item.content?.encoded ?? item.description,
        author: item.authors?.[0]?.name ?? item.authors?.[0]?.email ?? item.dc?.creators?.[0],
      }));
    case 'atom':
      return (parsed.feed.entries ?? []).map((entry) => ({
        title: entry.title?.value,
        link: (entry.links?.find((link) => (link.rel ?? 'alternate') === 'alternate') ?? entry.links?.[0])
          ?.href,
        guid: entry.id,
        date: entry.published ?? entry.updated,
        html: entry.content?.value ?? entry.summary?.value,
        author: entry.authors?.[0]?.name,
      }));
    case 'rdf':
      return (parsed.feed.items ?? []).map((item) => ({
        title: item.title,
        link: item.link,
        guid: item.rdf?.about,
        date: item.dc?.dates?.[0],
        html: item.content?.encoded ?? item.description,
        author: item.dc?.creators?.[0],
      }));
    case 'json':
      return (parsed.feed.items ?? []).map((item) => ({
        title: item.title,
        link: item.url,
        guid: item.id,
        date: item.date_published ?? item.date_modified,
        html: item.content_html ?? item.content_text ?? item.summary,
        author: item.authors?.[0]?.name,
      }));
  }
}

/**
 * The articles in the order read, each once: a later one with the same id (address) or a
 * near-identical title is a copy and left out. Oldest first, as pages are served.
 */
function firstOfEachArticle(read: readonly TextItem[]): TextItem[] {
  const items: TextItem[] = [];
  const byId = new Set<string>();
  for (const item of read) {
    if (byId.has(item.id)) continue;
    const copy =
      item.title !== null &&
      items.some((kept) => kept.title !== null && areNearIdenticalTitles(kept.title, item.title as string));
    if (copy) continue;
    byId.add(item.id);
    items.push(item);
  }
  return items.sort(
    (left, right) => left.publishedAtMs - right.publishedAtMs || left.id.localeCompare(right.id),
  );
}

/**
 * News articles from RSS, Atom, RDF and JSON feeds, one channel per feed, read with a maintained
 * feed parser (feedsmith). An article's id is a hash of its canonical address, so the same
 * article reached with other tracking tags, or listed twice, is one item; within a feed, an
 * article whose title is near-identical to an earlier one is dropped as a copy. Live feeds and
 * the emulator's replayed feed differ only in their addresses.
 *
 * A feed holds only its latest articles and may list a late one before newer ones, so the
 * collector reads it whole every cycle (`recentWindowOnly`); the cursor still pages within it.
 * CryptoPanic's posts API, when its token is stored, is one more channel read the same way, so
 * its articles are checked for copies against the feeds' by address and title.
 */
export class NewsFeedSource implements TextSource {
  readonly id: string;
  readonly kind = 'text' as const;
  readonly simulated: boolean;
  readonly capabilities: TextSourceCapabilities;
  private readonly feeds: Map<string, NewsFeed>;
  private readonly read = new Map<string, ReadFeed>();
  private readonly now: () => number;

  constructor(private readonly options: NewsFeedSourceOptions) {
    this.id = options.id ?? 'news';
    this.simulated = options.simulated ?? false;
    this.now = options.now ?? Date.now;
    this.capabilities = {
      pollIntervalMs: options.pollIntervalMs ?? 5 * 60_000,
      pageLimit: options.pageLimit ?? 25,
      rateLimitMs: 0,
      recentWindowOnly: true,
    };
    this.feeds = new Map(options.feeds.map((feed) => [feed.id, feed]));
  }

  async listChannels(): Promise<TextChannel[]> {
    const channels = [...this.feeds.values()].map((feed) => ({
      id: feed.id,
      name: feed.name,
      about: [...feed.about],
    }));
    // Active only while a token is stored: storing one starts it at the next cycle, no restart.
    if (this.options.cryptoPanic && (await this.options.cryptoPanic.isActive())) {
      channels.push({ id: CRYPTOPANIC_CHANNEL_ID, name: 'CryptoPanic', about: [] });
    }
    return channels;
  }

  async fetchItems(params: { channel: string; after?: string; signal?: AbortSignal }): Promise<TextPage> {
    const cryptoPanic = params.channel === CRYPTOPANIC_CHANNEL_ID ? this.options.cryptoPanic : undefined;
    const feed = this.feeds.get(params.channel);
    if (!feed && !cryptoPanic) throw new ValidationError(`news: no feed "${params.channel}"`);
    let read = this.read.get(params.channel);
    if (read === undefined || params.after === undefined || this.now() - read.readAtMs > FEED_REUSE_MS) {
      read = cryptoPanic
        ? await this.readCryptoPanic(cryptoPanic, params.signal)
        : await this.readFeed(feed as NewsFeed, params.signal);
      this.read.set(params.channel, read);
    }
    // An id no longer in the feed (it rolled off) pages from the oldest it holds: stored items are
    // written once whatever comes again.
    const start =
      params.after === undefined ? 0 : read.items.findIndex((item) => item.id === params.after) + 1;
    const items = read.items.slice(start, start + this.capabilities.pageLimit);
    return {
      items,
      cursor: items.at(-1)?.id ?? null,
      ...(start === 0 && read.rejected.length > 0 ? { rejected: read.rejected } : {}),
    };
  }

  async close(): Promise<void> {
    this.read.clear();
  }

  private async readFeed(feed: NewsFeed, signal?: AbortSignal): Promise<ReadFeed> {
    const text = await this.download(feed, signal);
    let parsed: AnyFeed;
    try {
      parsed = parseFeed(text);
    } catch (error) {
      throw new TransientSourceError(`news ${feed.id}: not a readable feed (${(error as Error).message})`, {
        fault: 'malformed_response',
      });
    }
    const items: TextItem[] = [];
    const rejected: { id: string; reason: string }[] = [];
    const seenAtMs = this.now();
    for (const [index, entry] of entriesOf(parsed).entries()) {
      const url = entry.link === undefined ? null : canonicalUrl(entry.link);
      const identity = url ?? entry.guid?.trim();
      const label = identity ?? `entry ${index}`;
      if (!identity) {
        rejected.push({ id: label, reason: 'no link and no id' });
        continue;
      }
      const publishedAtMs = entry.date === undefined ? Number.NaN : Date.parse(entry.date);
      if (!Number.isFinite(publishedAtMs) || publishedAtMs < 0) {
        rejected.push({ id: label, reason: `no readable publication time (${String(entry.date)})` });
        continue;
      }
      const title = entry.title === undefined ? '' : htmlToText(entry.title);
      const body = fitBody(entry.html === undefined ? '' : htmlToText(entry.html));
      if (title === '' && body === '') {
        rejected.push({ id: label, reason: 'no title and no text' });
        continue;
      }
      const item: TextItem = {
        source: this.id,
        channel: feed.id,
        id: `${url === null ? 'g' : 'u'}${hash(identity).slice(0, 32)}`,
        publishedAtMs,
        seenAtMs,
        title: title === '' ? null : title,
        body,
        url,
        // Bylines are stored as a one-way hash, as every author is unless the admin opts in.
        author: entry.author?.trim() ? `sha256:${hash(entry.author.trim()).slice(0, 16)}` : null,
      };
      const problem = findTextItemProblem(item);
      if (problem) {
        rejected.push({ id: label, reason: problem });
        continue;
      }
      items.push(item);
    }
    return { readAtMs: seenAtMs, items: firstOfEachArticle(items), rejected };
  }

  private async readCryptoPanic(reader: CryptoPanicReader, signal?: AbortSignal): Promise<ReadFeed> {
    const seenAtMs = this.now();
    const read = await reader.read(signal);
    const items: TextItem[] = [];
    const rejected = [...read.rejected];
    for (const post of read.items) {
      const item: TextItem = { ...post, source: this.id, channel: CRYPTOPANIC_CHANNEL_ID, seenAtMs };
      const problem = findTextItemProblem(item);
      if (problem) rejected.push({ id: item.url ?? item.id, reason: problem });
      else items.push(item);
    }
    return { readAtMs: seenAtMs, items: firstOfEachArticle(items), rejected };
  }

  private async download(feed: NewsFeed, signal?: AbortSignal): Promise<string> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    const where = `news ${feed.id} (${new URL(feed.url).host})`;
    let response: Response;
    try {
      response = await fetch(feed.url, {
        headers: {
          accept:
            'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5',
          'user-agent': 'Runecast news reader (+https://github.com/runecast/runecast)',
        },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new TransientSourceError(
        `${where}: ${timeout.aborted ? 'timed out' : (error as Error).message}`,
        {
          fault: timeout.aborted ? 'timeout' : 'network',
        },
      );
    }
    if (response.status === 429) {
      await response.body?.cancel();
      throw new RateLimitedError(
        `${where}: rate limited (429)`,
        retryAfterMs(response.headers.get('retry-after'), this.now()),
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new TransientSourceError(`${where}: HTTP ${response.status}`, {
        fault: response.status >= 500 ? 'server_error' : 'http_error',
        status: response.status,
      });
    }
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_FEED_BYTES) {
      await response.body?.cancel();
      throw new TransientSourceError(`${where}: the feed is larger than ${MAX_FEED_BYTES} bytes`);
    }
    try {
      const text = await response.text();
      if (text.length > MAX_FEED_BYTES) throw new Error(`the feed is larger than ${MAX_FEED_BYTES} bytes`);
      return text;
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new TransientSourceError(
        `${where}: ${timeout.aborted ? 'timed out' : (error as Error).message}`,
        {
          fault: timeout.aborted ? 'timeout' : 'network',
        },
      );
    }
  }
}
