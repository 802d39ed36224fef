import { ccxtErrors } from './ccxt-library.ts';
import {
  BadSymbolError,
  RateLimitedError,
  RunecastError,
  SourceError,
  TransientSourceError,
  UnsupportedError,
} from '@runecast/market';

const {
  BadResponse,
  BadSymbol,
  BaseError,
  ChecksumError,
  DDoSProtection,
  ExchangeClosedByUser,
  NetworkError,
  NotSupported,
  RateLimitExceeded,
} = ccxtErrors;

/** Where an error happened, so the typed error can name it. */
export interface CcxtErrorContext {
  exchange: string;
  operation: string;
  symbol?: string;
  /** From the failed response's Retry-After header, when it had one. */
  retryAfterMs?: number | null;
}

/** The exchange answered, but with something that cannot be read (truncated JSON, HTML, garbage). */
export class MalformedResponseError extends TransientSourceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { ...details, fault: 'malformed_response' });
  }
}

/** The caller aborted the operation (AbortSignal); not a fault of the exchange. */
export class SourceAbortedError extends SourceError {
  constructor(message: string) {
    super('aborted', message);
  }
}

/**
 * Parses a Retry-After header value: delta seconds (`"30"`) or an HTTP date. Returns milliseconds
 * from `nowMs`, never negative, or null when absent or unreadable.
 */
export function parseRetryAfterMs(value: unknown, nowMs: number = Date.now()): number | null {
  if (Array.isArray(value)) return parseRetryAfterMs(value[0], nowMs);
  if (typeof value === 'number')
    return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (text === '') return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const dateMs = Date.parse(text);
  if (Number.isNaN(dateMs)) return null;
  return Math.max(0, dateMs - nowMs);
}

function describe(context: CcxtErrorContext): string {
  const target = context.symbol === undefined ? '' : ` ${context.symbol}`;
  return `${context.exchange} ${context.operation}${target}`;
}

function firstLine(error: Error): string {
  const line = error.message.split('\n')[0] ?? '';
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}

/**
 * Turns a ccxt (or network) error into Runecast's typed source errors so callers decide by type:
 * rate limited → wait (Retry-After when known), transient → retry with backoff, unsupported and
 * bad symbol → give up. Errors that already are Runecast errors pass through unchanged.
 */
export function mapCcxtError(error: unknown, context: CcxtErrorContext): Error {
  if (error instanceof RunecastError) return error;
  const details: Record<string, unknown> = { exchange: context.exchange, operation: context.operation };
  if (context.symbol !== undefined) details.symbol = context.symbol;
  if (!(error instanceof Error)) {
    return new SourceError('source_failed', `${describe(context)} failed: ${String(error)}`, details);
  }
  details.cause = error.name;
  const where = describe(context);
  // RateLimitExceeded and DDoSProtection are NetworkErrors too, so they must be checked first.
  if (error instanceof RateLimitExceeded || error instanceof DDoSProtection) {
    const retryAfterMs = context.retryAfterMs ?? null;
    const wait = retryAfterMs === null ? '' : ` (retry after ${retryAfterMs} ms)`;
    return new RateLimitedError(
      `${where} was rate limited${wait}: ${firstLine(error)}`,
      retryAfterMs,
      details,
    );
  }
  if (error instanceof BadSymbol) {
    return new BadSymbolError(`${where}: unknown or unsupported symbol: ${firstLine(error)}`, details);
  }
  if (error instanceof NotSupported) {
    return new UnsupportedError(`${where} is not supported: ${firstLine(error)}`, details);
  }
  if (error instanceof ExchangeClosedByUser) {
    return new SourceAbortedError(`${where} stopped: the connection was closed on purpose`);
  }
  if (error instanceof BadResponse || error instanceof ChecksumError) {
    return new MalformedResponseError(`${where} got a malformed answer: ${firstLine(error)}`, details);
  }
  if (error instanceof NetworkError) {
    return new TransientSourceError(`${where} failed for now: ${firstLine(error)}`, details);
  }
  if (error.name === 'AbortError') {
    return new SourceAbortedError(`${where} aborted`);
  }
  if (error instanceof BaseError) {
    return new SourceError('exchange_error', `${where} failed: ${firstLine(error)}`, details);
  }
  return error;
}

/** True for errors worth retrying later: rate limits and transient failures. */
export function isRetryableSourceError(error: unknown): error is RateLimitedError | TransientSourceError {
  return error instanceof RateLimitedError || error instanceof TransientSourceError;
}
