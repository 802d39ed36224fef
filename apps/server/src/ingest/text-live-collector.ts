import type { Clock, SeriesKey, TextItem, TextItemAnalysis } from '@runecast/market';
import type { Logger } from '../observability/logger.ts';
import type { TextChannel, TextLiveEvent, TextLiveFeed, TextSource } from '../sources/text-source.port.ts';
import type { Store } from '../store/store.ts';

const MINUTE_MS = 60_000;

/**
 * The coverage-ledger series of one channel's live feed (`discord:LIVE/<channel id>:1m`): a
 * minute is complete when the feed was live all through it, or when history read afterwards
 * covered it (a repaired gap); a minute the feed was down and nothing repaired yet is missing.
 */
export function liveFeedSeries(sourceId: string, channelId: string): SeriesKey {
  return { exchange: sourceId, symbol: `LIVE/${channelId.toUpperCase()}`, timeframe: '1m' };
}

export interface TextLiveCollectorOptions {
  source: TextSource;
  feed: TextLiveFeed;
  store: Pick<Store, 'textItems' | 'coverage'>;
  clock: Clock;
  logger: Logger;
  /** Scores and tags an item (new or edited) before it is stored. */
  analyse?: (item: TextItem, channel: TextChannel) => TextItemAnalysis;
  /**
   * Reads through pages of history what the feed missed: every channel from its newest stored
   * item up to now. Throws when a channel could not be read.
   */
  catchUp: (signal: AbortSignal) => Promise<unknown>;
  /** How often the ledger is brought up to now while live, and a failed catch-up tried again (default 15 s). */
  tickMs?: number;
  /** How long to wait before starting a feed that gave up (bad token, intents) again (default 60 s). */
  restartDelayMs?: number;
}

export interface TextLiveStats {
  state: 'starting' | 'live' | 'down' | 'failed' | 'stopped';
  /** True while what the feed missed (a new session, a start) has not been read from history yet. */
  catchUpPending: boolean;
  created: number;
  edited: number;
  deleted: number;
  /** Events the feed could not accept, never stored. */
  rejected: number;
  lastRejection: string | null;
  /** Reconnections that resumed the session (nothing missed). */
  resumes: number;
  /** New sessions (the first, and after a session could not be resumed): each needs a catch-up. */
  newSessions: number;
  disconnects: number;
  /** Catch-ups through history that completed. */
  catchUps: number;
  /** Since when the feed is down (null while live). */
  downSinceMs: number | null;
  lastError: string | null;
}

const floorMinute = (timeMs: number): number => Math.floor(timeMs / MINUTE_MS) * MINUTE_MS;
const ceilMinute = (timeMs: number): number => Math.ceil(timeMs / MINUTE_MS) * MINUTE_MS;

/**
 * Follows a text source's live feed: stores new items as the history pages do (idempotent by
 * id), applies edits (text replaced and scored again) and deletions (tombstones), in the order the
 * feed tells them. While the feed is live each channel's series in the coverage ledger is marked
 * complete minute by minute. When the feed drops and comes back resumed, nothing was missed and the
 * gap is marked at once; when it comes back as a new session (or the process was down), history is
 * read from the newest stored item of each channel, and only then is the gap marked: repaired.
 * Edits and deletions made while the feed was down are not in history, so they stay unseen.
 */
