import { RunecastError } from '@runecast/market';
import type { Database } from './database.port.ts';
import { isUniqueViolation } from './postgres-errors.ts';

export type UserRole = 'admin' | 'user';

/** A user row. `passwordHash` never leaves the auth services. */
export interface UserRecord {
  id: string;
  email: string;
  displayName: string | null;
  passwordHash: string;
  role: UserRole;
  disabled: boolean;
  failedLoginCount: number;
  lockedUntilMs: number | null;
  tokensValidAfterMs: number;
  createdAtMs: number;
  updatedAtMs: number;
  lastLoginAtMs: number | null;
}

export interface NewUser {
  id: string;
  email: string;
  displayName: string | null;
  passwordHash: string;
  role: UserRole;
  nowMs: number;
}

export interface UserPatch {
  email?: string;
  displayName?: string | null;
  role?: UserRole;
  disabled?: boolean;
  passwordHash?: string;
  tokensValidAfterMs?: number;
}

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  familyId: string;
  tokenHash: string;
  createdAtMs: number;
  expiresAtMs: number;
  usedAtMs: number | null;
  revokedAtMs: number | null;
}

/** What per-request authentication needs to know of a user and one of their sessions. */
export interface UserAccessState {
  role: UserRole;
  disabled: boolean;
  email: string;
  tokensValidAfterMs: number;
  /** Whether the session (refresh-token family) is still open; null when none was asked for. */
  sessionOpen: boolean | null;
}

/** A second account with an email already taken. */
export class DuplicateEmailError extends RunecastError {
  constructor(email: string) {
    super('conflict', `a user with email ${email} already exists`, { field: 'email' });
  }
}

/** Users, their refresh-token sessions and account settings. */
export interface UserRepository {
  createUser(user: NewUser): Promise<UserRecord>;
  findById(id: string): Promise<UserRecord | null>;
  findByEmail(email: string): Promise<UserRecord | null>;
  listUsers(query: {
    limit: number;
    offset: number;
    search?: string;
  }): Promise<{ users: UserRecord[]; total: number }>;
  countUsers(): Promise<number>;
  /** Admins that are not disabled. */
  countActiveAdmins(): Promise<number>;
  updateUser(id: string, patch: UserPatch, nowMs: number): Promise<UserRecord | null>;
  deleteUser(id: string): Promise<boolean>;
  recordLoginSuccess(id: string, nowMs: number): Promise<void>;
  accessState(userId: string, sessionId: string | null): Promise<UserAccessState | null>;

  insertRefreshToken(token: RefreshTokenRecord): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /** Marks the token used if it was still unused and unrevoked; false when someone else got there first. */
  useRefreshToken(id: string, nowMs: number): Promise<boolean>;
  revokeFamily(familyId: string, nowMs: number): Promise<number>;
  revokeUserSessions(userId: string, nowMs: number): Promise<number>;
  deleteExpiredRefreshTokens(nowMs: number): Promise<number>;

  getSetting(name: string): Promise<unknown>;
  setSetting(name: string, value: unknown, nowMs: number): Promise<void>;
}

interface UserRow {
  id: string;
  email: string;
  display_name: string | null;
  password_hash: string;
  role: UserRole;
  disabled: boolean;
  failed_login_count: number;
  locked_until_ms: number | null;
  tokens_valid_after_ms: number;
  created_at_ms: number;
  updated_at_ms: number;
  last_login_at_ms: number | null;
}

interface RefreshTokenRow {
  id: string;
  user_id: string;
  family_id: string;
  token_hash: string;
  created_at_ms: number;
  expires_at_ms: number;
  used_at_ms: number | null;
  revoked_at_ms: number | null;
}

const USER_COLUMNS = `id, email, display_name, password_hash, role, disabled, failed_login_count,
  locked_until_ms, tokens_valid_after_ms, created_at_ms, updated_at_ms, last_login_at_ms`;

