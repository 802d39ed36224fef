import { RunecastError } from '@runecast/market';

/**
 * The shared cache did not answer in time, or is being skipped after repeated failures (its
 * circuit is open). Readers treat it as a miss; what cannot do without the cache answers 503
 * with `Retry-After`.
 */
export class CacheUnavailableError extends RunecastError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    /** True when the cache was not even asked (the circuit is open). */
    readonly skipped: boolean,
    options: { cause?: unknown } = {},
  ) {
    super('cache_unavailable', message);
    if (options.cause !== undefined) this.cause = options.cause;
  }
}
