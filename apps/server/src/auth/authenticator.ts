import { createHash, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ApiKeyRecord, ApiKeyRepository } from '../store/api-key.repository.ts';
import type { UserAccessState, UserRepository } from '../store/user.repository.ts';
import type { AccessTokenService } from './access-token.service.ts';
import { AccountDisabledError, AuthenticationError } from './auth-errors.ts';
import type { Principal } from './principal.ts';

/** `rck_<12 lower-case letters/digits>_<43 base64url characters>` */
const API_KEY_PATTERN = /^rck_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
export const API_KEY_PREFIX = 'rck_';

export interface AuthenticatorOptions {
  users: UserRepository;
  apiKeys: ApiKeyRepository;
  accessTokens: AccessTokenService;
  /**
   * How long a user's or key's state is trusted without asking the store. Changes made through
   * this process take effect at once; other processes see them within this time.
   */
  stateCacheTtlMs?: number;
  /** Least time between two "last used" writes of one API key. */
  keyUsageWriteIntervalMs?: number;
  now?: () => number;
  /** Told of credentials that deserve an admin's attention (a disabled account's, a key from a new address). */
  onSecurityEvent?: (event: SecurityEvent) => void;
}

/** Something an admin may want to know about a credential. */
export interface SecurityEvent {
  kind: 'api-key-new-address' | 'disabled-account-token';
  userId: string;
  /** What the event is about (the key, the account), to tell repeats apart. */
  subject: string;
  detail: string;
  atMs: number;
}

/**
 * What a caller was granted at `grantedAtMs` (by a stream ticket, or when a live stream opened),
 * without their credential: enough to check later that the grant still holds.
 */
export interface PrincipalGrant {
  kind: Principal['kind'];
  userId: string;
  sessionId: string | null;
  apiKeyId: string | null;
  scope: Principal['scope'];
  grantedAtMs: number;
}

