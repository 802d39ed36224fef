import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BadSymbolError, RateLimitedError, TransientSourceError } from '@runecast/market';
import { backoffDelayMs, retryDelayMs, sleep, withRetries, type BackoffPolicy } from './backoff.ts';

const policy: BackoffPolicy = { initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitterRatio: 0.5 };

describe('backoff', () => {
  test('grows exponentially up to the cap, with jitter inside its share', () => {
    const top = () => 0.999_999;
    const bottom = () => 0;
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(policy, attempt, top)),
      [100, 200, 400, 800, 1_000, 1_000],
    );
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(policy, attempt, bottom)),
      [50, 100, 200, 400, 500],
      'half of each delay is fixed, so no retry comes at once',
    );
    for (let attempt = 1; attempt < 20; attempt += 1) {
      const delayMs = backoffDelayMs(policy, attempt);
      assert.ok(delayMs >= 50 && delayMs <= 1_000, `attempt ${attempt}: ${delayMs}`);
    }
    assert.equal(backoffDelayMs({ ...policy, jitterRatio: 0 }, 3, top), 400);
  });

  test('Retry-After wins when it is longer than the backoff', () => {
    const limited = new RateLimitedError('slow down', 5_000);
    assert.equal(
      retryDelayMs(limited, policy, 1, () => 0),
      5_000,
    );
    const short = new RateLimitedError('slow down', 10);
    assert.equal(
      retryDelayMs(short, policy, 1, () => 0),
      50,
    );
    assert.equal(
      retryDelayMs(new TransientSourceError('503'), policy, 2, () => 0),
      100,
    );
  });

  test('retries transient failures, not final ones, and reports each wait', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls += 1;
        if (calls < 3) throw new TransientSourceError('flaky');
        return 'ok';
      },
      {
        maxAttempts: 5,
        policy: { ...policy, initialDelayMs: 1, maxDelayMs: 2 },
        onRetry: (_error, _attempt, delayMs) => waits.push(delayMs),
      },
    );
    assert.equal(result, 'ok');
    assert.equal(calls, 3);
    assert.equal(waits.length, 2);

    let finalCalls = 0;
    await assert.rejects(
      withRetries(
        async () => {
          finalCalls += 1;
          throw new BadSymbolError('no such market');
        },
        { maxAttempts: 5 },
      ),
      BadSymbolError,
    );
    assert.equal(finalCalls, 1);

    await assert.rejects(
      withRetries(
        async () => {
          throw new TransientSourceError('down');
        },
        { maxAttempts: 2, policy: { ...policy, initialDelayMs: 1, maxDelayMs: 1 } },
      ),
      /down/,
    );
  });

  test('a wait ends at once when aborted', async () => {
    const controller = new AbortController();
    const startedMs = Date.now();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(sleep(10_000, controller.signal), { name: 'AbortError' });
    assert.ok(Date.now() - startedMs < 1_000);
  });
});
