import { RunecastError } from '@runecast/market';

/** No credentials, or credentials that are wrong, expired or revoked. HTTP 401. */
export class AuthenticationError extends RunecastError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('unauthorized', message, details);
  }
}

/**
 * The credentials are right but the account is disabled: a code of its own, so clients can say
 * "account disabled" instead of "session expired". HTTP 401.
 */
export class AccountDisabledError extends RunecastError {
  constructor(message = 'this account is disabled; ask an admin to enable it') {
    super('account_disabled', message);
  }
}

/** Known caller, not allowed to do this. HTTP 403. */
export class PermissionError extends RunecastError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('forbidden', message, details);
  }
}

/** The request clashes with what exists (a taken email, the last admin). HTTP 409. */
export class ConflictError extends RunecastError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, details);
  }
}

/** Well-formed input that cannot be carried out (an expiry in the past). HTTP 422. */
export class UnprocessableError extends RunecastError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('unprocessable', message, details);
  }
}

/**
 * Too many failed log-ins from this address (for this email, or for any): wait before trying
 * again. The same answer whether the email has an account or not. HTTP 429.
 */
export class LoginThrottledError extends RunecastError {
  constructor(readonly retryAfterMs: number) {
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super('login_throttled', `too many failed log-ins from this address; retry in ${retryAfterSeconds} s`, {
      retryAfterSeconds,
    });
  }
}