const REFRESH_COLUMNS =
  'id, user_id, family_id, token_hash, created_at_ms, expires_at_ms, used_at_ms, revoked_at_ms';

/** `%` and `_` in a search are literal characters, not patterns. */
export function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

export class SqlUserRepository implements UserRepository {
  constructor(private readonly database: Database) {}

  async createUser(user: NewUser): Promise<UserRecord> {
    try {
      const [row] = await this.database.query<UserRow>(
        `INSERT INTO users (id, email, display_name, password_hash, role, tokens_valid_after_ms, created_at_ms, updated_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $6)
         RETURNING ${USER_COLUMNS}`,
        [user.id, user.email, user.displayName, user.passwordHash, user.role, user.nowMs],
      );
      return toUser(row!);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateEmailError(user.email);
      throw error;
    }
  }

  async findById(id: string): Promise<UserRecord | null> {
    const [row] = await this.database.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return row ? toUser(row) : null;
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    const [row] = await this.database.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email = $1`, [
      email.toLowerCase(),
    ]);
    return row ? toUser(row) : null;
  }

  async listUsers(query: {
    limit: number;
    offset: number;
    search?: string;
  }): Promise<{ users: UserRecord[]; total: number }> {
    const pattern = query.search ? `%${escapeLikePattern(query.search.toLowerCase())}%` : null;
    const where = pattern === null ? '' : `WHERE email LIKE $1 OR lower(coalesce(display_name, '')) LIKE $1`;
    const parameters = pattern === null ? [] : [pattern];
    const rows = await this.database.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users ${where}
       ORDER BY created_at_ms, id
       LIMIT $${parameters.length + 1} OFFSET $${parameters.length + 2}`,
      [...parameters, query.limit, query.offset],
    );
    const [count] = await this.database.query<{ total: number }>(
      `SELECT count(*) AS total FROM users ${where}`,
      parameters,
    );
    return { users: rows.map(toUser), total: count?.total ?? 0 };
  }

  async countUsers(): Promise<number> {
    const [row] = await this.database.query<{ total: number }>('SELECT count(*) AS total FROM users');
    return row?.total ?? 0;
  }

  async countActiveAdmins(): Promise<number> {
    const [row] = await this.database.query<{ total: number }>(
      `SELECT count(*) AS total FROM users WHERE role = 'admin' AND NOT disabled`,
    );
    return row?.total ?? 0;
  }

  async updateUser(id: string, patch: UserPatch, nowMs: number): Promise<UserRecord | null> {
    const assignments: string[] = [];
    const parameters: unknown[] = [id];
    const set = (column: string, value: unknown) => {
      parameters.push(value);
      assignments.push(`${column} = $${parameters.length}`);
    };
    if (patch.email !== undefined) set('email', patch.email.toLowerCase());
    if (patch.displayName !== undefined) set('display_name', patch.displayName);
    if (patch.role !== undefined) set('role', patch.role);
    if (patch.disabled !== undefined) set('disabled', patch.disabled);
    if (patch.passwordHash !== undefined) set('password_hash', patch.passwordHash);
    if (patch.tokensValidAfterMs !== undefined) set('tokens_valid_after_ms', patch.tokensValidAfterMs);
    set('updated_at_ms', nowMs);
    try {
      const [row] = await this.database.query<UserRow>(
        `UPDATE users SET ${assignments.join(', ')} WHERE id = $1 RETURNING ${USER_COLUMNS}`,
        parameters,
      );
      return row ? toUser(row) : null;
    } catch (error) {
      if (isUniqueViolation(error) && patch.email !== undefined) throw new DuplicateEmailError(patch.email);
      throw error;
    }
  }

  async deleteUser(id: string): Promise<boolean> {
    const rows = await this.database.query('DELETE FROM users WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  async recordLoginSuccess(id: string, nowMs: number): Promise<void> {
    await this.database.query(
      `UPDATE users SET failed_login_count = 0, locked_until_ms = NULL, last_login_at_ms = $2 WHERE id = $1`,
      [id, nowMs],
    );
  }

  async accessState(userId: string, sessionId: string | null): Promise<UserAccessState | null> {
    const [row] = await this.database.query<{
      role: UserRole;
      disabled: boolean;
      email: string;
      tokens_valid_after_ms: number;
      session_open: boolean | null;
    }>(
      `SELECT role, disabled, email, tokens_valid_after_ms,
              CASE WHEN $2::uuid IS NULL THEN NULL ELSE EXISTS (
                SELECT 1 FROM refresh_tokens
                WHERE family_id = $2::uuid AND user_id = users.id AND revoked_at_ms IS NULL
              ) END AS session_open
       FROM users WHERE id = $1`,
      [userId, sessionId],
    );
    if (!row) return null;
    return {
      role: row.role,
      disabled: row.disabled,
      email: row.email,
      tokensValidAfterMs: row.tokens_valid_after_ms,
      sessionOpen: row.session_open,
    };
  }

  async insertRefreshToken(token: RefreshTokenRecord): Promise<void> {
    await this.database.query(
      `INSERT INTO refresh_tokens (${REFRESH_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        token.id,
        token.userId,
        token.familyId,
        token.tokenHash,
        token.createdAtMs,
        token.expiresAtMs,
        token.usedAtMs,
        token.revokedAtMs,
      ],
    );
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const [row] = await this.database.query<RefreshTokenRow>(
      `SELECT ${REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = $1`,
      [tokenHash],
    );
    return row ? toRefreshToken(row) : null;
  }

  async useRefreshToken(id: string, nowMs: number): Promise<boolean> {
    const rows = await this.database.query(
      `UPDATE refresh_tokens SET used_at_ms = $2
       WHERE id = $1 AND used_at_ms IS NULL AND revoked_at_ms IS NULL
       RETURNING id`,
      [id, nowMs],
    );
    return rows.length > 0;
  }

  async revokeFamily(familyId: string, nowMs: number): Promise<number> {
    const rows = await this.database.query(
      `UPDATE refresh_tokens SET revoked_at_ms = $2 WHERE family_id = $1 AND revoked_at_ms IS NULL RETURNING id`,
      [familyId, nowMs],
    );
    return rows.length;
  }

  async revokeUserSessions(userId: string, nowMs: number): Promise<number> {
    const rows = await this.database.query(
      `UPDATE refresh_tokens SET revoked_at_ms = $2 WHERE user_id = $1 AND revoked_at_ms IS NULL RETURNING id`,
      [userId, nowMs],
    );
    return rows.length;
  }

  async deleteExpiredRefreshTokens(nowMs: number): Promise<number> {
    const rows = await this.database.query(
      'DELETE FROM refresh_tokens WHERE expires_at_ms < $1 RETURNING id',
      [nowMs],
    );
    return rows.length;
  }

  async getSetting(name: string): Promise<unknown> {
    const [row] = await this.database.query<{ value: unknown }>(
      'SELECT value FROM account_settings WHERE name = $1',
      [name],
    );
    return row === undefined ? undefined : row.value;
  }

  async setSetting(name: string, value: unknown, nowMs: number): Promise<void> {
    await this.database.query(
      `INSERT INTO account_settings (name, value, updated_at_ms) VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms`,
      [name, JSON.stringify(value), nowMs],
    );
  }
}

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    role: row.role,
    disabled: row.disabled,
    failedLoginCount: row.failed_login_count,
    lockedUntilMs: row.locked_until_ms,
    tokensValidAfterMs: row.tokens_valid_after_ms,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
    lastLoginAtMs: row.last_login_at_ms,
  };
}

function toRefreshToken(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    familyId: row.family_id,
    tokenHash: row.token_hash,
    createdAtMs: row.created_at_ms,
    expiresAtMs: row.expires_at_ms,
    usedAtMs: row.used_at_ms,
    revokedAtMs: row.revoked_at_ms,
  };
}
