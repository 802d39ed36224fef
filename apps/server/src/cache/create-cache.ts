import { ValidationError } from '@runecast/market';
import type { Cache } from './cache.port.ts';
import { MemoryCache, type MemoryCacheOptions } from './memory.cache.ts';
import { RedisCache, type RedisCacheOptions } from './redis.cache.ts';

export interface CreateCacheOptions {
  memory?: MemoryCacheOptions;
  /** Redis only: prefix of every key (default `runecast:`). */
  keyPrefix?: string;
  /** Redis only: time limit of each operation and the circuit breaker's settings. */
  redis?: Pick<
    RedisCacheOptions,
    'operationTimeoutMs' | 'breakerFailures' | 'breakerCoolDownMs' | 'onBreakerChange'
  >;
}

/**
 * The cache named by `url` (RUNECAST_CACHE_URL): in-memory LRU when absent or `memory://`,
 * Redis for `redis://…` / `rediss://…` (connected before this resolves).
 */
export async function createCache(url?: string | null, options: CreateCacheOptions = {}): Promise<Cache> {
  const trimmed = url?.trim();
  if (trimmed === undefined || trimmed === '' || trimmed === 'memory://')
    return new MemoryCache(options.memory);
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new ValidationError(`cache URL "${trimmed}" is not a URL; use memory:// or redis://host:port`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ValidationError(
      `cache URL scheme "${parsed.protocol}" is not supported; use memory:// (in-process) or redis://host:port`,
    );
  }
  const cache = new RedisCache({ ...options.redis, url: trimmed, keyPrefix: options.keyPrefix });
  try {
    await cache.connect();
  } catch (error) {
    await cache.close();
    throw new Error(`cannot reach the cache at ${parsed.host}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return cache;
}
