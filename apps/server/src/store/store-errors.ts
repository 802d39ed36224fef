import { RunecastError } from '@runecast/market';

/** How long a caller is told to wait before trying again while the store is unreachable. */
export const STORE_RETRY_AFTER_MS = 5_000;

/**
 * The database cannot be reached right now (refused or dropped connection, a server shutting
 * down or starting up): nothing is wrong with the request, so it may be retried later. The API
 * answers 503 with `Retry-After`.
 */
export class StoreUnavailableError extends RunecastError {
  readonly retryAfterMs: number;

  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super('store_unavailable', message);
    this.retryAfterMs = options.retryAfterMs ?? STORE_RETRY_AFTER_MS;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * The store takes no writes for now (the disk under it is nearly full); reads still work. The
 * API answers 503 with `Retry-After`.
 */
export class StoreReadOnlyError extends RunecastError {
  readonly retryAfterMs: number;

  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super('store_read_only', message);
    this.retryAfterMs = options.retryAfterMs ?? 60_000;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/** Socket errors of a connection that could not be made or was cut. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is going away or not there yet: 57P01 admin_shutdown, 57P02
 * crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down, in recovery), 53300
 * too_many_connections; class 08 is every connection exception.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** What node-postgres says when a connection died under it or could not be had in time. */
const CONNECTION_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error and is not queryable/i,
  /server closed the connection unexpectedly/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

/** True when `error` says the database is unreachable rather than that the query was wrong. */
export function isStoreConnectionError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && CONNECTION_MESSAGES.some((pattern) => pattern.test(message)))
    return true;
  // A pool's connect error may hide the socket error one level down (AggregateError of several addresses).
  const nested = (error as { errors?: unknown }).errors;
  return Array.isArray(nested) && nested.some((item) => isStoreConnectionError(item));
}

/** `error` as a StoreUnavailableError when it is a connection error, otherwise unchanged. */
export function classifyStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isStoreConnectionError(error)) return error;
  const reason = (error as Error).message || String((error as { code?: unknown }).code ?? 'unknown');
  return new StoreUnavailableError(`the database cannot be reached: ${reason}`, { cause: error });
}
