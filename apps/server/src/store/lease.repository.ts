import type { Database } from './database.port.ts';

/** A lease as stored: who owns a piece of shared work, and until when. */
export interface Lease {
  name: string;
  owner: string;
  expiresAtMs: number;
  acquiredAtMs: number;
}

/**
 * Leases on shared work, judged by the database's clock: a lease is held until it expires, its
 * owner renews it while it lives, and once expired anyone may take it. Taking is atomic, so two
 * processes never both hold one name.
 */
export interface LeaseRepository {
  /**
   * Registers `owner` as a live member of `group` for `ttlMs` and answers how many members are
   * live (including this one): how many processes share the group's work.
   */
  heartbeat(group: string, owner: string, ttlMs: number): Promise<number>;
  /** Extends those of `names` this owner still holds; answers them (the others are lost). */
  renew(owner: string, names: readonly string[], ttlMs: number): Promise<string[]>;
  /**
   * Takes at most `max` of `names` that are free, expired or already this owner's, in name order;
   * answers those taken.
   */
  acquire(owner: string, names: readonly string[], ttlMs: number, max: number): Promise<string[]>;
  /** Gives up these leases where this owner holds them. */
  release(owner: string, names: readonly string[]): Promise<void>;
  /** Unexpired leases whose names start with `prefix`, in name order. */
  list(prefix: string): Promise<Lease[]>;
  /** Drops every lease whose name starts with `prefix`, whoever holds it. */
  clear(prefix: string): Promise<void>;
}

const EXPIRY = "clock_timestamp() + $TTL::double precision * interval '1 millisecond'";

function expiry(ttlParameter: number): string {
  return EXPIRY.replace('$TTL', `$${ttlParameter}`);
}

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new RangeError(`lease time must be positive, got ${ttlMs}`);
}

/** `LIKE` pattern matching names that start with `prefix`. */
function startsWith(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

export class SqlLeaseRepository implements LeaseRepository {
  constructor(private readonly database: Database) {}

  async heartbeat(group: string, owner: string, ttlMs: number): Promise<number> {
    checkTtl(ttlMs);
    const prefix = `member:${group}:`;
    await this.database.query(
      `INSERT INTO leases (name, owner, expires_at, acquired_at)
       VALUES ($1, $2, ${expiry(3)}, clock_timestamp())
       ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at`,
      [`${prefix}${owner}`, owner, ttlMs],
    );
    const [row] = await this.database.query<{ members: number }>(
      `SELECT count(*)::int AS members FROM leases WHERE name LIKE $1 AND expires_at > clock_timestamp()`,
      [startsWith(prefix)],
    );
    return Math.max(1, row?.members ?? 1);
  }

  async renew(owner: string, names: readonly string[], ttlMs: number): Promise<string[]> {
    checkTtl(ttlMs);
    if (names.length === 0) return [];
    const rows = await this.database.query<{ name: string }>(
      `UPDATE leases SET expires_at = ${expiry(3)}
        WHERE owner = $1 AND name = ANY($2::text[]) AND expires_at > clock_timestamp()
        RETURNING name`,
      [owner, [...names], ttlMs],
    );
    return rows.map((row) => row.name).sort();
  }

  async acquire(owner: string, names: readonly string[], ttlMs: number, max: number): Promise<string[]> {
    checkTtl(ttlMs);
    if (names.length === 0 || max <= 0) return [];
    // A lease another process took between the read and the write keeps its owner: the
    // conflict's WHERE only replaces an expired one.
    const rows = await this.database.query<{ name: string }>(
      `WITH wanted AS (
         SELECT w.name FROM unnest($2::text[]) AS w(name)
          WHERE NOT EXISTS (
            SELECT 1 FROM leases l WHERE l.name = w.name AND l.expires_at > clock_timestamp() AND l.owner <> $1
          )
          ORDER BY w.name
          LIMIT $4
       )
       INSERT INTO leases (name, owner, expires_at, acquired_at)
       SELECT wanted.name, $1, ${expiry(3)}, clock_timestamp() FROM wanted
       ON CONFLICT (name) DO UPDATE
         SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at, acquired_at = EXCLUDED.acquired_at
         WHERE leases.expires_at <= clock_timestamp() OR leases.owner = EXCLUDED.owner
       RETURNING name`,
      [owner, [...new Set(names)], ttlMs, Math.floor(max)],
    );
    return rows.map((row) => row.name).sort();
  }

  async release(owner: string, names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.database.query('DELETE FROM leases WHERE owner = $1 AND name = ANY($2::text[])', [
      owner,
      [...names],
    ]);
  }

  async list(prefix: string): Promise<Lease[]> {
    const rows = await this.database.query<{
      name: string;
      owner: string;
      expires_ms: number;
      acquired_ms: number;
    }>(
      `SELECT name, owner,
              (extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms,
              (extract(epoch FROM acquired_at) * 1000)::float8 AS acquired_ms
         FROM leases WHERE name LIKE $1 AND expires_at > clock_timestamp() ORDER BY name`,
      [startsWith(prefix)],
    );
    return rows.map((row) => ({
      name: row.name,
      owner: row.owner,
      expiresAtMs: Math.round(row.expires_ms),
      acquiredAtMs: Math.round(row.acquired_ms),
    }));
  }

  async clear(prefix: string): Promise<void> {
    await this.database.query('DELETE FROM leases WHERE name LIKE $1', [startsWith(prefix)]);
  }
}
