/** How failed log-ins slow down the address that makes them. */
export interface LoginThrottlePolicy {
  /** Failures older than this (since the last one of the same key) are forgotten. */
  windowMs: number;
  /** Failures for one account from one address before delays start. */
  freeFailuresPerAccount: number;
  /** Failures from one address, whatever the accounts, before delays start. */
  freeFailuresPerAddress: number;
  /** First delay; each further failure doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failed or refused log-ins from one address within the window that count as a burst. */
  burstFailuresPerAddress: number;
  /** Failed or refused log-ins for one email, from all addresses, within the window that count as a burst. */
  burstFailuresPerAccount: number;
}

export const DEFAULT_LOGIN_THROTTLE_POLICY: LoginThrottlePolicy = {
  windowMs: 15 * 60_000,
  freeFailuresPerAccount: 3,
  freeFailuresPerAddress: 10,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  burstFailuresPerAddress: 20,
  burstFailuresPerAccount: 20,
};

/** A burst of failed log-ins, reported once per key and window. */
export interface LoginBurst {
  scope: 'address' | 'account';
  /** The address, or the email tried (which may not be an account). */
  key: string;
  failures: number;
}

interface Counter {
  failures: number;
  lastFailureMs: number;
  blockedUntilMs: number;
  burstReported: boolean;
}

/** Entries kept before expired ones are swept out. */
const SWEEP_THRESHOLD = 10_000;

/**
 * Growing delays after failed log-ins, keyed by address and by (address, account). It never
 * locks an account: the right password from an address that has not been failing always gets
 * in. Emails are counted the same whether an account exists or not, so the answers reveal
 * nothing. Counts live in this process; each API replica slows down what it sees.
 */
export class LoginThrottle {
  private readonly policy: LoginThrottlePolicy;
  private readonly counters = new Map<string, Counter>();

  constructor(policy: Partial<LoginThrottlePolicy> = {}) {
    this.policy = { ...DEFAULT_LOGIN_THROTTLE_POLICY, ...policy };
  }

  /** Milliseconds this address must wait before trying this email again; 0 when it may try now. */
  retryAfterMs(address: string, email: string, nowMs: number): number {
    const waits = [this.addressKey(address), this.pairKey(address, email)].map((key) => {
      const counter = this.current(key, nowMs);
      return counter === null ? 0 : Math.max(0, counter.blockedUntilMs - nowMs);
    });
    return Math.max(...waits);
  }

  /** Counts a failure and returns the bursts it completes (each reported once per window). */
  recordFailure(address: string, email: string, nowMs: number): LoginBurst[] {
    if (this.counters.size > SWEEP_THRESHOLD) this.sweep(nowMs);
    this.count(this.addressKey(address), nowMs, this.policy.freeFailuresPerAddress);
    this.count(this.pairKey(address, email), nowMs, this.policy.freeFailuresPerAccount);
    return this.recordAttempt(address, email, nowMs);
  }

  /**
   * Counts an attempt refused while throttled: it changes no delay, but it is part of a burst
   * (an attacker who ignores the delays is still attacking).
   */
  recordRefused(address: string, email: string, nowMs: number): LoginBurst[] {
    return this.recordAttempt(address, email, nowMs);
  }

  private recordAttempt(address: string, email: string, nowMs: number): LoginBurst[] {
    const bursts: LoginBurst[] = [];
    const byAddress = this.count(`burst-address\u0000${address}`, nowMs, Number.POSITIVE_INFINITY);
    const byAccount = this.count(this.accountKey(email), nowMs, Number.POSITIVE_INFINITY);
    if (!byAddress.burstReported && byAddress.failures >= this.policy.burstFailuresPerAddress) {
      byAddress.burstReported = true;
      bursts.push({ scope: 'address', key: address, failures: byAddress.failures });
    }
    if (!byAccount.burstReported && byAccount.failures >= this.policy.burstFailuresPerAccount) {
      byAccount.burstReported = true;
      bursts.push({ scope: 'account', key: normalizeEmail(email), failures: byAccount.failures });
    }
    return bursts;
  }

  /** The right password from this address: its count for this account starts again. */
  recordSuccess(address: string, email: string): void {
    this.counters.delete(this.pairKey(address, email));
  }

  private count(key: string, nowMs: number, freeFailures: number): Counter {
    const counter = this.current(key, nowMs) ?? {
      failures: 0,
      lastFailureMs: nowMs,
      blockedUntilMs: 0,
      burstReported: false,
    };
    counter.failures += 1;
    counter.lastFailureMs = nowMs;
    const beyondFree = counter.failures - freeFailures;
    if (beyondFree > 0) {
      const delayMs = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (beyondFree - 1));
      counter.blockedUntilMs = nowMs + delayMs;
    }
    this.counters.set(key, counter);
    return counter;
  }

  private current(key: string, nowMs: number): Counter | null {
    const counter = this.counters.get(key);
    if (counter === undefined) return null;
    if (this.expired(counter, nowMs)) {
      this.counters.delete(key);
      return null;
    }
    return counter;
  }

  private expired(counter: Counter, nowMs: number): boolean {
    return nowMs - counter.lastFailureMs > this.policy.windowMs && counter.blockedUntilMs <= nowMs;
  }

  private sweep(nowMs: number): void {
    for (const [key, counter] of this.counters) if (this.expired(counter, nowMs)) this.counters.delete(key);
  }

  private addressKey(address: string): string {
    return `address\u0000${address}`;
  }

  private pairKey(address: string, email: string): string {
    return `pair\u0000${address}\u0000${normalizeEmail(email)}`;
  }

  private accountKey(email: string): string {
    return `account\u0000${normalizeEmail(email)}`;
  }
}

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
