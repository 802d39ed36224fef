import { setTimeout as delay } from 'node:timers/promises';
import { RateLimitedError, TransientSourceError } from '@runecast/market';

/** Exponential backoff with jitter: attempt n waits about initial × multiplier^(n-1), capped. */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  /**
   * Share of each delay that is random, 0 to 1. Random spread keeps many clients that failed
   * together from retrying together; the fixed part keeps a floor under every wait.
   */
  jitterRatio: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitterRatio: 0.5,
};

/** The wait before retry number `attempt` (1 for the first retry). `random` returns [0, 1). */
export function backoffDelayMs(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const ceilingMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** exponent);
  const jitter = Math.min(1, Math.max(0, policy.jitterRatio));
  return Math.round(ceilingMs * (1 - jitter) + ceilingMs * jitter * random());
}

/**
 * The wait before retrying after `error`: the backoff, or the exchange's Retry-After when that is
 * longer (waiting less than an exchange asks turns a rate limit into a ban).
 */
export function retryDelayMs(
  error: unknown,
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const backoffMs = backoffDelayMs(policy, attempt, random);
  if (error instanceof RateLimitedError && error.retryAfterMs !== null)
    return Math.max(backoffMs, error.retryAfterMs);
  return backoffMs;
}

/** Rate limits and transient failures are retried; everything else is final. */
export function isRetryable(error: unknown): boolean {
  return error instanceof RateLimitedError || error instanceof TransientSourceError;
}

/** Waits `ms`, or throws an AbortError as soon as `signal` aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await delay(Math.max(0, ms), undefined, signal === undefined ? undefined : { signal });
}

export interface RetryOptions {
  policy?: BackoffPolicy;
  /** Total tries, the first included. */
  maxAttempts: number;
  signal?: AbortSignal;
  /** Called before each wait, with the error, the retry number and the wait. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
}

/** Runs `operation`, retrying retryable errors with backoff; the last error is thrown as is. */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const policy = options.policy ?? DEFAULT_BACKOFF;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (options.signal?.aborted || !isRetryable(error) || attempt >= options.maxAttempts) throw error;
      const waitMs = retryDelayMs(error, policy, attempt, options.random);
      options.onRetry?.(error, attempt, waitMs);
      await sleep(waitMs, options.signal);
    }
  }
}
