import type { NewLogEntry } from '../observability/log-table.destination.ts';
import type { Database } from './database.port.ts';

export type { NewLogEntry };

export interface LogEntryRecord extends NewLogEntry {
  id: number;
}

export interface LogQuery {
  fromMs?: number;
  toMs?: number;
  minimumLevel?: number;
  component?: string;
  /** Text the message contains, any case. */
  search?: string;
  beforeId?: number;
  limit: number;
}

/** Structured logs in the `logs` table. */
export interface LogRepository {
  insertEntries(entries: readonly NewLogEntry[]): Promise<number>;
  /** Newest first. */
  queryEntries(query: LogQuery): Promise<LogEntryRecord[]>;
  deleteOlderThan(timeMs: number): Promise<number>;
}

interface LogRow {
  id: number;
  time_ms: number;
  level: number;
  component: string;
  message: string;
  data: Record<string, unknown>;
}

/** PostgreSQL text and jsonb cannot hold NUL characters; they are dropped rather than failing the write. */
export function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

/** JSON text safe for a jsonb column. */
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value ?? {});
  return text.includes('\\u0000') ? text.replaceAll('\\u0000', '') : text;
}

export class SqlLogRepository implements LogRepository {
  constructor(private readonly database: Database) {}

  async insertEntries(entries: readonly NewLogEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    await this.database.query(
      `INSERT INTO logs (time_ms, level, component, message, data)
       SELECT time_ms, level, component, message, data::jsonb
       FROM unnest($1::bigint[], $2::smallint[], $3::text[], $4::text[], $5::text[])
         AS incoming (time_ms, level, component, message, data)`,
      [
        entries.map((entry) => Math.trunc(entry.timeMs)),
        entries.map((entry) => Math.min(100, Math.max(0, Math.trunc(entry.level)))),
        entries.map((entry) => withoutNul(entry.component).slice(0, 100)),
        entries.map((entry) => withoutNul(entry.message)),
        entries.map((entry) => toJsonText(entry.data)),
      ],
    );
    return entries.length;
  }

  async queryEntries(query: LogQuery): Promise<LogEntryRecord[]> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    const add = (condition: (placeholder: string) => string, value: unknown) => {
      parameters.push(value);
      conditions.push(condition(`$${parameters.length}`));
    };
    if (query.fromMs !== undefined) add((p) => `time_ms >= ${p}`, query.fromMs);
    if (query.toMs !== undefined) add((p) => `time_ms < ${p}`, query.toMs);
    if (query.minimumLevel !== undefined) add((p) => `level >= ${p}`, query.minimumLevel);
    if (query.component !== undefined) add((p) => `component = ${p}`, query.component);
    if (query.search !== undefined) {
      add((p) => `strpos(lower(message), ${p}) > 0`, withoutNul(query.search.toLowerCase()));
    }
    if (query.beforeId !== undefined) add((p) => `id < ${p}`, query.beforeId);
    parameters.push(query.limit);
    const rows = await this.database.query<LogRow>(
      `SELECT id, time_ms, level, component, message, data FROM logs
       ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT $${parameters.length}`,
      parameters,
    );
    return rows.map((row) => ({
      id: row.id,
      timeMs: row.time_ms,
      level: row.level,
      component: row.component,
      message: row.message,
      data: row.data ?? {},
    }));
  }

  async deleteOlderThan(timeMs: number): Promise<number> {
    const rows = await this.database.query('DELETE FROM logs WHERE time_ms < $1 RETURNING id', [timeMs]);
    return rows.length;
  }
}
