import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Cache } from './cache.port.ts';

export interface GenerationalCacheOptions {
  /** Names this use of the cache in keys and metrics, e.g. `candles`. */
  namespace: string;
  /** Told of every lookup, for hit/miss metrics. */
  onLookup?: (namespace: string, hit: boolean) => void;
  /** Told when the cache fails; the caller carries on as on a miss. */
  onError?: (error: unknown) => void;
  /**
   * Bytes of encoded answers kept in this process in front of the shared cache (default 64 MiB;
   * 0 turns it off). Entries are keyed by generation, so they go stale exactly when the shared
   * ones do; a hit sends the same bytes again without copying or re-encoding them.
   */
  nearCacheBytes?: number;
}

/** How long an unchanged group keeps its generation (it is renewed on every invalidation). */
const GENERATION_TTL_MS = 7 * 24 * 3_600_000;

/**
 * Entries grouped (e.g. by market) so a whole group is invalidated with one write: each group
 * has a random generation that is part of every key; invalidating gives the group a new
 * generation and old entries are simply never read again (their TTL clears them). A value
 * computed from data read before an invalidation is stored under the old generation, so it
 * can never be served after it. A failing cache counts as a miss, never as an error.
 */
export class GenerationalCache {
  private readonly near: LRUCache<string, Buffer> | null;

  constructor(
    private readonly cache: Cache,
    private readonly options: GenerationalCacheOptions,
  ) {
    const nearBytes = options.nearCacheBytes ?? 64 * 1024 * 1024;
    this.near =
      nearBytes > 0
        ? new LRUCache<string, Buffer>({
            maxSize: nearBytes,
            sizeCalculation: (value) => Math.max(1, value.length),
          })
        : null;
  }

  private generationKey(group: string): string {
    return `${this.options.namespace}:generation:${group}`;
  }

  private entryKey(group: string, generation: string, key: string): string {
    return `${this.options.namespace}:${group}:${generation}:${key}`;
  }

  /** Current generation of a group, created when it has none. Null when the cache is unusable. */
  async generation(group: string): Promise<string | null> {
    try {
      const existing = await this.cache.get(this.generationKey(group));
      if (existing !== null) return existing;
      const fresh = randomBytes(6).toString('hex');
      if (await this.cache.setIfAbsent(this.generationKey(group), fresh, { ttlMs: GENERATION_TTL_MS }))
        return fresh;
      return await this.cache.get(this.generationKey(group));
    } catch (error) {
      this.options.onError?.(error);
      return null;
    }
  }

  /**
   * The cached value as UTF-8 bytes, or `compute()`'s result (then stored). `compute` runs when
   * the cache misses or fails.
   */
  async getOrCompute(
    group: string,
    key: string,
    ttlMs: number,
    compute: () => Promise<string>,
  ): Promise<Buffer> {
    const generation = await this.generation(group);
    if (generation === null) return Buffer.from(await compute());
    const entryKey = this.entryKey(group, generation, key);
    const near = this.near?.get(entryKey);
    if (near !== undefined) {
      this.options.onLookup?.(this.options.namespace, true);
      return near;
    }
    try {
      const cached = await this.cache.get(entryKey);
      this.options.onLookup?.(this.options.namespace, cached !== null);
      if (cached !== null) return this.keepNear(entryKey, Buffer.from(cached));
    } catch (error) {
      this.options.onError?.(error);
    }
    const value = await compute();
    try {
      await this.cache.set(entryKey, value, { ttlMs });
    } catch (error) {
      this.options.onError?.(error);
    }
    return this.keepNear(entryKey, Buffer.from(value), ttlMs);
  }

  private keepNear(entryKey: string, value: Buffer, ttlMs?: number): Buffer {
    this.near?.set(entryKey, value, ttlMs === undefined ? undefined : { ttl: ttlMs });
    return value;
  }

  /** Makes every entry of the group unreachable. */
  async invalidate(group: string): Promise<void> {
    try {
      await this.cache.set(this.generationKey(group), randomBytes(6).toString('hex'), {
        ttlMs: GENERATION_TTL_MS,
      });
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}
