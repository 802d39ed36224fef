import { areNearIdenticalTitles, type Clock, type TextItem, type TextItemAnalysis } from '@runecast/market';
import type { HealthCheck } from '../observability/health.ts';
import type { Logger } from '../observability/logger.ts';
import type { BatchSentimentScorer } from '../signals/sentiment-scorer.port.ts';
import { scoredTextOf } from '../signals/text-analysis.ts';
import type { TextChannel, TextSource } from '../sources/text-source.port.ts';
import type { Store } from '../store/store.ts';
import { DEFAULT_BACKOFF, retryDelayMs, sleep } from './backoff.ts';
import { type IngestFaultListener, providerFaultKind } from './fault-reporter.ts';
import { TextLiveCollector, type TextLiveStats } from './text-live-collector.ts';
import type { TextMetricsWriter } from './text-metrics-writer.ts';

/** How far back stored articles are compared with new ones for copies under another address or title. */
const DUPLICATE_LOOKBACK_MS = 7 * 86_400_000;
const DUPLICATE_LOOKBACK_ITEMS = 5_000;
/** A live feed down this long turns the source's health degraded. */
const LIVE_DOWN_DEGRADED_MS = 5 * 60_000;

/** Rejections shown with their reasons in /health; the count covers them all. */
const RECENT_REJECTIONS = 5;

/** What a new item is compared with to find copies. */
type Heading = Pick<TextItem, 'channel' | 'id' | 'title' | 'url'>;

export interface TextCollectorOptions {
  source: TextSource;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Most pages read from one channel in one cycle, so one busy channel cannot starve the rest. */
  maxPagesPerCycle?: number;
  /** Scores and tags each item before it is stored (sentiment, scorer, mentions); none when absent. */
  analyse?: (item: TextItem, channel: TextChannel) => TextItemAnalysis;
  /**
   * Rescores each page of new items (after `analyse`) with a chat model; when it fails, the items
   * keep the scores `analyse` gave them, and the model is not asked again until the next cycle.
   */
  batchScorer?: BatchSentimentScorer;
  /** Writes the text metrics of markets after each successful cycle. */
  metrics?: TextMetricsWriter;
  /**
   * How long an item's text is kept after it became known (the later of published and first
   * seen): older texts are removed after each cycle, the items with their times, sentiment and
   * mentions stay. Kept for ever when absent.
   */
  retentionMs?: number;
  /** Live feed timing (tests shorten it): ledger and catch-up tick, restart delay after it gave up. */
  live?: { tickMs?: number; restartDelayMs?: number };
  /** Told of each channel's failed poll (`source` label `text:<channel>`) and of its recovery. */
  faults?: IngestFaultListener;
}

export interface TextCollectorStats {
  cycles: number;
  itemsStored: number;
  /** Items the source could not accept (no date, no text), never stored. */
  itemsRejected: number;
  /** The latest rejections, newest last, with the source's reason (at most RECENT_REJECTIONS). */
  recentRejections: { channel: string; id: string; reason: string }[];
  /** Titled items left out as copies of a stored one (same canonical address or near-identical title). */
  duplicatesSkipped: number;
  metricPointsWritten: number;
  /** Texts removed for being older than the retention period. */
  textsRemoved: number;
  failures: number;
  lastSuccessAtMs: number | null;
  lastError: string | null;
  /** The batch scorer's record, when there is one: pages it scored, pages left to `analyse`'s scores. */
  batchScoring: { scorer: string; batchesScored: number; fallbacks: number; lastError: string | null } | null;
}

/**
 * Reads every channel of one text source, one cycle at a time: each channel resumes after its
 * newest stored item, pages until the source has nothing newer, and stores the items with the
 * time they were first seen here (a stored item keeps its first time; edits update its text).
 */
export class TextCollector {
  private readonly counters: TextCollectorStats = {
    cycles: 0,
    itemsStored: 0,
    itemsRejected: 0,
    recentRejections: [],
    duplicatesSkipped: 0,
    metricPointsWritten: 0,
    textsRemoved: 0,
    failures: 0,
    lastSuccessAtMs: null,
    lastError: null,
    batchScoring: null,
  };
  /** Set when the batch scorer failed in this cycle: the cycle's later pages are not delayed by it again. */
  private batchScorerFailedThisCycle = false;

