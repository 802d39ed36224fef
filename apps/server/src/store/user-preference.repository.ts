import type { Database } from './database.port.ts';
import { toJsonText } from './job.repository.ts';

export interface StoredPreferences {
  /** As saved; the caller validates and fills defaults (a newer version may add fields). */
  preferences: Record<string, unknown>;
  updatedAtMs: number;
}

/** One saved workspace per user. */
export class SqlUserPreferenceRepository {
  constructor(private readonly database: Database) {}

  async get(userId: string): Promise<StoredPreferences | null> {
    const [row] = await this.database.query<{
      preferences: Record<string, unknown>;
      updated_at_ms: string | number;
    }>('SELECT preferences, updated_at_ms FROM user_preferences WHERE user_id = $1', [userId]);
    return row ? { preferences: row.preferences, updatedAtMs: Number(row.updated_at_ms) } : null;
  }

  async put(userId: string, preferences: Record<string, unknown>, nowMs: number): Promise<void> {
    await this.database.query(
      `INSERT INTO user_preferences (user_id, preferences, updated_at_ms) VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (user_id) DO UPDATE SET preferences = excluded.preferences, updated_at_ms = excluded.updated_at_ms`,
      [userId, toJsonText(preferences), nowMs],
    );
  }
}

export type UserPreferenceRepository = SqlUserPreferenceRepository;
