import type { Database } from './database.port.ts';

export type ApiKeyScope = 'read' | 'read-write';

export interface ApiKeyRecord {
  id: string;
  userId: string;
  name: string;
  secretHash: string;
  scope: ApiKeyScope;
  createdAtMs: number;
  expiresAtMs: number | null;
  lastUsedAtMs: number | null;
  /** Address of the request that last used the key (as of its last recorded use). */
  lastUsedIp: string | null;
  revokedAtMs: number | null;
}

/** API keys; only a hash of each key's secret part is stored. */
export interface ApiKeyRepository {
  insertKey(key: ApiKeyRecord): Promise<void>;
  findKey(id: string): Promise<ApiKeyRecord | null>;
  listKeys(userId: string): Promise<ApiKeyRecord[]>;
  /** Revokes the user's key; false when it does not exist, belongs to someone else or was revoked. */
  revokeKey(id: string, userId: string, nowMs: number): Promise<boolean>;
  /** Revokes every active key of the user; returns the ids revoked. */
  revokeUserKeys(userId: string, nowMs: number): Promise<string[]>;
  markUsed(id: string, nowMs: number, ip: string | null): Promise<void>;
}

interface ApiKeyRow {
  id: string;
  user_id: string;
  name: string;
  secret_hash: string;
  scope: ApiKeyScope;
  created_at_ms: number;
  expires_at_ms: number | null;
  last_used_at_ms: number | null;
  last_used_ip: string | null;
  revoked_at_ms: number | null;
}

const COLUMNS =
  'id, user_id, name, secret_hash, scope, created_at_ms, expires_at_ms, last_used_at_ms, last_used_ip, revoked_at_ms';

export class SqlApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly database: Database) {}

  async insertKey(key: ApiKeyRecord): Promise<void> {
    await this.database.query(
      `INSERT INTO api_keys (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        key.id,
        key.userId,
        key.name,
        key.secretHash,
        key.scope,
        key.createdAtMs,
        key.expiresAtMs,
        key.lastUsedAtMs,
        key.lastUsedIp,
        key.revokedAtMs,
      ],
    );
  }

  async findKey(id: string): Promise<ApiKeyRecord | null> {
    const [row] = await this.database.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    return row ? toApiKey(row) : null;
  }

  async listKeys(userId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.database.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM api_keys WHERE user_id = $1 ORDER BY created_at_ms DESC, id`,
      [userId],
    );
    return rows.map(toApiKey);
  }

  async revokeKey(id: string, userId: string, nowMs: number): Promise<boolean> {
    const rows = await this.database.query(
      `UPDATE api_keys SET revoked_at_ms = $3 WHERE id = $1 AND user_id = $2 AND revoked_at_ms IS NULL RETURNING id`,
      [id, userId, nowMs],
    );
    return rows.length > 0;
  }

  async revokeUserKeys(userId: string, nowMs: number): Promise<string[]> {
    const rows = await this.database.query<{ id: string }>(
      `UPDATE api_keys SET revoked_at_ms = $2 WHERE user_id = $1 AND revoked_at_ms IS NULL RETURNING id`,
      [userId, nowMs],
    );
    return rows.map((row) => row.id);
  }

  async markUsed(id: string, nowMs: number, ip: string | null): Promise<void> {
    await this.database.query('UPDATE api_keys SET last_used_at_ms = $2, last_used_ip = $3 WHERE id = $1', [
      id,
      nowMs,
      ip,
    ]);
  }
}

function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    secretHash: row.secret_hash,
    scope: row.scope,
    createdAtMs: row.created_at_ms,
    expiresAtMs: row.expires_at_ms,
    lastUsedAtMs: row.last_used_at_ms,
    lastUsedIp: row.last_used_ip,
    revokedAtMs: row.revoked_at_ms,
  };
}
