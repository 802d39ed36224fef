/** Which engine a Database talks to. Both speak the same Postgres SQL. */
export type DatabaseEngine = 'pglite' | 'postgres';

/**
 * The thin SQL port every repository uses. Only `store/` may call it.
 * `copyFrom` bulk-loads CSV text, or PostgreSQL binary COPY data, through COPY (PGlite: blob;
 * PostgreSQL: pg-copy-streams).
 */
export interface Database {
  readonly engine: DatabaseEngine;
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs `work` in one transaction on one connection. */
  transaction<T>(work: (transaction: Database) => Promise<T>): Promise<T>;
  /** COPY `data` into `table(columns)`: CSV text without header, or binary COPY bytes. */
  copyFrom(table: string, columns: readonly string[], data: string | Uint8Array): Promise<void>;
  close(): Promise<void>;
  /**
   * PostgreSQL: the same database through a connection kept apart from the shared pool, for
   * small queries that must not wait behind bulk writes for a connection (lease renewals). Its
   * `close` closes the whole database. Absent where there is no pool (PGlite, a transaction).
   */
  reserved?(): Database;
}
