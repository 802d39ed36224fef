import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { serverFile } from '../config/build-layout.ts';
import type { Database } from './database.port.ts';

/** Migrations shipped with Runecast; the same files run on PGlite and PostgreSQL. */
export const MIGRATIONS_DIRECTORY = pathToFileURL(serverFile('src', 'store', 'migrations') + '/');

const MIGRATION_FILE_PATTERN = /^\d{4}_[a-z0-9_]+\.sql$/;
/** Any fixed 64-bit number; every process migrating the same database takes this lock. */
const MIGRATION_LOCK_KEY = 7_262_017_441;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/** Reads `NNNN_name.sql` files in name order; anything else in the folder is an error. */
export async function readMigrationFiles(directory: URL = MIGRATIONS_DIRECTORY): Promise<MigrationFile[]> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    if (!MIGRATION_FILE_PATTERN.test(name)) {
      throw new Error(`migration file "${name}" must be named like 0001_short_name.sql`);
    }
    const sql = await readFile(new URL(name, directory), 'utf8');
    files.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return files;
}

/**
 * Applies pending migrations in one transaction and returns the names it applied.
 * Idempotent; on PostgreSQL an advisory lock makes processes that start together wait for
 * each other, and the later ones find nothing left to do. A migration that was applied and
 * then edited stops start-up: shipped migrations are never changed, new ones are added.
 */
export async function runMigrations(
  database: Database,
  options: { directory?: URL } = {},
): Promise<string[]> {
  const files = await readMigrationFiles(options.directory);
  return database.transaction(async (transaction) => {
    // Taken before CREATE TABLE IF NOT EXISTS: two sessions creating it at once can collide.
    if (transaction.engine === 'postgres') {
      await transaction.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    }
    await transaction.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        name text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const appliedRows = await transaction.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM schema_migrations',
    );
    const applied = new Map(appliedRows.map((row) => [row.name, row.checksum]));
    const newlyApplied: string[] = [];
    for (const file of files) {
      const checksum = applied.get(file.name);
      if (checksum !== undefined) {
        if (checksum !== file.checksum) {
          throw new Error(
            `migration ${file.name} was changed after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      try {
        await transaction.query(file.sql);
      } catch (error) {
        throw new Error(`migration ${file.name} failed: ${(error as Error).message}`, { cause: error });
      }
      await transaction.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [
        file.name,
        file.checksum,
      ]);
      newlyApplied.push(file.name);
    }
    return newlyApplied;
  });
}
