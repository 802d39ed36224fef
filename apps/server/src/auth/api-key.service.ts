import { randomBytes } from 'node:crypto';
import { NotFoundError } from '@runecast/market';
import type { ApiKeyRecord, ApiKeyRepository, ApiKeyScope } from '../store/api-key.repository.ts';
import type { UserRepository } from '../store/user.repository.ts';
import { ConflictError, PermissionError, UnprocessableError } from './auth-errors.ts';
import { API_KEY_PREFIX, hashApiKeySecret, type Authenticator } from './authenticator.ts';

export interface PublicApiKey {
  id: string;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  createdAtMs: number;
  expiresAtMs: number | null;
  lastUsedAtMs: number | null;
  lastUsedIp: string | null;
  revokedAtMs: number | null;
}

/** Keys one user may hold at once (revoked ones do not count). */
export const MAX_API_KEYS_PER_USER = 50;

/** Lifetime of a key unless an admin changed the setting; no key lives longer. */
export const DEFAULT_API_KEY_LIFETIME_DAYS = 90;
export const MAX_API_KEY_LIFETIME_DAYS = 3650;
const LIFETIME_SETTING = 'api_key_lifetime_days';
const DAY_MS = 86_400_000;

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomKeyId(): string {
  const bytes = randomBytes(12);
  let id = '';
  // 256 is not a multiple of 36; the slight bias does not matter for an identifier.
  for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return id;
}

function toPublicApiKey(key: ApiKeyRecord): PublicApiKey {
  return {
    id: key.id,
    name: key.name,
    scope: key.scope,
    prefix: `${API_KEY_PREFIX}${key.id}_`,
    createdAtMs: key.createdAtMs,
    expiresAtMs: key.expiresAtMs,
    lastUsedAtMs: key.lastUsedAtMs,
    lastUsedIp: key.lastUsedIp,
    revokedAtMs: key.revokedAtMs,
  };
}

/**
 * A user's own API keys: made (shown once), listed, revoked. Only a hash of each secret is kept.
 * Every key expires (by default after the lifetime admins set, 90 days unless changed), and only
 * a logged-in user makes keys: a key cannot make another.
 */
export class ApiKeyService {
  private readonly now: () => number;

  constructor(
    private readonly repository: ApiKeyRepository,
    private readonly authenticator: Authenticator,
    private readonly settings: Pick<UserRepository, 'getSetting' | 'setSetting'>,
    now?: () => number,
  ) {
    this.now = now ?? Date.now;
  }

  /** Days a new key lives unless it asks for less; admins change it. */
  async lifetimeDays(): Promise<number> {
    const stored = await this.settings.getSetting(LIFETIME_SETTING);
    return typeof stored === 'number' && Number.isSafeInteger(stored) && stored >= 1
      ? Math.min(stored, MAX_API_KEY_LIFETIME_DAYS)
      : DEFAULT_API_KEY_LIFETIME_DAYS;
  }

  async setLifetimeDays(days: number): Promise<void> {
    await this.settings.setSetting(LIFETIME_SETTING, days, this.now());
  }

  async create(
    userId: string,
    input: { name: string; scope: ApiKeyScope; expiresAtMs?: number },
    caller: { viaApiKey: boolean } = { viaApiKey: false },
  ): Promise<{ apiKey: PublicApiKey; key: string }> {
    if (caller.viaApiKey) {
      throw new PermissionError('an API key cannot make API keys; log in to make one');
    }
    const nowMs = this.now();
    if (input.expiresAtMs !== undefined && input.expiresAtMs <= nowMs) {
      throw new UnprocessableError('expiresAt must be in the future', { field: 'expiresAt' });
    }
    const lifetimeDays = await this.lifetimeDays();
    const latestExpiryMs = nowMs + lifetimeDays * DAY_MS;
    if (input.expiresAtMs !== undefined && input.expiresAtMs > latestExpiryMs) {
      throw new UnprocessableError(`expiresAt may be at most ${lifetimeDays} days ahead`, {
        field: 'expiresAt',
        maxLifetimeDays: lifetimeDays,
      });
    }
    const active = (await this.repository.listKeys(userId)).filter((key) => key.revokedAtMs === null);
    if (active.length >= MAX_API_KEYS_PER_USER) {
      throw new ConflictError(`at most ${MAX_API_KEYS_PER_USER} API keys per user; revoke one first`);
    }
    const id = randomKeyId();
    const secret = randomBytes(32).toString('base64url');
    const record: ApiKeyRecord = {
      id,
      userId,
      name: input.name,
      secretHash: hashApiKeySecret(secret),
      scope: input.scope,
      createdAtMs: nowMs,
      expiresAtMs: input.expiresAtMs ?? latestExpiryMs,
      lastUsedAtMs: null,
      lastUsedIp: null,
      revokedAtMs: null,
    };
    await this.repository.insertKey(record);
    return { apiKey: toPublicApiKey(record), key: `${API_KEY_PREFIX}${id}_${secret}` };
  }

  async list(userId: string): Promise<PublicApiKey[]> {
    return (await this.repository.listKeys(userId)).map(toPublicApiKey);
  }

  /** Revokes every active key of the user (password change, log-out everywhere, a disabled account). */
  async revokeAll(userId: string): Promise<number> {
    const revoked = await this.repository.revokeUserKeys(userId, this.now());
    for (const keyId of revoked) this.authenticator.forgetApiKey(keyId);
    if (revoked.length > 0) this.authenticator.forgetUser(userId);
    return revoked.length;
  }

  async revoke(userId: string, keyId: string): Promise<void> {
    const revoked = await this.repository.revokeKey(keyId, userId, this.now());
    this.authenticator.forgetApiKey(keyId);
    if (revoked) this.authenticator.forgetUser(userId);
    if (!revoked) throw new NotFoundError(`no active API key ${keyId} of yours`, { field: 'keyId' });
  }
}
