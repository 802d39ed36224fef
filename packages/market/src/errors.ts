/** Base class of every error Runecast raises on purpose; `code` is stable for APIs and logs. */
export class RunecastError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that failed validation at a boundary (file, message, flag, body). */
export class ValidationError extends RunecastError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('validation_failed', message, details);
  }
}

/** A candle that must never be stored: NaN, negative volume, high < low, off-grid time… */
export class InvalidCandleError extends ValidationError {}

export class NotFoundError extends RunecastError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('not_found', message, details);
  }
}

/** Source errors: ccxt and network failures are mapped onto these by the source adapters. */
export class SourceError extends RunecastError {}
export class RateLimitedError extends SourceError {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
    details?: Record<string, unknown>,
  ) {
    super('rate_limited', message, details);
  }
}
export class TransientSourceError extends SourceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('transient', message, details);
  }
}
export class UnsupportedError extends SourceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('unsupported', message, details);
  }
}
export class BadSymbolError extends SourceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('bad_symbol', message, details);
  }
}

/** A provider refused the credentials (401, 403): retrying will not help until a key is stored. */
export class SourceAuthError extends SourceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('source_unauthorized', message, details);
  }
}
