import { RateLimitedError, SourceAuthError, TransientSourceError } from '@runecast/market';

export interface ProviderHttpOptions {
  /** The provider's name, for messages (`ordiscan`). */
  provider: string;
  /** Base URL without a trailing slash: the real service, or the emulator's path for it. */
  baseUrl: string;
  /** Headers of every request (auth); read per request so a key stored later is used at once. */
  headers: () => Promise<Record<string, string>>;
  /** Least time between two requests, from the provider's published rate limit. */
  minIntervalMs: number;
  /** A request that takes longer fails as transient. */
  timeoutMs?: number;
  now?: () => number;
}

/** An answer with a status the provider uses for a meaning of its own (404, 400), for the client to read. */
export interface ProviderResponse {
  status: number;
  body: unknown;
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1_000);
  const dateMs = Date.parse(header);
  return Number.isNaN(dateMs) ? null : Math.max(0, dateMs - nowMs);
}

/**
 * JSON over HTTP to one provider, one request at a time and never closer together than its rate
 * limit allows. Failures come back as the source errors ingestion knows: 429 as
 * RateLimitedError with the provider's Retry-After, 5xx, timeouts, network errors and unreadable
 * JSON as TransientSourceError, 401/403 as SourceAuthError. Any other status is returned for
 * the client to read, because providers give 400 and 404 meanings of their own.
 */
export class ProviderHttp {
  private queue: Promise<unknown> = Promise.resolve();
  private lastStartMs = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(private readonly options: ProviderHttpOptions) {
    this.now = options.now ?? Date.now;
  }

  get(path: string, query: Record<string, string | number | undefined> = {}, signal?: AbortSignal) {
    const url = new URL(`${this.options.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return this.request(url, { method: 'GET' }, signal);
  }

  post(path: string, body: unknown, signal?: AbortSignal) {
    return this.request(
      new URL(`${this.options.baseUrl}${path}`),
      { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
      signal,
    );
  }

  private request(url: URL, init: RequestInit, signal?: AbortSignal): Promise<ProviderResponse> {
    // One request at a time, spaced by the rate limit: the queue keeps its order.
    const run = this.queue.then(async () => {
      const waitMs = this.lastStartMs + this.options.minIntervalMs - this.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      signal?.throwIfAborted();
      this.lastStartMs = this.now();
      return this.send(url, init, signal);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async send(url: URL, init: RequestInit, signal?: AbortSignal): Promise<ProviderResponse> {
    const { provider } = this.options;
    const where = `${provider} ${init.method} ${url.pathname}`;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    const headers = await this.options.headers();
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        headers: { accept: 'application/json', ...headers, ...init.headers },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      const reason = timeout.aborted ? 'timed out' : (error as Error).message;
      // `details.fault` is the kind the fault metrics count (runecast_ingest_faults_total).
      throw new TransientSourceError(`${where}: ${reason}`, {
        fault: timeout.aborted ? 'timeout' : 'network',
      });
    }
    const text = await response.text().catch(() => '');
    if (response.status === 429) {
      throw new RateLimitedError(
        `${where}: rate limited (429)`,
        retryAfterMs(response.headers.get('retry-after'), this.now()),
      );
    }
    if (response.status >= 500) {
      throw new TransientSourceError(`${where}: ${response.status} ${text.slice(0, 200)}`, {
        fault: 'server_error',
        status: response.status,
      });
    }
    if (response.status === 401 || response.status === 403) {
      throw new SourceAuthError(`${where}: ${response.status}: the API key is missing or refused`);
    }
    let body: unknown;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      throw new TransientSourceError(`${where}: the answer is not JSON (${text.slice(0, 80)})`, {
        fault: 'malformed_response',
      });
    }
    return { status: response.status, body };
  }
}

/**
 * Headers carrying the key in `header` (with `prefix`). While no key is stored nothing is sent:
 * the call fails at once with SourceAuthError naming the secret to store.
 */
export function keyHeaders(
  provider: string,
  apiKey: () => Promise<string | null>,
  header: string,
  prefix = '',
): () => Promise<Record<string, string>> {
  return async () => {
    const key = await apiKey();
    if (!key) {
      throw new SourceAuthError(
        `no API key stored for ${provider}: an admin stores it with PUT /api/v1/admin/secrets/${provider}.api-key`,
      );
    }
    return { [header]: `${prefix}${key}` };
  };
}
