import type { Principal } from '../auth/principal.ts';

/**
 * Who may call a route: `public` (no credentials), `user` (any logged-in user or API key) or
 * `admin` (the admin role). Every route under /api/ must say which.
 */
export type RouteAccess = 'public' | 'user' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    /** Log-in, sign-up, refresh: held to the stricter per-IP limit on credential guessing. */
    credentialLimit?: boolean;
    /** Exempt from rate limits (health, readiness, metrics: scraped by machines). */
    unlimited?: boolean;
    /**
     * Accepts `?ticket=` (a single-use stream ticket) for clients that cannot send headers
     * (EventSource). Tokens and keys are never accepted in the URL.
     */
    allowStreamTicket?: boolean;
    /** A write that a read-only API key may still make (none so far); reads are GET and HEAD. */
    readOnlyAllowed?: boolean;
    /**
     * A write still served while the disk is nearly full and the process read-only: a few bytes
     * that keep users reading (log-in, refresh, log-out, stream tickets). Other writes answer 503.
     */
    allowedWhileDiskReadOnly?: boolean;
    /**
     * Media type of answers that are not JSON, by status (e.g. `{ 200: 'text/event-stream' }`),
     * so the OpenAPI document describes them as served. Errors are always JSON.
     */
    produces?: Record<number, string>;
  }
  interface FastifyRequest {
    /** The authenticated caller; null on public routes. */
    principal: Principal | null;
  }
}

/** A route as the server registered it, for the security suite and docs. */
export interface RegisteredRoute {
  method: string;
  url: string;
  access: RouteAccess;
}

export const API_PREFIX = '/api/v1';
