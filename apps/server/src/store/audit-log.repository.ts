import type { Database } from './database.port.ts';
import { toJsonText } from './log.repository.ts';

export type AuditOutcome = 'success' | 'failure';

export interface NewAuditEntry {
  timeMs: number;
  actorUserId: string | null;
  actorEmail: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  details: Record<string, unknown>;
}

export interface AuditEntryRecord extends NewAuditEntry {
  id: number;
  /** The email of the account the target names, when the target is an account id. */
  targetEmail: string | null;
}

/** The append-only audit log of admin actions and log-in failures. */
export interface AuditLogRepository {
  append(entry: NewAuditEntry): Promise<number>;
  /** Newest first; `beforeId` pages backwards. */
  list(query: { limit: number; beforeId?: number; action?: string }): Promise<AuditEntryRecord[]>;
}

interface AuditRow {
  id: number;
  time_ms: number;
  actor_user_id: string | null;
  actor_email: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  details: Record<string, unknown>;
}

export class SqlAuditLogRepository implements AuditLogRepository {
  constructor(private readonly database: Database) {}

  async append(entry: NewAuditEntry): Promise<number> {
    const [row] = await this.database.query<{ id: number }>(
      `INSERT INTO audit_log (time_ms, actor_user_id, actor_email, action, target, outcome, ip, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
       RETURNING id`,
      [
        entry.timeMs,
        entry.actorUserId,
        entry.actorEmail,
        entry.action,
        entry.target,
        entry.outcome,
        entry.ip,
        toJsonText(entry.details),
      ],
    );
    return row!.id;
  }

  async list(query: { limit: number; beforeId?: number; action?: string }): Promise<AuditEntryRecord[]> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    if (query.beforeId !== undefined) {
      parameters.push(query.beforeId);
      conditions.push(`id < $${parameters.length}`);
    }
    if (query.action !== undefined) {
      parameters.push(query.action);
      conditions.push(`action = $${parameters.length}`);
    }
    parameters.push(query.limit);
    // A target that is an account id is shown by the account's email (the id stays for reference).
    const rows = await this.database.query<AuditRow & { target_email: string | null }>(
      `SELECT entry.*,
              (SELECT users.email FROM users WHERE users.id::text = entry.target) AS target_email
       FROM (
         SELECT id, time_ms, actor_user_id, actor_email, action, target, outcome, ip, details
         FROM audit_log ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
         ORDER BY id DESC LIMIT $${parameters.length}
       ) AS entry
       ORDER BY entry.id DESC`,
      parameters,
    );
    return rows.map((row) => ({
      id: row.id,
      timeMs: row.time_ms,
      actorUserId: row.actor_user_id,
      actorEmail: row.actor_email,
      action: row.action,
      target: row.target,
      targetEmail: row.target_email,
      outcome: row.outcome,
      ip: row.ip,
      details: row.details ?? {},
    }));
  }
}