  private live: TextLiveCollector | null = null;

  constructor(private readonly options: TextCollectorOptions) {
    if (options.batchScorer) {
      this.counters.batchScoring = {
        scorer: options.batchScorer.id,
        batchesScored: 0,
        fallbacks: 0,
        lastError: null,
      };
    }
  }

  get sourceId(): string {
    return this.options.source.id;
  }

  stats(): TextCollectorStats {
    return {
      ...this.counters,
      recentRejections: [...this.counters.recentRejections],
      batchScoring: this.counters.batchScoring === null ? null : { ...this.counters.batchScoring },
    };
  }

  /** The live feed's counters while the source has one running; null otherwise. */
  liveStats(): TextLiveStats | null {
    return this.live?.stats() ?? null;
  }

  /**
   * Polls history every interval and, when the source has a live feed, follows it too; the feed's
   * catch-ups are cycles of this collector.
   */
  async run(signal: AbortSignal): Promise<void> {
    const { source, store, clock, logger } = this.options;
    const feed = source.liveFeed?.() ?? null;
    if (feed === null) return this.pollLoop(signal);
    const live = new TextLiveCollector({
      source,
      feed,
      store,
      clock,
      logger,
      ...(this.options.analyse ? { analyse: this.options.analyse } : {}),
      catchUp: (catchUpSignal) => this.pollOnce(catchUpSignal),
      ...this.options.live,
    });
    this.live = live;
    await Promise.all([
      this.pollLoop(signal),
      live.run(signal).catch((error: unknown) => {
        if (!signal.aborted) logger.error({ err: error, source: source.id }, 'live feed stopped');
      }),
    ]);
  }

  private async pollLoop(signal: AbortSignal): Promise<void> {
    const { source, logger } = this.options;
    let failuresInRow = 0;
    while (!signal.aborted) {
      let waitMs = source.capabilities.pollIntervalMs;
      try {
        await this.pollOnce(signal);
        failuresInRow = 0;
      } catch (error) {
        if (signal.aborted) return;
        failuresInRow += 1;
        waitMs = retryDelayMs(error, { ...DEFAULT_BACKOFF, maxDelayMs: waitMs }, failuresInRow);
        logger[this.options.faults ? 'debug' : 'warn'](
          { err: error, source: source.id, retryInMs: waitMs },
          'text poll failed',
        );
      }
      try {
        await sleep(waitMs, signal);
      } catch {
        return;
      }
    }
  }

  /**
   * One cycle over every channel; returns the items written or changed. A channel that fails does
   * not stop the others; the cycle then fails with the first error, after the rest are read.
   */
  async pollOnce(signal?: AbortSignal): Promise<number> {
    const { source, clock, logger } = this.options;
    this.counters.cycles += 1;
    this.batchScorerFailedThisCycle = false;
    let written = 0;
    const failures: { channel: string; error: unknown }[] = [];
    try {
      const channels = await source.listChannels({ ...(signal ? { signal } : {}) });
      const recent = channels.length > 0 ? await this.recentTitled() : [];
      for (const channel of channels) {
        try {
          written += await this.pollChannel(channel, recent, signal);
          this.options.faults?.recovered({ exchange: source.id, source: `text:${channel.id}` });
        } catch (error) {
          if (signal?.aborted) throw error;
          failures.push({ channel: channel.id, error });
          const { faults } = this.options;
          // With a fault listener the outage and recovery are logged once each, by it.
          logger[faults ? 'debug' : 'warn'](
            { err: error, source: source.id, channel: channel.id },
            'text channel poll failed',
          );
          faults?.fault({
            exchange: source.id,
            source: `text:${channel.id}`,
            kind: providerFaultKind(error),
            message: error instanceof Error ? error.message : String(error),
            series: null,
            retrying: true,
          });
        }
      }
      const [failure] = failures;
      if (failure) {
        const others = failures.length > 1 ? ` (and ${failures.length - 1} more channels)` : '';
        const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
        throw Object.assign(failure.error instanceof Error ? failure.error : new Error(message), {
          message: `channel ${failure.channel}: ${message}${others}`,
        });
      }
      // A source with no channel this cycle (CryptoPanic before its token is stored, with no
      // feeds) collected nothing: its metrics would count an empty store as zero articles.
      if (this.options.metrics && channels.length > 0) {
        this.counters.metricPointsWritten += await this.options.metrics.afterCycle(clock.now());
      }
      if (this.options.retentionMs !== undefined) {
        this.counters.textsRemoved += await this.options.store.textItems.removeTextKnownBefore(
          source.id,
          clock.now() - this.options.retentionMs,
        );
      }
    } catch (error) {
      this.counters.failures += 1;
      this.counters.lastError = error instanceof Error ? error.message : String(error);
      throw error;
    }
    this.counters.itemsStored += written;
    this.counters.lastSuccessAtMs = clock.now();
    this.counters.lastError = null;
    if (written > 0) logger.info({ source: source.id, items: written }, 'text items stored');
    return written;
  }

