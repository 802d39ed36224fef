import { Redis } from 'ioredis';
import type { Cache, CacheSetOptions, CacheStatus } from './cache.port.ts';

export interface RedisCacheOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` */
  url: string;
  /** Prepended to every key, so several deployments (or tests) can share one Redis. */
  keyPrefix?: string;
  /** Lifetime of entries stored without a TTL (default: none). */
  defaultTtlMs?: number;
  /** How long a command may wait for a connection before it fails (default 2 s). */
  connectTimeoutMs?: number;
}

/**
 * Redis behind the Cache port (ioredis). Commands fail fast while Redis is unreachable instead
 * of queueing without bound; callers treat a failed cache read as a miss.
 */
export class RedisCache implements Cache {
  readonly kind = 'redis' as const;
  readonly client: Redis;
  private lastError: Error | null = null;

  constructor(private readonly options: RedisCacheOptions) {
    this.client = new Redis(options.url, {
      keyPrefix: options.keyPrefix ?? 'runecast:',
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    this.client.on('error', (error: Error) => {
      this.lastError = error;
    });
    this.client.on('ready', () => {
      this.lastError = null;
    });
  }

  /** Connects; rejects when Redis cannot be reached. */
  async connect(): Promise<void> {
    await this.client.connect();
  }

  async get(key: string): Promise<string | null> {
    return this.client.get(key);
  }

  async set(key: string, value: string, options: CacheSetOptions = {}): Promise<void> {
    const ttlMs = options.ttlMs ?? this.options.defaultTtlMs;
    if (ttlMs === undefined) await this.client.set(key, value);
    else await this.client.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async setIfAbsent(key: string, value: string, options: CacheSetOptions = {}): Promise<boolean> {
    const ttlMs = options.ttlMs ?? this.options.defaultTtlMs;
    const result =
      ttlMs === undefined
        ? await this.client.set(key, value, 'NX')
        : await this.client.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
    return result === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    return (await this.client.del(key)) > 0;
  }

  async status(): Promise<CacheStatus> {
    if (this.client.status === 'end') return { state: 'down', reason: 'closed' };
    if (this.client.status !== 'ready') {
      return {
        state: 'down',
        reason: `redis ${this.client.status}${this.lastError ? `: ${this.lastError.message}` : ''}`,
      };
    }
    try {
      await this.client.ping();
      return { state: 'ok', reason: null };
    } catch (error) {
      return { state: 'down', reason: `redis ping failed: ${(error as Error).message}` };
    }
  }

  async close(): Promise<void> {
    if (this.client.status === 'end') return;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
