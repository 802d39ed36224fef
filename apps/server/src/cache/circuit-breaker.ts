import { CacheUnavailableError } from './cache-errors.ts';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Failures in a row that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit skips the cache before one call may probe it again. */
  coolDownMs: number;
  /** Told when the state changes (for one log line and a gauge per change, never per call). */
  onStateChange?: (change: {
    from: CircuitState;
    to: CircuitState;
    failures: number;
    lastError: unknown;
  }) => void;
  now?: () => number;
}

/**
 * Counts failures in a row; after `failureThreshold` of them every call fails at once, without
 * touching the cache, for `coolDownMs`; then one call is let through (half-open): its success
 * closes the circuit, its failure opens it for another cool-down.
 *
 * Written here rather than taken from opossum: opossum 10 needs Node 22, and opossum 9 opens on
 * an error percentage over a rolling window kept by its own interval timers, where the cache
 * wants "N failures in a row" with a clock a test can drive; this is the whole of it.
 */
export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private failures = 0;
  private openedAtMs = 0;
  private probing = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    if (!Number.isSafeInteger(options.failureThreshold) || options.failureThreshold < 1)
      throw new RangeError(
        `failureThreshold must be a whole number of at least 1, got ${options.failureThreshold}`,
      );
    if (!Number.isFinite(options.coolDownMs) || options.coolDownMs < 0)
      throw new RangeError(`coolDownMs must be a number of at least 0, got ${options.coolDownMs}`);
    this.now = options.now ?? Date.now;
  }

  /** `closed`, `open` or `half-open` as of now. */
  current(): CircuitState {
    if (this.state === 'open' && this.now() - this.openedAtMs >= this.options.coolDownMs) return 'half-open';
    return this.state;
  }

  /** Milliseconds until an open circuit lets a probe through (0 when it is not open). */
  remainingCoolDownMs(): number {
    return this.state === 'open' ? Math.max(0, this.openedAtMs + this.options.coolDownMs - this.now()) : 0;
  }

  async run<T>(operation: () => Promise<T>): Promise<T> {
    const state = this.current();
    if (state === 'open' || (state === 'half-open' && this.probing)) {
      throw new CacheUnavailableError(
        `the cache is skipped for ${Math.ceil(this.remainingCoolDownMs() / 1000)} s after ${this.failures} failures in a row`,
        Math.max(1_000, this.remainingCoolDownMs()),
        true,
      );
    }
    const probe = state === 'half-open';
    if (probe) {
      this.probing = true;
      this.transition('half-open', null);
    }
    try {
      const result = await operation();
      this.failures = 0;
      if (this.state !== 'closed') this.transition('closed', null);
      return result;
    } catch (error) {
      this.failures += 1;
      if (probe || this.failures >= this.options.failureThreshold) {
        this.openedAtMs = this.now();
        if (this.state !== 'open') this.transition('open', error);
      }
      throw error;
    } finally {
      if (probe) this.probing = false;
    }
  }

  private transition(to: CircuitState, lastError: unknown): void {
    const from = this.state;
    this.state = to;
    if (from === to) return;
    try {
      this.options.onStateChange?.({ from, to, failures: this.failures, lastError });
    } catch {
      // A listener's bug must not change what the cache answers.
    }
  }
}
