import type { Clock, TextItem } from '@runecast/market';
import type { HealthCheck } from '../observability/health.ts';
import type { Logger } from '../observability/logger.ts';
import type { TextSource } from '../sources/text-source.port.ts';
import type { Store } from '../store/store.ts';
import { DEFAULT_BACKOFF, retryDelayMs, sleep } from './backoff.ts';

export interface TextCollectorOptions {
  source: TextSource;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Most pages read from one channel in one cycle, so one busy channel cannot starve the rest. */
  maxPagesPerCycle?: number;
}

export interface TextCollectorStats {
  cycles: number;
  itemsStored: number;
  failures: number;
  lastSuccessAtMs: number | null;
  lastError: string | null;
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
    failures: 0,
    lastSuccessAtMs: null,
    lastError: null,
  };

  constructor(private readonly options: TextCollectorOptions) {}

  get sourceId(): string {
    return this.options.source.id;
  }

  stats(): TextCollectorStats {
    return { ...this.counters };
  }

  async run(signal: AbortSignal): Promise<void> {
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
        logger.warn({ err: error, source: source.id, retryInMs: waitMs }, 'text poll failed');
      }
      try {
        await sleep(waitMs, signal);
      } catch {
        return;
      }
    }
  }

  /** One cycle over every channel; returns the items written or changed. */
  async pollOnce(signal?: AbortSignal): Promise<number> {
    const { source, store, clock, logger } = this.options;
    this.counters.cycles += 1;
    let written = 0;
    try {
      for (const channel of await source.listChannels({ ...(signal ? { signal } : {}) })) {
        let after = (await store.textItems.latestItem(source.id, channel.id))?.id;
        for (let page = 0; page < (this.options.maxPagesPerCycle ?? 50); page += 1) {
          if (page > 0 && source.capabilities.rateLimitMs > 0)
            await sleep(source.capabilities.rateLimitMs, signal);
          const result = await source.fetchItems({
            channel: channel.id,
            ...(after === undefined ? {} : { after }),
            ...(signal ? { signal } : {}),
          });
          const seenAtMs = clock.now();
          const items: TextItem[] = result.items.map((item) => ({ ...item, seenAtMs }));
          written += await store.textItems.upsertItems(items);
          if (result.cursor === null || result.items.length === 0) break;
          after = result.cursor;
        }
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

  healthCheck(): HealthCheck {
    return {
      name: `source:${this.options.source.id}`,
      check: async () => {
        const { lastSuccessAtMs, lastError, cycles } = this.counters;
        const details = { kind: 'text', lastSuccessAtMs, lastError, cycles };
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
