import { createHash } from 'node:crypto';

/** The emulated limits: requests per window of one route and top-level resource, and per token overall. */
export interface DiscordRateLimitSettings {
  routeLimit: number;
  routeWindowMs: number;
  globalLimit: number;
  globalWindowMs: number;
}

/** What the limiter says of one request. */
export type RateDecision =
  | {
      allowed: true;
      /** The `X-RateLimit-*` headers of the route's bucket after this request. */
      headers: Record<string, string>;
    }
  | {
      allowed: false;
      scope: 'user' | 'global';
      retryAfterSeconds: number;
      headers: Record<string, string>;
    };

interface Window {
  startMs: number;
  used: number;
}

/** One answered or refused request, kept so tests can check what a client did. */
export interface DiscordRequestRecord {
  atMs: number;
  route: string;
  resource: string;
  /** The query string as sent (`limit=100&after=…`). */
  query: string;
  status: number;
  /** What a 429 told the client to wait, in seconds. */
  retryAfterSeconds?: number;
  scope: 'user' | 'global' | 'shared' | null;
}

const MAX_RECORDS = 50_000;
const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/**
 * Fixed windows per route and top-level resource (a channel), as Discord documents its buckets,
 * plus a global window per token. The bucket id is shared by every channel of a route while the
 * counting is per channel, as on Discord.
 */
export class DiscordRateLimiter {
  private readonly routeWindows = new Map<string, Window>();
  private readonly globalWindows = new Map<string, Window>();
  private readonly records: DiscordRequestRecord[] = [];

  constructor(
    private settings: DiscordRateLimitSettings,
    private readonly now: () => number = Date.now,
  ) {}

  configure(settings: Partial<DiscordRateLimitSettings>): DiscordRateLimitSettings {
    this.settings = { ...this.settings, ...settings };
    this.routeWindows.clear();
    this.globalWindows.clear();
    return this.settings;
  }

  get current(): DiscordRateLimitSettings {
    return { ...this.settings };
  }

  static bucketOf(route: string): string {
    return createHash('sha256').update(route).digest('hex').slice(0, 16);
  }

  private windowOf(map: Map<string, Window>, key: string, lengthMs: number, nowMs: number): Window {
    const existing = map.get(key);
    if (existing && nowMs - existing.startMs < lengthMs) return existing;
    const fresh = { startMs: nowMs, used: 0 };
    map.set(key, fresh);
    return fresh;
  }

  decide(token: string, route: string, resource: string): RateDecision {
    const nowMs = this.now();
    const { routeLimit, routeWindowMs, globalLimit, globalWindowMs } = this.settings;
    const global = this.windowOf(this.globalWindows, token, globalWindowMs, nowMs);
    if (global.used >= globalLimit) {
      const retryAfterSeconds = round3((global.startMs + globalWindowMs - nowMs) / 1000);
      return {
        allowed: false,
        scope: 'global',
        retryAfterSeconds,
        headers: {
          'x-ratelimit-global': 'true',
          'x-ratelimit-scope': 'global',
          'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
        },
      };
    }
    const window = this.windowOf(this.routeWindows, `${token}|${route}|${resource}`, routeWindowMs, nowMs);
    const resetAtMs = window.startMs + routeWindowMs;
    const bucketHeaders = (remaining: number) => ({
      'x-ratelimit-limit': String(routeLimit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': (resetAtMs / 1000).toFixed(3),
      'x-ratelimit-reset-after': ((resetAtMs - nowMs) / 1000).toFixed(3),
      'x-ratelimit-bucket': DiscordRateLimiter.bucketOf(route),
    });
    if (window.used >= routeLimit) {
      const retryAfterSeconds = round3((resetAtMs - nowMs) / 1000);
      return {
        allowed: false,
        scope: 'user',
        retryAfterSeconds,
        headers: {
          ...bucketHeaders(0),
          'x-ratelimit-scope': 'user',
          'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
        },
      };
    }
    global.used += 1;
    window.used += 1;
    return { allowed: true, headers: bucketHeaders(routeLimit - window.used) };
  }

  record(entry: Omit<DiscordRequestRecord, 'atMs'>): void {
    this.records.push({ atMs: this.now(), ...entry });
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
  }

  /** The requests seen so far, oldest first. */
  requests(): DiscordRequestRecord[] {
    return this.records.map((record) => ({ ...record }));
  }

  clearRequests(): void {
    this.records.length = 0;
  }
}
