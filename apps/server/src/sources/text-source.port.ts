import type { TextItem } from '@runecast/market';

/** A channel of a text source: a Discord channel, a news feed. */
export interface TextChannel {
  /** The source's own id of the channel (a Discord snowflake, a feed id). */
  id: string;
  name: string;
  /** Series or instruments it is about (`binance:BTC/USDT`, `DOG•GO•TO•THE•MOON`); may be empty. */
  about: readonly string[];
}

export interface TextPage {
  /** Items oldest first. */
  items: TextItem[];
  /**
   * The id of the newest item of the page, to pass back as `after` for the next page; null when
   * the channel has nothing newer yet.
   */
  cursor: string | null;
  /** Items the source read but could not accept, with the reason; counted by the collector, never stored. */
  rejected?: { id: string; reason: string }[];
}

export interface TextSourceCapabilities {
  /** How often the collector asks each channel for new items. */
  pollIntervalMs: number;
  /** Most items one page holds. */
  pageLimit: number;
  /** Minimum spacing between calls, from the source's published rate limit. */
  rateLimitMs: number;
  /**
   * True when the source holds only its latest items and may list a late one before newer ones
   * (a news feed): the collector then reads every channel from its start each cycle instead of
   * resuming after the newest stored item.
   */
  recentWindowOnly?: boolean;
}

/** What a live feed tells its collector, in the order it happened. */
export type TextLiveEvent =
  /** A new item (idempotent by id, as from a page of history). */
  | { kind: 'created'; item: TextItem }
  /** A stored item's new text; `editedAtMs` orders edits (an older one never overwrites a newer). */
  | { kind: 'edited'; item: TextItem; editedAtMs: number }
  /** An item was deleted; its time comes from its id. */
  | { kind: 'deleted'; channel: string; id: string; publishedAtMs: number }
  /** Something the feed could not accept, with the reason; counted, never stored. */
  | { kind: 'rejected'; channel: string | null; id: string; reason: string }
  /**
   * The feed is live. `resumed`: the session went on and everything missed while down was
   * delivered before this; otherwise a new session, and what happened while down is unknown.
   */
  | { kind: 'connected'; resumed: boolean }
  /** The connection dropped (the client tries again by itself); `code` is the close code. */
  | { kind: 'disconnected'; code: number; reason: string }
  /** The feed gave up (bad token, intents not allowed): it must be started again, after a fix. */
  | { kind: 'failed'; reason: string };

/** A push feed of a text source's changes (Discord's gateway). */
export interface TextLiveFeed {
  /** Connects and delivers events to `listener`, in order, until stopped. */
  start(listener: (event: TextLiveEvent) => void): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A source of dated text items (Discord channels, news feeds). Implementations validate what
 * they return and map their errors onto RateLimitedError / TransientSourceError /
 * UnsupportedError.
 */
export interface TextSource {
  readonly id: string;
  readonly kind: 'text';
  readonly capabilities: TextSourceCapabilities;
  readonly simulated: boolean;
  listChannels(params?: { signal?: AbortSignal }): Promise<TextChannel[]>;
  /**
   * Items of `channel` newer than the item whose id is `after` (from the oldest the source
   * keeps when it is absent), at most `capabilities.pageLimit`.
   */
  fetchItems(params: { channel: string; after?: string; signal?: AbortSignal }): Promise<TextPage>;
  /**
   * A feed of new, edited and deleted items as they happen, when the source has one and it is
   * enabled; null otherwise. Pages of history then catch up what the feed missed.
   */
  liveFeed?(): TextLiveFeed | null;
  close(): Promise<void>;
}