export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Splits an API key into id and secret; null when it does not look like one. */
export function parseApiKey(text: string): { id: string; secret: string } | null {
  const match = API_KEY_PATTERN.exec(text);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

/**
 * Turns a bearer credential (access token or API key) into a Principal, or throws
 * AuthenticationError. The user's role and state come from the store, not from the token,
 * so a role change, a disabled account or a revoked session takes effect without waiting for
 * tokens to expire.
 */
export class Authenticator {
  private readonly accessStates: LRUCache<string, { state: UserAccessState | null }>;
  private readonly keys: LRUCache<string, { key: ApiKeyRecord | null }>;
  private readonly keyUsageWritten = new Map<string, { atMs: number; ip: string | null }>();
  private readonly now: () => number;
  private readonly accessListeners = new Set<(userId: string) => void>();

  constructor(private readonly options: AuthenticatorOptions) {
    const ttl = options.stateCacheTtlMs ?? 5_000;
    this.now = options.now ?? Date.now;
    this.accessStates = new LRUCache({ max: 10_000, ttl, ttlAutopurge: false });
    this.keys = new LRUCache({ max: 10_000, ttl, ttlAutopurge: false });
  }

  /** `origin` is where the request came from: recorded as an API key's last-used address. */
  async authenticate(credential: string, origin: { ip: string | null } = { ip: null }): Promise<Principal> {
    if (credential.startsWith(API_KEY_PREFIX)) return this.authenticateApiKey(credential, origin.ip);
    const claims = await this.options.accessTokens.verify(credential);
    const state = await this.accessState(claims.userId, claims.sessionId);
    if (state === null) throw new AuthenticationError('the account of this token no longer exists');
    if (state.disabled) {
      this.options.onSecurityEvent?.({
        kind: 'disabled-account-token',
        userId: claims.userId,
        subject: `account:${claims.userId}`,
        detail: `a token of the disabled account ${state.email} was presented${origin.ip ? ` from ${origin.ip}` : ''}`,
        atMs: this.now(),
      });
      throw new AccountDisabledError();
    }
    if (claims.issuedAtMs < state.tokensValidAfterMs) {
      throw new AuthenticationError('access token was revoked; log in again', { reason: 'revoked' });
    }
    if (state.sessionOpen === false) {
      throw new AuthenticationError('this session has ended; log in again', { reason: 'revoked' });
    }
    return {
      kind: 'session',
      userId: claims.userId,
      email: state.email,
      role: state.role,
      scope: 'read-write',
      sessionId: claims.sessionId,
      apiKeyId: null,
    };
  }

  private async authenticateApiKey(text: string, ip: string | null): Promise<Principal> {
    const parsed = parseApiKey(text);
    if (parsed === null) throw new AuthenticationError('API key is malformed');
    let cached = this.keys.get(parsed.id);
    if (cached === undefined) {
      cached = { key: await this.options.apiKeys.findKey(parsed.id) };
      this.keys.set(parsed.id, cached);
    }
    const key = cached.key;
    const expected = Buffer.from(key?.secretHash ?? '0'.repeat(64), 'hex');
    const given = Buffer.from(hashApiKeySecret(parsed.secret), 'hex');
    if (key === null || !timingSafeEqual(expected, given))
      throw new AuthenticationError('API key is not valid');
    const nowMs = this.now();
    if (key.revokedAtMs !== null) throw new AuthenticationError('API key was revoked', { reason: 'revoked' });
    if (key.expiresAtMs !== null && key.expiresAtMs <= nowMs) {
      throw new AuthenticationError('API key expired', { reason: 'expired' });
    }
    const state = await this.accessState(key.userId, null);
    if (state === null || state.disabled) {
      if (state !== null) {
        this.options.onSecurityEvent?.({
          kind: 'disabled-account-token',
          userId: key.userId,
          subject: `api-key:${key.id}`,
          detail: `API key ${key.id} of the disabled account ${state.email} was presented${ip ? ` from ${ip}` : ''}`,
          atMs: nowMs,
        });
      }
      throw new AccountDisabledError('the account of this API key is disabled');
    }
    const knownIp = this.keyUsageWritten.get(key.id)?.ip ?? key.lastUsedIp;
    if (knownIp !== null && ip !== null && knownIp !== ip) {
      this.options.onSecurityEvent?.({
        kind: 'api-key-new-address',
        userId: key.userId,
        subject: `api-key:${key.id}:${ip}`,
        detail: `API key ${key.id} of ${state.email} was used from ${ip} (before: ${knownIp})`,
        atMs: nowMs,
      });
    }
    this.noteKeyUsed(key.id, nowMs, ip);
    return {
      kind: 'api-key',
      userId: key.userId,
      email: state.email,
      role: state.role,
      scope: key.scope,
      sessionId: null,
      apiKeyId: key.id,
    };
  }

  private async accessState(userId: string, sessionId: string | null): Promise<UserAccessState | null> {
    const cacheKey = `${userId}/${sessionId ?? ''}`;
    const cached = this.accessStates.get(cacheKey);
    if (cached !== undefined) return cached.state;
    const state = await this.options.users.accessState(userId, sessionId);
    this.accessStates.set(cacheKey, { state });
    return state;
  }

  /**
   * Usage is recorded at most once per interval per key (and whenever the address changes), so
   * API traffic does not turn into writes.
   */
  private noteKeyUsed(keyId: string, nowMs: number, ip: string | null): void {
    const interval = this.options.keyUsageWriteIntervalMs ?? 60_000;
    const last = this.keyUsageWritten.get(keyId);
    if (last !== undefined && nowMs - last.atMs < interval && last.ip === ip) return;
    if (this.keyUsageWritten.size > 10_000) this.keyUsageWritten.clear();
    this.keyUsageWritten.set(keyId, { atMs: nowMs, ip });
    this.options.apiKeys.markUsed(keyId, nowMs, ip).catch(() => undefined);
  }

  /**
   * The caller of an earlier grant as they are now, or AuthenticationError when the grant no
   * longer holds: the account is gone or disabled, the session ended, tokens issued before the
   * grant were revoked (password change, log-out everywhere), or the API key was revoked or expired.
   */
  async revalidate(grant: PrincipalGrant): Promise<Principal> {
    const state = await this.accessState(grant.userId, grant.kind === 'session' ? grant.sessionId : null);
    if (state === null) throw new AuthenticationError('the account no longer exists');
    if (state.disabled) throw new AccountDisabledError();
    if (grant.kind === 'session') {
      if (grant.grantedAtMs < state.tokensValidAfterMs || state.sessionOpen === false) {
        throw new AuthenticationError('this session has ended; log in again', { reason: 'revoked' });
      }
    } else {
      const key = grant.apiKeyId === null ? null : await this.options.apiKeys.findKey(grant.apiKeyId);
      if (key === null || key.userId !== grant.userId || key.revokedAtMs !== null) {
        throw new AuthenticationError('API key was revoked', { reason: 'revoked' });
      }
      if (key.expiresAtMs !== null && key.expiresAtMs <= this.now()) {
        throw new AuthenticationError('API key expired', { reason: 'expired' });
      }
    }
    return {
      kind: grant.kind,
      userId: grant.userId,
      email: state.email,
      role: state.role,
      scope: grant.scope,
      sessionId: grant.sessionId,
      apiKeyId: grant.apiKeyId,
    };
  }

  /**
   * Forget what is cached about a user (role, disabled, sessions, keys changed) so the next
   * request asks the store, and tell those who hold grants of the user (open live streams).
   */
  forgetUser(userId: string): void {
    for (const key of this.accessStates.keys()) {
      if (key.startsWith(`${userId}/`)) this.accessStates.delete(key);
    }
    for (const listener of this.accessListeners) listener(userId);
  }

  /** Calls `listener` with the user's id whenever their access may have changed in this process. */
  onAccessChange(listener: (userId: string) => void): () => void {
    this.accessListeners.add(listener);
    return () => this.accessListeners.delete(listener);
  }

  forgetApiKey(keyId: string): void {
    this.keys.delete(keyId);
  }
}
