/** Connection health, for readiness checks. */
export interface CacheStatus {
  state: 'ok' | 'degraded' | 'down';
  reason: string | null;
}

export interface CacheSetOptions {
  /** Drop the entry after this long; absent: the cache's default (if any). */
  ttlMs?: number;
}

/**
 * A string key/value cache shared by the API's readers: in-memory LRU in one process, or Redis
 * shared by every replica. Values are strings (usually serialized JSON answers). A cache may
 * forget anything at any time, so callers must always be able to recompute a value.
 */
export interface Cache {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: CacheSetOptions): Promise<void>;
  /** Stores only when the key is absent; true when it stored. */
  setIfAbsent(key: string, value: string, options?: CacheSetOptions): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  status(): Promise<CacheStatus>;
  close(): Promise<void>;
}