  /** Titled items stored lately, against which new articles are checked for copies. */
  private async recentTitled(): Promise<Heading[]> {
    const { source, store, clock } = this.options;
    const recent = await store.textItems.listRecentHeadings(
      source.id,
      Math.max(0, clock.now() - DUPLICATE_LOOKBACK_MS),
      DUPLICATE_LOOKBACK_ITEMS,
    );
    return recent.filter((item) => item.title !== null);
  }

  private async pollChannel(channel: TextChannel, recent: Heading[], signal?: AbortSignal): Promise<number> {
    const { source, store, clock, logger } = this.options;
    let written = 0;
    // Items stored already (a source read whole every cycle sends them again) are not sent to the
    // batch scorer again, and keep the analysis stored with them.
    const stored = this.options.batchScorer
      ? new Set(recent.map((item) => `${item.channel}\n${item.id}`))
      : null;
    // A source that keeps only its latest items is read whole every cycle: a late item can sit
    // before the newest one stored. Items stored already are written once whatever comes again.
    let after = source.capabilities.recentWindowOnly
      ? undefined
      : (await store.textItems.latestItem(source.id, channel.id))?.id;
    for (let page = 0; page < (this.options.maxPagesPerCycle ?? 50); page += 1) {
      if (page > 0 && source.capabilities.rateLimitMs > 0)
        await sleep(source.capabilities.rateLimitMs, signal);
      const result = await source.fetchItems({
        channel: channel.id,
        ...(after === undefined ? {} : { after }),
        ...(signal ? { signal } : {}),
      });
      if (result.rejected && result.rejected.length > 0) {
        this.counters.itemsRejected += result.rejected.length;
        this.counters.recentRejections = [
          ...this.counters.recentRejections,
          ...result.rejected.map((rejection) => ({ channel: channel.id, ...rejection })),
        ].slice(-RECENT_REJECTIONS);
        logger.warn(
          { source: source.id, channel: channel.id, rejected: result.rejected.slice(0, 5) },
          'text items rejected by the source',
        );
      }
      const seenAtMs = clock.now();
      const items: TextItem[] = [];
      for (const fetched of result.items) {
        const item = { ...fetched, seenAtMs };
        if (this.isCopy(item, recent)) {
          this.counters.duplicatesSkipped += 1;
          continue;
        }
        items.push(item);
        if (item.title !== null) recent.push(item);
      }
      const analyse = this.options.analyse;
      written += await store.textItems.upsertItems(
        analyse ? await this.analysed(items, channel, stored) : items,
      );
      // A page whose every item was rejected still moves the cursor on past them.
      if (result.cursor === null || (result.items.length === 0 && !result.rejected?.length)) break;
      after = result.cursor;
    }
    return written;
  }

