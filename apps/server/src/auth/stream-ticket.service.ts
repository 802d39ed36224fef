import { createHash, randomBytes } from 'node:crypto';
import type { Cache } from '../cache/cache.port.ts';
import { AuthenticationError } from './auth-errors.ts';
import type { Authenticator, PrincipalGrant } from './authenticator.ts';
import type { Principal } from './principal.ts';

const TICKET_PREFIX = 'rst_';
const TICKET_PATTERN = /^rst_[A-Za-z0-9_-]{43}$/;
const CACHE_PREFIX = 'stream-ticket:';

/** A ticket as handed to the client. */
export interface StreamTicket {
  ticket: string;
  expiresAtMs: number;
}

function cacheKey(ticket: string): string {
  // The cache holds a hash, never a working ticket.
  return `${CACHE_PREFIX}${createHash('sha256').update(ticket).digest('hex')}`;
}

/**
 * Short-lived, single-use tickets that let a browser's EventSource (which cannot send headers)
 * open a live stream without putting a token or key in the URL. A ticket is asked for with the
 * Authorization header, names the caller (not their credential), works once within `ttlMs`, and
 * is checked against the caller's current state when used. Tickets live in the shared cache, so
 * any API process can redeem one; a cache that forgets one only makes the client ask again.
 */
export class StreamTicketService {
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly cache: Cache,
    private readonly authenticator: Authenticator,
    options: { ttlMs?: number; now?: () => number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  async issue(principal: Principal): Promise<StreamTicket> {
    const ticket = `${TICKET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const nowMs = this.now();
    const grant: PrincipalGrant = {
      kind: principal.kind,
      userId: principal.userId,
      sessionId: principal.sessionId,
      apiKeyId: principal.apiKeyId,
      scope: principal.scope,
      grantedAtMs: nowMs,
    };
    const expiresAtMs = nowMs + this.ttlMs;
    await this.cache.set(cacheKey(ticket), JSON.stringify({ grant, expiresAtMs }), { ttlMs: this.ttlMs });
    return { ticket, expiresAtMs };
  }

  /** The caller a ticket was issued to, as they are now; the ticket is used up. */
  async redeem(ticket: string): Promise<Principal> {
    if (!TICKET_PATTERN.test(ticket)) throw new AuthenticationError('stream ticket is malformed');
    const key = cacheKey(ticket);
    const stored = await this.cache.get(key);
    // Deleting is the claim: of two requests with one ticket, only one deletes it.
    if (stored === null || !(await this.cache.delete(key))) {
      throw new AuthenticationError('stream ticket is not valid, used or expired; ask for a new one');
    }
    const { grant, expiresAtMs } = JSON.parse(stored) as { grant: PrincipalGrant; expiresAtMs: number };
    if (expiresAtMs <= this.now()) throw new AuthenticationError('stream ticket expired; ask for a new one');
    return this.authenticator.revalidate(grant);
  }
}
