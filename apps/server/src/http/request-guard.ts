import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountDisabledError, AuthenticationError } from '../auth/auth-errors.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { StreamTicketService } from '../auth/stream-ticket.service.ts';
import type { ApiApp } from './api-context.ts';
import { HttpError } from './http-errors.ts';
import type { RunecastMetrics } from '../observability/metrics.ts';
import { API_PREFIX, type RouteAccess } from './route-access.ts';

export interface RateLimits {
  /** Requests per window one IP address may make. */
  perIp: number;
  /** Requests per window one user may make, over all their tokens and keys. */
  perUser: number;
  /** Log-in, sign-up and refresh attempts per window from one IP address. */
  credentialAttemptsPerIp: number;
  windowMs: number;
}

/** `isAllowed` means "on the allow list"; `isExceeded` is what refuses a request. */
type Limiter = (
  request: FastifyRequest,
) => Promise<
  | { isAllowed: true; key: string }
  | { isAllowed: false; key: string; max: number; ttl: number; ttlInSeconds: number; isExceeded: boolean }
>;

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BEARER_PATTERN = /^Bearer\s+(\S+)\s*$/i;

/** Access a route needs: what it declared, else public outside the API and logged-in inside it. */
export function routeAccess(request: FastifyRequest): RouteAccess {
  const declared = request.routeOptions.config?.access;
  if (declared !== undefined) return declared;
  return (request.routeOptions.url ?? request.url).startsWith('/api/') ? 'user' : 'public';
}

type Credential = { kind: 'bearer'; value: string } | { kind: 'ticket'; value: string };

function credentialOf(request: FastifyRequest): Credential | null {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.length > 0) {
    const match = BEARER_PATTERN.exec(authorization);
    if (!match) throw new AuthenticationError('Authorization header must be "Bearer <token or API key>"');
    return { kind: 'bearer', value: match[1]! };
  }
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return { kind: 'bearer', value: apiKey.trim() };
  if (request.routeOptions.config?.allowStreamTicket) {
    const ticket = (request.query as Record<string, unknown> | undefined)?.ticket;
    if (typeof ticket === 'string' && ticket.length > 0) return { kind: 'ticket', value: ticket };
  }
  return null;
}

/**
 * One onRequest hook for every route: the per-IP rate limit, then authentication and the
 * role check, then the per-user limit. It runs before the body is read, so an anonymous
 * caller cannot make the server parse anything.
 */
export function installRequestGuard(
  app: ApiApp,
  options: {
    authenticator: Authenticator;
    streamTickets: StreamTicketService;
    limits: RateLimits;
    metrics: RunecastMetrics;
  },
): void {
  const { limits, metrics } = options;
  const create = (max: number, prefix: string, key: (request: FastifyRequest) => string): Limiter =>
    app.createRateLimit({
      max,
      timeWindow: limits.windowMs,
      keyGenerator: (request) => `${prefix}:${key(request)}`,
    }) as Limiter;
  const ipLimiter = create(limits.perIp, 'ip', (request) => request.ip);
  const credentialLimiter = create(limits.credentialAttemptsPerIp, 'credentials', (request) => request.ip);
  const userLimiter = create(limits.perUser, 'user', (request) => request.principal?.userId ?? request.ip);

  const enforce = async (limiter: Limiter, request: FastifyRequest, reply: FastifyReply, name: string) => {
    const result = await limiter(request);
    if (result.isAllowed || !result.isExceeded) return;
    metrics.http.rateLimited.inc({ limit: name });
    const retryAfterSeconds = Math.max(1, result.ttlInSeconds);
    reply.header('x-ratelimit-limit', String(result.max));
    reply.header('x-ratelimit-remaining', '0');
    throw new HttpError(
      429,
      'rate_limited',
      `too many requests (${name} limit: ${result.max} per ${Math.round(limits.windowMs / 1000)} s); retry in ${retryAfterSeconds} s`,
      { limit: name, retryAfterSeconds },
      { 'retry-after': String(retryAfterSeconds) },
    );
  };

  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config ?? {};
    if (!config.unlimited) await enforce(ipLimiter, request, reply, 'ip');
    if (config.credentialLimit) await enforce(credentialLimiter, request, reply, 'credentials');
    const access = routeAccess(request);
    if (access === 'public') return;
    const credential = credentialOf(request);
    if (credential === null) {
      reply.header('www-authenticate', 'Bearer realm="runecast"');
      throw new HttpError(
        401,
        'unauthorized',
        'this route needs credentials: send "Authorization: Bearer <access token or API key>"',
      );
    }
    try {
      request.principal =
        credential.kind === 'ticket'
          ? await options.streamTickets.redeem(credential.value)
          : await options.authenticator.authenticate(credential.value, { ip: request.ip ?? null });
    } catch (error) {
      if (error instanceof AuthenticationError || error instanceof AccountDisabledError)
        reply.header('www-authenticate', 'Bearer realm="runecast", error="invalid_token"');
      throw error;
    }
    // The caller's role as it is now, so a dashboard notices a promotion or demotion at once.
    reply.header('x-runecast-role', request.principal.role);
    if (access === 'admin' && request.principal.role !== 'admin') {
      throw new HttpError(403, 'forbidden', 'this route is for admins');
    }
    if (request.principal.scope === 'read' && !READ_METHODS.has(request.method) && !config.readOnlyAllowed) {
      throw new HttpError(403, 'forbidden', 'this API key is read-only; it may only read');
    }
    if (!config.unlimited) await enforce(userLimiter, request, reply, 'user');
  });
}

export { API_PREFIX };
