import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LoginThrottle } from './login-throttle.ts';

describe('LoginThrottle', () => {
  test('delays grow after the free failures of one address and account, and the window forgets them', () => {
    const throttle = new LoginThrottle({ freeFailuresPerAccount: 3, baseDelayMs: 1_000, maxDelayMs: 8_000 });
    let nowMs = 1_000_000;
    const waits: number[] = [];
    for (let failure = 1; failure <= 7; failure += 1) {
      assert.equal(throttle.retryAfterMs('10.0.0.1', 'a@example.com', nowMs), 0);
      throttle.recordFailure('10.0.0.1', 'a@example.com', nowMs);
      const waitMs = throttle.retryAfterMs('10.0.0.1', 'a@example.com', nowMs);
      waits.push(waitMs);
      nowMs += waitMs;
    }
    assert.deepEqual(waits, [0, 0, 0, 1_000, 2_000, 4_000, 8_000]);
    // Another address, or another account from this address, is not slowed down.
    assert.equal(throttle.retryAfterMs('10.0.0.2', 'a@example.com', nowMs - 1), 0);
    assert.equal(throttle.retryAfterMs('10.0.0.1', 'b@example.com', nowMs - 1), 0);
    // Case and spaces of the email do not make a new counter.
    assert.ok(throttle.retryAfterMs('10.0.0.1', ' A@Example.com', nowMs - 1) > 0);
    nowMs += 15 * 60_000 + 1;
    throttle.recordFailure('10.0.0.1', 'a@example.com', nowMs);
    assert.equal(throttle.retryAfterMs('10.0.0.1', 'a@example.com', nowMs), 0, 'the window forgot');
  });

  test('an address failing against many accounts is slowed down for all of them', () => {
    const throttle = new LoginThrottle({ freeFailuresPerAddress: 4 });
    const nowMs = 5_000;
    for (let index = 0; index < 5; index += 1)
      throttle.recordFailure('10.0.0.9', `u${index}@example.com`, nowMs);
    assert.equal(throttle.retryAfterMs('10.0.0.9', 'fresh@example.com', nowMs), 1_000);
    assert.equal(throttle.retryAfterMs('10.0.0.8', 'fresh@example.com', nowMs), 0);
  });

  test('a success from an address clears its count for that account only', () => {
    const throttle = new LoginThrottle({ freeFailuresPerAccount: 1 });
    throttle.recordFailure('10.0.0.1', 'a@example.com', 0);
    throttle.recordFailure('10.0.0.1', 'a@example.com', 0);
    assert.ok(throttle.retryAfterMs('10.0.0.1', 'a@example.com', 0) > 0);
    throttle.recordSuccess('10.0.0.1', 'a@example.com');
    assert.equal(throttle.retryAfterMs('10.0.0.1', 'a@example.com', 0), 0);
  });

  test('bursts are reported once per address or email and window, refused attempts included', () => {
    const throttle = new LoginThrottle({ burstFailuresPerAddress: 5, burstFailuresPerAccount: 4 });
    const reported: unknown[] = [];
    for (let index = 0; index < 4; index += 1)
      reported.push(...throttle.recordFailure(`10.0.1.${index}`, 'victim@example.com', 0));
    assert.deepEqual(reported, [{ scope: 'account', key: 'victim@example.com', failures: 4 }]);
    const fromOne: unknown[] = [];
    for (let index = 0; index < 3; index += 1)
      fromOne.push(...throttle.recordFailure('10.0.2.1', `x${index}@example.com`, 0));
    for (let index = 0; index < 3; index += 1)
      fromOne.push(...throttle.recordRefused('10.0.2.1', 'y@example.com', 0));
    assert.deepEqual(fromOne, [{ scope: 'address', key: '10.0.2.1', failures: 5 }]);
    assert.deepEqual(throttle.recordRefused('10.0.2.1', 'z@example.com', 0), [], 'reported once');
  });
});
