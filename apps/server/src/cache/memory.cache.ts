import { LRUCache } from 'lru-cache';
import type { Cache, CacheSetOptions, CacheStatus } from './cache.port.ts';

export interface MemoryCacheOptions {
  /** Most characters held in all values together (default 64 Mi). */
  maxCharacters?: number;
  /** Most entries (default 100,000). */
  maxEntries?: number;
  /** Lifetime of entries stored without a TTL (default: until evicted). */
  defaultTtlMs?: number;
}

/** The in-process cache: least recently used entries go first when it is full. */
export class MemoryCache implements Cache {
  readonly kind = 'memory' as const;
  private readonly entries: LRUCache<string, string>;
  private closed = false;

  constructor(options: MemoryCacheOptions = {}) {
    this.entries = new LRUCache<string, string>({
      max: options.maxEntries ?? 100_000,
      maxSize: options.maxCharacters ?? 64 * 1024 * 1024,
      sizeCalculation: (value, key) => value.length + key.length,
      ttl: options.defaultTtlMs ?? 0,
      ttlAutopurge: false,
    });
  }

  async get(key: string): Promise<string | null> {
    return this.entries.get(key) ?? null;
  }

  async set(key: string, value: string, options: CacheSetOptions = {}): Promise<void> {
    this.entries.set(key, value, options.ttlMs === undefined ? undefined : { ttl: options.ttlMs });
  }

  async setIfAbsent(key: string, value: string, options: CacheSetOptions = {}): Promise<boolean> {
    if (this.entries.has(key)) return false;
    await this.set(key, value, options);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.entries.delete(key);
  }

  async status(): Promise<CacheStatus> {
    return this.closed ? { state: 'down', reason: 'closed' } : { state: 'ok', reason: null };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.entries.clear();
  }
}
