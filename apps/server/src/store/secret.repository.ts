import type { Database } from './database.port.ts';

export interface SecretRecord {
  name: string;
  /** AES-256-GCM sealed value; the key lives outside the database. */
  sealed: string;
  createdAtMs: number;
  updatedAtMs: number;
}

/** Sealed secrets. This repository never sees a plain value. */
export interface SecretRepository {
  putSecret(name: string, sealed: string, nowMs: number): Promise<void>;
  getSecret(name: string): Promise<SecretRecord | null>;
  listSecrets(): Promise<Omit<SecretRecord, 'sealed'>[]>;
  deleteSecret(name: string): Promise<boolean>;
}

export class SqlSecretRepository implements SecretRepository {
  constructor(private readonly database: Database) {}

  async putSecret(name: string, sealed: string, nowMs: number): Promise<void> {
    await this.database.query(
      `INSERT INTO secrets (name, sealed, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $3)
       ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at_ms = excluded.updated_at_ms`,
      [name, sealed, nowMs],
    );
  }

  async getSecret(name: string): Promise<SecretRecord | null> {
    const [row] = await this.database.query<{
      name: string;
      sealed: string;
      created_at_ms: number;
      updated_at_ms: number;
    }>('SELECT name, sealed, created_at_ms, updated_at_ms FROM secrets WHERE name = $1', [name]);
    return row
      ? { name: row.name, sealed: row.sealed, createdAtMs: row.created_at_ms, updatedAtMs: row.updated_at_ms }
      : null;
  }

  async listSecrets(): Promise<Omit<SecretRecord, 'sealed'>[]> {
    const rows = await this.database.query<{ name: string; created_at_ms: number; updated_at_ms: number }>(
      'SELECT name, created_at_ms, updated_at_ms FROM secrets ORDER BY name',
    );
    return rows.map((row) => ({
      name: row.name,
      createdAtMs: row.created_at_ms,
      updatedAtMs: row.updated_at_ms,
    }));
  }

  async deleteSecret(name: string): Promise<boolean> {
    const rows = await this.database.query('DELETE FROM secrets WHERE name = $1 RETURNING name', [name]);
    return rows.length > 0;
  }
}
