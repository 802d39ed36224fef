import { randomBytes } from 'node:crypto';
import { NotFoundError } from '@runecast/market';
import type { ApiKeyRecord, ApiKeyRepository, ApiKeyScope } from '../store/api-key.repository.ts';
import { ConflictError, UnprocessableError } from './auth-errors.ts';
import { API_KEY_PREFIX, hashApiKeySecret, type Authenticator } from './authenticator.ts';

export interface PublicApiKey {
  id: string;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  createdAtMs: number;
  expiresAtMs: number | null;
  lastUsedAtMs: number | null;
  revokedAtMs: number | null;
}

/** Keys one user may hold at once (revoked ones do not count). */
export const MAX_API_KEYS_PER_USER = 50;

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
    revokedAtMs: key.revokedAtMs,
  };
}

/** A user's own API keys: made (shown once), listed, revoked. Only a hash of each secret is kept. */
export class ApiKeyService {
  private readonly now: () => number;

  constructor(
    private readonly repository: ApiKeyRepository,
    private readonly authenticator: Authenticator,
    now?: () => number,
  ) {
    this.now = now ?? Date.now;
  }

  async create(
    userId: string,
    input: { name: string; scope: ApiKeyScope; expiresAtMs?: number },
  ): Promise<{ apiKey: PublicApiKey; key: string }> {
    const nowMs = this.now();
    if (input.expiresAtMs !== undefined && input.expiresAtMs <= nowMs) {
      throw new UnprocessableError('expiresAt must be in the future', { field: 'expiresAt' });
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
      expiresAtMs: input.expiresAtMs ?? null,
      lastUsedAtMs: null,
      revokedAtMs: null,
    };
    await this.repository.insertKey(record);
    return { apiKey: toPublicApiKey(record), key: `${API_KEY_PREFIX}${id}_${secret}` };
  }

  async list(userId: string): Promise<PublicApiKey[]> {
    return (await this.repository.listKeys(userId)).map(toPublicApiKey);
  }

  async revoke(userId: string, keyId: string): Promise<void> {
    const revoked = await this.repository.revokeKey(keyId, userId, this.now());
    this.authenticator.forgetApiKey(keyId);
    if (!revoked) throw new NotFoundError(`no active API key ${keyId} of yours`, { field: 'keyId' });
  }
}
