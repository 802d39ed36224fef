import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedError, RunecastError } from '@runecast/market';
import { LoginThrottledError } from '../auth/auth-errors.ts';

/** The one error shape of the API. */
export interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> | null };
}

/** An error a route or hook raises with its HTTP status already decided. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function errorBody(
  code: string,
  message: string,
  details: Record<string, unknown> | null = null,
): ErrorBody {
  return { error: { code, message, details } };
}

/** HTTP status of each RunecastError code. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  validation_failed: 400,
  unauthorized: 401,
  account_disabled: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  bad_symbol: 422,
  unsupported: 422,
  login_throttled: 429,
  // The exchange, not the caller, is rate limited or unreachable: try again later.
  rate_limited: 503,
  transient: 503,
  // A part of Runecast is away for a while (the database, the shared cache) or takes no
  // writes (disk nearly full): the request was fine, try it again after Retry-After.
  store_unavailable: 503,
  store_read_only: 503,
  cache_unavailable: 503,
};

/** Seconds a 503 without a better estimate tells the caller to wait. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'unavailable',
};

interface ValidationIssueLike {
  instancePath?: string;
  message?: string;
}

/** `body`, `query`, `params` or `headers`: where Fastify found the bad input. */
function partName(context: string | undefined): string {
  if (context === 'querystring') return 'query';
  return context ?? 'request';
}

function fieldOf(context: string | undefined, instancePath: string | undefined): string {
  const path = (instancePath ?? '')
    .split('/')
    .filter((segment) => segment.length > 0)
    .join('.');
  return path.length > 0 ? `${partName(context)}.${path}` : partName(context);
}

export interface DescribedError {
  statusCode: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** True for a fault of the server (5xx), which is logged and counted. */
  serverFault: boolean;
}

/**
 * The RunecastError that explains `error`: itself, or the first one down its `cause` chain
 * (a service may wrap a store outage in its own message).
 */
function runecastErrorIn(error: unknown): RunecastError | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    if (current instanceof RunecastError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** Decides status, code, message and details for anything a request can throw. */
export function describeError(thrown: unknown): DescribedError {
  const error = thrown instanceof HttpError ? thrown : (runecastErrorIn(thrown) ?? thrown);
  if (error instanceof HttpError) {
    return {
      statusCode: error.statusCode,
      body: errorBody(error.code, error.message, error.details),
      headers: error.headers,
      serverFault: error.statusCode >= 500,
    };
  }
  const fastifyError = error as FastifyError & {
    validationContext?: string;
    validation?: ValidationIssueLike[];
  };
  if (Array.isArray(fastifyError?.validation) && fastifyError.validation.length > 0) {
    const issues = fastifyError.validation.map((issue) => ({
      field: fieldOf(fastifyError.validationContext, issue.instancePath),
      message: issue.message ?? 'is not valid',
    }));
    const first = issues[0]!;
    return {
      statusCode: 400,
      body: errorBody('validation_failed', `${first.field}: ${first.message}`, { issues }),
      headers: {},
      serverFault: false,
    };
  }
  if (error instanceof RunecastError) {
    const statusCode = STATUS_BY_CODE[error.code] ?? 500;
    const headers: Record<string, string> = {};
    if (error instanceof LoginThrottledError)
      headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
    if (error instanceof RateLimitedError && error.retryAfterMs !== null) {
      headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
    }
    const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
    if (headers['retry-after'] === undefined && typeof retryAfterMs === 'number' && retryAfterMs > 0)
      headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
    if (statusCode === 503) headers['retry-after'] ??= String(DEFAULT_RETRY_AFTER_SECONDS);
    if (statusCode >= 500 && STATUS_BY_CODE[error.code] === undefined) {
      return { statusCode: 500, body: errorBody('internal', 'internal error'), headers, serverFault: true };
    }
    return {
      statusCode,
      body: errorBody(
        statusCode === 503 ? 'unavailable' : error.code,
        error.message,
        error.details && Object.keys(error.details).length > 0 ? error.details : null,
      ),
      headers,
      serverFault: statusCode >= 500,
    };
  }
  const statusCode = typeof fastifyError?.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (statusCode >= 400 && statusCode < 500) {
    return {
      statusCode,
      body: errorBody(CODE_BY_STATUS[statusCode] ?? 'bad_request', fastifyError.message || 'bad request'),
      headers: {},
      serverFault: false,
    };
  }
  return { statusCode: 500, body: errorBody('internal', 'internal error'), headers: {}, serverFault: true };
}

/** Sends `error` in the API's error shape. */
export function sendError(reply: FastifyReply, described: DescribedError): FastifyReply {
  for (const [name, value] of Object.entries(described.headers)) reply.header(name, value);
  return reply.code(described.statusCode).send(described.body);
}

/** The route label used in logs and metrics: the route pattern, never the raw URL. */
export function routeLabel(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}
