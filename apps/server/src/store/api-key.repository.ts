import type { Database } from './store.port.ts';

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
  revokedAtMs: number | null;
}

/** API keys; only a hash of each key's secret part is stored. */
export interface ApiKeyRepository {
  insertKey(key: ApiKeyRecord): Promise<void>;
  findKey(id: string): Promise<ApiKeyRecord | null>;
  listKeys(userId: string): Promise<ApiKeyRecord[]>;
  /** Revokes the user's key; false when it does not exist, belongs to someone else or was revoked. */
  revokeKey(id: string, userId: string, nowMs: number): Promise<boolean>;
  markUsed(id: string, nowMs: number): Promise<void>;
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
  revoked_at_ms: number | null;
}

const COLUMNS =
  'id, user_id, name, secret_hash, scope, created_at_ms, expires_at_ms, last_used_at_ms, revoked_at_ms';

export class SqlApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly database: Database) {}

  async insertKey(key: ApiKeyRecord): Promise<void> {
    await this.database.query(
      `INSERT INTO api_keys (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        key.id,
        key.userId,
        key.name,
        key.secretHash,
        key.scope,
        key.createdAtMs,
        key.expiresAtMs,
        key.lastUsedAtMs,
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

  async markUsed(id: string, nowMs: number): Promise<void> {
    await this.database.query('UPDATE api_keys SET last_used_at_ms = $2 WHERE id = $1', [id, nowMs]);
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
    revokedAtMs: row.revoked_at_ms,
  };
}