  /** The items with their analysis; with a batch scorer, those stored already keep the stored one. */
  private async analysed(
    items: TextItem[],
    channel: TextChannel,
    stored: ReadonlySet<string> | null,
  ): Promise<TextItem[]> {
    const analyse = this.options.analyse;
    if (!analyse) return items;
    const known = items.filter((item) => stored?.has(`${item.channel}\n${item.id}`));
    const fresh = items.filter((item) => !stored?.has(`${item.channel}\n${item.id}`));
    return [
      ...known,
      ...(await this.rescored(fresh.map((item) => ({ ...item, ...analyse(item, channel) })))),
    ];
  }

  /** The items with the batch scorer's scores, or as they are when there is none or it fails. */
  private async rescored<T extends TextItem & TextItemAnalysis>(items: T[]): Promise<T[]> {
    const scorer = this.options.batchScorer;
    const record = this.counters.batchScoring;
    if (!scorer || !record || items.length === 0) return items;
    if (this.batchScorerFailedThisCycle) {
      record.fallbacks += 1;
      return items;
    }
    try {
      const scores = await scorer.scoreBatch(items.map(scoredTextOf));
      record.batchesScored += 1;
      return items.map((item, index) => ({ ...item, ...scores[index] }));
    } catch (error) {
      this.batchScorerFailedThisCycle = true;
      record.fallbacks += 1;
      record.lastError = error instanceof Error ? error.message : String(error);
      this.options.logger.warn(
        { err: error, source: this.options.source.id, scorer: scorer.id, items: items.length },
        'batch sentiment scoring failed; the items keep their lexicon scores',
      );
      return items;
    }
  }

  /** True when a titled item copies another stored or just read: same canonical address or near-identical title. */
  private isCopy(item: TextItem, recent: readonly Heading[]): boolean {
    if (item.title === null) return false;
    const title = item.title;
    return recent.some(
      (other) =>
        !(other.channel === item.channel && other.id === item.id) &&
        ((item.url !== null && other.url === item.url) ||
          (other.title !== null && areNearIdenticalTitles(other.title, title))),
    );
  }

  healthCheck(): HealthCheck {
    return {
      name: `source:${this.options.source.id}`,
      check: async () => {
        const { lastSuccessAtMs, lastError, cycles, itemsStored, itemsRejected, duplicatesSkipped } =
          this.counters;
        const live = this.live?.stats() ?? null;
        const details = {
          kind: 'text',
          lastSuccessAtMs,
          lastError,
          cycles,
          itemsStored,
          // Rejections of history pages and of the live feed alike; `live.rejected` is the feed's share.
          itemsRejected: itemsRejected + (live?.rejected ?? 0),
          recentRejections: [...this.counters.recentRejections],
          duplicatesSkipped,
          metricPointsWritten: this.counters.metricPointsWritten,
          textsRemoved: this.counters.textsRemoved,
          ...(this.counters.batchScoring === null ? {} : { batchScoring: { ...this.counters.batchScoring } }),
          ...(live === null ? {} : { live }),
        };
        if (live?.state === 'failed') {
          return { state: 'degraded', reason: `live feed: ${live.lastError ?? 'gave up'}`, details };
        }
        // The client reconnects by itself; a feed still down after five minutes is worth a look.
        if (
          live?.downSinceMs != null &&
          this.options.clock.now() - live.downSinceMs > LIVE_DOWN_DEGRADED_MS
        ) {
          return {
            state: 'degraded',
            reason: `live feed down since ${new Date(live.downSinceMs).toISOString()}`,
            details,
          };
        }
        if (live?.catchUpPending && live.lastError !== null) {
          return { state: 'degraded', reason: `live feed: ${live.lastError}`, details };
        }
        if (cycles === 0) return { state: 'ok', reason: null, details };
        const ageMs = lastSuccessAtMs === null ? null : this.options.clock.now() - lastSuccessAtMs;
        if (ageMs === null || ageMs > 3 * this.options.source.capabilities.pollIntervalMs) {
          return { state: 'degraded', reason: lastError ?? 'no successful poll in three intervals', details };
        }
        if (lastError !== null) return { state: 'degraded', reason: lastError, details };
        return { state: 'ok', reason: null, details };
      },
    };
  }
}