export class TextLiveCollector {
  private readonly counters: TextLiveStats = {
    state: 'starting',
    catchUpPending: true,
    created: 0,
    edited: 0,
    deleted: 0,
    rejected: 0,
    lastRejection: null,
    resumes: 0,
    newSessions: 0,
    disconnects: 0,
    catchUps: 0,
    downSinceMs: null,
    lastError: null,
  };
  private channels = new Map<string, TextChannel>();
  /** Per channel, the end of the ledger's complete range this collector extends. */
  private readonly coveredUntilMs = new Map<string, number>();
  private firstLiveAtMs: number | null = null;
  private queue: Promise<void> = Promise.resolve();
  private restartAtMs: number | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly options: TextLiveCollectorOptions) {}

  stats(): TextLiveStats {
    return { ...this.counters };
  }

  async run(signal: AbortSignal): Promise<void> {
    const { source, store, clock } = this.options;
    const tickMs = this.options.tickMs ?? 15_000;
    this.channels = new Map(
      (await source.listChannels({ signal })).map((channel) => [channel.id, channel] as const),
    );
    for (const channel of this.channels.values()) {
      const known = await store.coverage.listCoverage(liveFeedSeries(source.id, channel.id));
      const last = known.at(-1);
      if (last) this.coveredUntilMs.set(channel.id, last.endMs);
    }
    await this.startFeed();
    const onAbort = (): void => this.wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, tickMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
        if (signal.aborted) break;
        await this.queue;
        await this.tick(signal);
        if (
          this.counters.state === 'failed' &&
          this.restartAtMs !== null &&
          clock.now() >= this.restartAtMs
        ) {
          await this.options.feed.stop();
          await this.startFeed();
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      await this.options.feed.stop();
      await this.queue;
      this.counters.state = 'stopped';
    }
  }

  /** Catches up when a new session needs it; otherwise brings the ledger up to now while live. */
  private async tick(signal: AbortSignal): Promise<void> {
    if (this.counters.state !== 'live') return;
    if (this.counters.catchUpPending) {
      try {
        await this.options.catchUp(signal);
      } catch (error) {
        if (signal.aborted) return;
        this.counters.lastError = `catch-up: ${error instanceof Error ? error.message : String(error)}`;
        this.options.logger.warn({ err: error, source: this.options.source.id }, 'live feed catch-up failed');
        return;
      }
      this.counters.catchUpPending = false;
      this.counters.catchUps += 1;
      this.counters.lastError = null;
    }
    await this.markCovered();
  }

  private async startFeed(): Promise<void> {
    this.counters.state = 'starting';
    this.restartAtMs = null;
    try {
      await this.options.feed.start((event) => {
        this.queue = this.queue.then(() => this.handle(event));
      });
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
    }
  }

  private fail(reason: string): void {
    const { clock, logger, source } = this.options;
    if (this.counters.state !== 'failed') logger.warn({ source: source.id, reason }, 'live feed gave up');
    this.counters.state = 'failed';
    this.counters.lastError = reason;
    this.counters.downSinceMs ??= clock.now();
    this.restartAtMs = clock.now() + (this.options.restartDelayMs ?? 60_000);
  }

  /** One event, in order; a store failure leaves a catch-up pending instead of a gap unseen. */
  private async handle(event: TextLiveEvent): Promise<void> {
    try {
      await this.apply(event);
    } catch (error) {
      this.counters.catchUpPending = true;
      this.counters.lastError = `${event.kind}: ${error instanceof Error ? error.message : String(error)}`;
      this.options.logger.warn({ err: error, source: this.options.source.id }, 'live feed event not stored');
    }
  }

  private async apply(event: TextLiveEvent): Promise<void> {
    const { source, store, clock, logger } = this.options;
    switch (event.kind) {
      case 'created':
      case 'edited': {
        const channel = this.channels.get(event.item.channel);
        if (!channel) return;
        const item = { ...event.item, seenAtMs: clock.now() };
        const analysed = this.options.analyse ? { ...item, ...this.options.analyse(item, channel) } : item;
        if (event.kind === 'created') {
          await store.textItems.upsertItems([analysed]);
          this.counters.created += 1;
        } else {
          await store.textItems.applyEdit(analysed, event.editedAtMs);
          this.counters.edited += 1;
        }
        return;
      }
      case 'deleted': {
        const nowMs = clock.now();
        await store.textItems.markDeleted(
          { source: source.id, channel: event.channel, id: event.id, publishedAtMs: event.publishedAtMs },
          nowMs,
          nowMs,
        );
        this.counters.deleted += 1;
        return;
      }
      case 'rejected': {
        this.counters.rejected += 1;
        this.counters.lastRejection = `${event.id}: ${event.reason}`;
        logger.warn(
          { source: source.id, channel: event.channel, id: event.id, reason: event.reason },
          'live feed event rejected',
        );
        return;
      }
      case 'connected': {
        this.counters.state = 'live';
        this.counters.downSinceMs = null;
        this.firstLiveAtMs ??= clock.now();
        if (event.resumed) this.counters.resumes += 1;
        else {
          this.counters.newSessions += 1;
          this.counters.catchUpPending = true;
        }
        logger.info({ source: source.id, resumed: event.resumed }, 'live feed connected');
        this.wake?.();
        return;
      }
      case 'disconnected': {
        if (this.counters.state === 'live') await this.markCovered();
        if (this.counters.state !== 'failed') this.counters.state = 'down';
        this.counters.downSinceMs ??= clock.now();
        this.counters.disconnects += 1;
        logger.info({ source: source.id, reason: event.reason }, 'live feed disconnected');
        return;
      }
      case 'failed': {
        if (this.counters.state === 'live') await this.markCovered();
        this.fail(event.reason);
        return;
      }
    }
  }

  /** Marks every channel's minutes complete up to the last full minute, unless a catch-up is pending. */
  private async markCovered(): Promise<void> {
    if (this.counters.catchUpPending || this.firstLiveAtMs === null) return;
    const { source, store, clock } = this.options;
    const untilMs = floorMinute(clock.now());
    const fetches: {
      channel: string;
      series: SeriesKey;
      range: { startMs: number; endMs: number };
      candleOpenTimesMs: number[];
    }[] = [];
    for (const channel of this.channels.values()) {
      const fromMs = this.coveredUntilMs.get(channel.id) ?? ceilMinute(this.firstLiveAtMs);
      if (fromMs >= untilMs) continue;
      const minutes: number[] = [];
      for (let timeMs = fromMs; timeMs < untilMs; timeMs += MINUTE_MS) minutes.push(timeMs);
      fetches.push({
        channel: channel.id,
        series: liveFeedSeries(source.id, channel.id),
        range: { startMs: fromMs, endMs: untilMs },
        candleOpenTimesMs: minutes,
      });
    }
    if (fetches.length === 0) return;
    await store.coverage.markFetchedMany(fetches);
    for (const fetch of fetches) this.coveredUntilMs.set(fetch.channel, fetch.range.endMs);
  }
}
