import { Redis } from 'ioredis';
import { CacheUnavailableError } from './cache-errors.ts';
import type { Cache, CacheSetOptions, CacheStatus } from './cache.port.ts';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.ts';

export interface RedisCacheOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` */
  url: string;
  /** Prepended to every key, so several deployments (or tests) can share one Redis. */
  keyPrefix?: string;
  /** Lifetime of entries stored without a TTL (default: none). */
  defaultTtlMs?: number;
  /** How long a command may wait for a connection before it fails (default 2 s). */
  connectTimeoutMs?: number;
  /** How long one cache operation may take before it fails as a miss (default 250 ms). */
  operationTimeoutMs?: number;
  /** Failures in a row after which Redis is skipped for a cool-down (default 5). */
  breakerFailures?: number;
  /** How long Redis is skipped once the circuit opened (default 30 s). */
  breakerCoolDownMs?: number;
  /** Told when the circuit opens, probes or closes again. */
  onBreakerChange?: CircuitBreakerOptions['onStateChange'];
  now?: () => number;
}

export const DEFAULT_CACHE_OPERATION_TIMEOUT_MS = 250;
export const DEFAULT_CACHE_BREAKER_FAILURES = 5;
export const DEFAULT_CACHE_BREAKER_COOL_DOWN_MS = 30_000;

/**
 * Redis behind the Cache port (ioredis). A Redis outage costs speed, never answers: commands
 * are not queued while the connection is down (they fail at once), every operation has a short
 * time limit (a Redis that accepts and never answers fails it), and after a few failures in a
 * row a circuit breaker skips Redis for a cool-down, then lets one call probe it. Callers treat
 * a failed cache read as a miss.
 */
export class RedisCache implements Cache {
  readonly kind = 'redis' as const;
  readonly client: Redis;
  private lastError: Error | null = null;
  private readonly breaker: CircuitBreaker;
  private readonly operationTimeoutMs: number;
  private closed = false;

  constructor(private readonly options: RedisCacheOptions) {
    this.operationTimeoutMs = options.operationTimeoutMs ?? DEFAULT_CACHE_OPERATION_TIMEOUT_MS;
    if (!Number.isFinite(this.operationTimeoutMs) || this.operationTimeoutMs <= 0)
      throw new RangeError(`operationTimeoutMs must be a positive number, got ${this.operationTimeoutMs}`);
    this.breaker = new CircuitBreaker({
      failureThreshold: options.breakerFailures ?? DEFAULT_CACHE_BREAKER_FAILURES,
      coolDownMs: options.breakerCoolDownMs ?? DEFAULT_CACHE_BREAKER_COOL_DOWN_MS,
      ...(options.onBreakerChange ? { onStateChange: options.onBreakerChange } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    this.client = new Redis(options.url, {
      keyPrefix: options.keyPrefix ?? 'runecast:',
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      maxRetriesPerRequest: 1,
      // Queued commands waited for the reconnect (seconds); failing at once serves a miss now.
      enableOfflineQueue: false,
      // Also bounds what other users of the client (the shared rate limiter) wait for.
      commandTimeout: this.operationTimeoutMs,
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

  /** Runs one command through the breaker, failing it after `operationTimeoutMs` whatever Redis does. */
  private guarded<T>(name: string, command: () => Promise<T>): Promise<T> {
    return this.breaker.run(async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new CacheUnavailableError(
                `redis ${name} took longer than ${this.operationTimeoutMs} ms`,
                DEFAULT_CACHE_BREAKER_COOL_DOWN_MS,
                false,
              ),
            ),
          this.operationTimeoutMs,
        );
      });
      try {
        return await Promise.race([command(), timeout]);
      } catch (error) {
        if (error instanceof CacheUnavailableError) throw error;
        throw new CacheUnavailableError(`redis ${name} failed: ${(error as Error).message}`, 5_000, false, {
          cause: error,
        });
      } finally {
        clearTimeout(timer);
      }
    });
  }

  async get(key: string): Promise<string | null> {
    return this.guarded('get', () => this.client.get(key));
  }

  async set(key: string, value: string, options: CacheSetOptions = {}): Promise<void> {
    const ttlMs = options.ttlMs ?? this.options.defaultTtlMs;
    await this.guarded('set', () =>
      ttlMs === undefined
        ? this.client.set(key, value)
        : this.client.set(key, value, 'PX', Math.max(1, Math.round(ttlMs))),
    );
  }

  async setIfAbsent(key: string, value: string, options: CacheSetOptions = {}): Promise<boolean> {
    const ttlMs = options.ttlMs ?? this.options.defaultTtlMs;
    const result = await this.guarded('set', () =>
      ttlMs === undefined
        ? this.client.set(key, value, 'NX')
        : this.client.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)), 'NX'),
    );
    return result === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    return (await this.guarded('del', () => this.client.del(key))) > 0;
  }

  async status(): Promise<CacheStatus> {
    if (this.closed || this.client.status === 'end') return { state: 'down', reason: 'closed' };
    if (this.breaker.current() === 'open') {
      return {
        state: 'degraded',
        reason: `redis is skipped for ${Math.ceil(this.breaker.remainingCoolDownMs() / 1000)} s after failures in a row; reads are served as misses`,
      };
    }
    if (this.client.status !== 'ready') {
      // Answers are still served without the cache (slower): degraded, not down.
      return {
        state: 'degraded',
        reason: `redis ${this.client.status}${this.lastError ? `: ${this.lastError.message}` : ''}`,
      };
    }
    try {
      await this.client.ping();
      return { state: 'ok', reason: null };
    } catch (error) {
      return { state: 'degraded', reason: `redis ping failed: ${(error as Error).message}` };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.client.status === 'end') return;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
