import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip } from 'node:zlib';
import { RunecastError, ValidationError } from '@runecast/market';
import type { Database } from './database.port.ts';
import type { OpenDatabaseOptions } from './db.ts';
import { openMigratedDatabase } from './store.ts';

export type { OpenDatabaseOptions };

/** One table as it is copied: the columns written (generated ones are derived again), its key. */
export interface TableShape {
  name: string;
  columns: string[];
  /** Columns of the primary key, in order; rows are read in this order, a page at a time. */
  key: string[];
  /** Identity columns, whose sequences are moved past the copied values. */
  identity: string[];
  /** Rows read or written at a time: fewer where rows hold blobs (model artifacts). */
  pageRows: number;
}

/** What a table holds: rows and a digest of them that does not depend on the engine or row order. */
export interface TableDigest {
  table: string;
  rows: number;
  digest: string;
}

export interface TransferProgress {
  table: string;
  rows: number;
  totalRows: number;
}

export interface TransferResult {
  tables: TableDigest[];
  rows: number;
}

const PAGE_ROWS = 5_000;
const BLOB_PAGE_ROWS = 16;
const BACKUP_FORMAT = 'runecast-backup';
const BACKUP_VERSION = 1;

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/**
 * The tables of the schema, parents before the tables that refer to them, with the columns a
 * copy writes. `schema_migrations` is left out: both ends are migrated by the same code.
 */
export async function describeTables(db: Database): Promise<TableShape[]> {
  const columns = await db.query<{
    table_name: string;
    column_name: string;
    is_identity: string;
    data_type: string;
  }>(
    `SELECT table_name, column_name, is_identity, data_type FROM information_schema.columns
      WHERE table_schema = 'public' AND is_generated = 'NEVER'
      ORDER BY table_name, ordinal_position`,
  );
  const keys = await db.query<{ table_name: string; column_name: string }>(
    `SELECT c.relname AS table_name, a.attname AS column_name
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE i.indisprimary
      ORDER BY c.relname, k.position`,
  );
  const references = await db.query<{ child: string; parent: string }>(
    `SELECT DISTINCT c.relname AS child, p.relname AS parent
       FROM pg_constraint f
       JOIN pg_class c ON c.oid = f.conrelid
       JOIN pg_class p ON p.oid = f.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
      WHERE f.contype = 'f' AND c.relname <> p.relname`,
  );
  const shapes = new Map<string, TableShape>();
  for (const column of columns) {
    if (column.table_name === 'schema_migrations') continue;
    const shape = shapes.get(column.table_name) ?? {
      name: column.table_name,
      columns: [],
      key: [],
      identity: [],
      pageRows: PAGE_ROWS,
    };
    shape.columns.push(column.column_name);
    if (column.data_type === 'bytea') shape.pageRows = BLOB_PAGE_ROWS;
    if (column.is_identity === 'YES') shape.identity.push(column.column_name);
    shapes.set(column.table_name, shape);
  }
  for (const key of keys) shapes.get(key.table_name)?.key.push(key.column_name);
  // Parents first: a table is placed once every table it refers to is.
  const ordered: TableShape[] = [];
  const placed = new Set<string>();
  const remaining = [...shapes.values()].sort((left, right) => left.name.localeCompare(right.name));
  while (remaining.length > 0) {
    const index = remaining.findIndex((shape) =>
      references.every(
        (reference) =>
          reference.child !== shape.name || placed.has(reference.parent) || !shapes.has(reference.parent),
      ),
    );
    if (index < 0)
      throw new Error(
        `tables refer to each other in a cycle: ${remaining.map((shape) => shape.name).join(', ')}`,
      );
    const [shape] = remaining.splice(index, 1);
    ordered.push(shape!);
    placed.add(shape!.name);
  }
  return ordered;
}

/** The migrations a database has applied, by name. */
async function appliedMigrations(db: Database): Promise<string[]> {
  const rows = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
  return rows.map((row) => row.name);
}

/**
 * Reads a table a page at a time in key order, each row as JSON text (`row_to_json`: exact for
 * every type, bytea as hex, times in UTC).
 */
async function* readRows(db: Database, shape: TableShape): AsyncGenerator<string[]> {
  const select = shape.columns.map(quote).join(', ');
  const order = shape.key.length > 0 ? shape.key : shape.columns;
  const orderBy = order.map(quote).join(', ');
  let after: unknown[] | null = null;
  for (;;) {
    const condition: string =
      after === null || shape.key.length === 0
        ? ''
        : `WHERE (${order.map(quote).join(', ')}) > (${order.map((_, index) => `$${index + 1}`).join(', ')})`;
    // Without a key, the table is read in one page (such tables are small settings tables).
    const limit = shape.key.length > 0 ? `LIMIT ${shape.pageRows}` : '';
    const rows: { row: string; last: unknown[] }[] = await db.transaction(async (transaction) => {
      await transaction.query("SET LOCAL TIME ZONE 'UTC'");
      return transaction.query<{ row: string; last: unknown[] }>(
        `SELECT row_to_json(t)::text AS row, json_build_array(${order.map((column) => `t.${quote(column)}`).join(', ')}) AS last
           FROM (SELECT ${select} FROM ${quote(shape.name)} ${condition} ORDER BY ${orderBy} ${limit}) AS t`,
        after ?? [],
      );
    });
    if (rows.length === 0) return;
    yield rows.map((row) => row.row);
    if (shape.key.length === 0 || rows.length < shape.pageRows) return;
    after = (rows.at(-1)!.last as unknown[]).map((value) => (value === null ? null : String(value)));
  }
}

/** Writes rows given as JSON text; identity values are kept as they were. */
async function writeRows(db: Database, shape: TableShape, rows: readonly string[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = shape.columns.map(quote).join(', ');
  await db.query(
    `INSERT INTO ${quote(shape.name)} (${columns}) OVERRIDING SYSTEM VALUE
     SELECT ${columns} FROM json_populate_recordset(NULL::${quote(shape.name)}, $1::json)`,
    [`[${rows.join(',')}]`],
  );
}

/** Moves each identity sequence past the largest copied value, so new rows get new ids. */
async function advanceSequences(db: Database, shape: TableShape): Promise<void> {
  for (const column of shape.identity) {
    await db.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${quote(column)}) FROM ${quote(shape.name)}), 0) + 1, false)`,
      [shape.name, column],
    );
  }
}

/** Rows and an order-independent digest of every table: the same data gives the same digests on either engine. */
export async function digestTables(db: Database, shapes?: readonly TableShape[]): Promise<TableDigest[]> {
  const tables = shapes ?? (await describeTables(db));
  return db.transaction(async (transaction) => {
    await transaction.query("SET LOCAL TIME ZONE 'UTC'");
    const digests: TableDigest[] = [];
    for (const shape of tables) {
      const [row] = await transaction.query<{ rows: number; digest: string }>(
        `SELECT count(*)::int AS rows, md5(coalesce(string_agg(h, '' ORDER BY h), '')) AS digest
           FROM (SELECT md5(row_to_json(t)::text) AS h
                   FROM (SELECT ${shape.columns.map(quote).join(', ')} FROM ${quote(shape.name)}) AS t) AS hashed`,
      );
      digests.push({ table: shape.name, rows: row?.rows ?? 0, digest: row?.digest ?? '' });
    }
    return digests;
  });
}

/** Refuses a target that holds data: a copy or restore never merges into or overwrites a store. */
async function assertEmpty(db: Database, shapes: readonly TableShape[], what: string): Promise<void> {
  const filled: string[] = [];
  for (const shape of shapes) {
    const [row] = await db.query<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${quote(shape.name)}) AS any`,
    );
    if (row?.any) filled.push(shape.name);
  }
  if (filled.length > 0) {
    throw new ValidationError(
      `${what} already holds data (${filled.slice(0, 5).join(', ')}${filled.length > 5 ? ', …' : ''}); copy into an empty database`,
      { field: 'target' },
    );
  }
}

function compareDigests(expected: readonly TableDigest[], actual: readonly TableDigest[]): void {
  const found = new Map(actual.map((digest) => [digest.table, digest]));
  const differing = expected.filter((digest) => {
    const other = found.get(digest.table);
    return other === undefined || other.rows !== digest.rows || other.digest !== digest.digest;
  });
  if (differing.length > 0) {
    throw new RunecastError(
      'verification_failed',
      `verification failed: ${differing
        .map(
          (digest) =>
            `${digest.table} (${digest.rows} rows expected, ${found.get(digest.table)?.rows ?? 0} found)`,
        )
        .join(', ')}`,
    );
  }
}

/**
 * Copies every row of one store into another, empty one (for example from the embedded store to
 * PostgreSQL), in one transaction on the target, then verifies table by table that both hold the
 * same rows (count and digest).
 */
export async function copyStore(
  from: OpenDatabaseOptions,
  to: OpenDatabaseOptions,
  onProgress: (progress: TransferProgress) => void = () => {},
): Promise<TransferResult> {
  const source = await openMigratedDatabase(from);
  try {
    const target = await openMigratedDatabase(to);
    try {
      const shapes = await describeTables(source);
      await assertEmpty(target, shapes, 'the target store');
      const expected = await digestTables(source, shapes);
      const totals = new Map(expected.map((digest) => [digest.table, digest.rows]));
      await target.transaction(async (transaction) => {
        for (const shape of shapes) {
          let copied = 0;
          for await (const rows of readRows(source, shape)) {
            await writeRows(transaction, shape, rows);
            copied += rows.length;
            onProgress({ table: shape.name, rows: copied, totalRows: totals.get(shape.name) ?? 0 });
          }
          await advanceSequences(transaction, shape);
        }
      });
      compareDigests(expected, await digestTables(target, shapes));
      return { tables: expected, rows: expected.reduce((sum, digest) => sum + digest.rows, 0) };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/**
 * Writes every row of a store to a gzip-compressed file of JSON lines: a header naming the
 * migrations, then per table its shape and rows, then the digests a restore verifies against.
 * The file appears complete or not at all.
 */
export async function backupStore(
  from: OpenDatabaseOptions,
  file: string,
  onProgress: (progress: TransferProgress) => void = () => {},
): Promise<TransferResult> {
  const source = await openMigratedDatabase(from);
  const partial = `${file}.partial`;
  try {
    const shapes = await describeTables(source);
    const digests = await digestTables(source, shapes);
    const totals = new Map(digests.map((digest) => [digest.table, digest.rows]));
    const gzip = createGzip();
    const output = createWriteStream(partial, { mode: 0o600 });
    const finished = new Promise<void>((resolve, reject) => {
      output.on('finish', resolve).on('error', reject);
      gzip.on('error', reject);
    });
    gzip.pipe(output);
    const write = async (line: unknown) => {
      if (!gzip.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`))
        await once(gzip, 'drain');
    };
    await write({
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      engine: source.engine,
      migrations: await appliedMigrations(source),
      createdAt: new Date().toISOString(),
    });
    for (const shape of shapes) {
      await write({ table: shape.name, columns: shape.columns, rows: totals.get(shape.name) ?? 0 });
      let written = 0;
      for await (const rows of readRows(source, shape)) {
        for (const row of rows) await write(row);
        written += rows.length;
        onProgress({ table: shape.name, rows: written, totalRows: totals.get(shape.name) ?? 0 });
      }
    }
    await write({ end: true, digests });
    gzip.end();
    await finished;
    await rename(partial, file);
    return { tables: digests, rows: digests.reduce((sum, digest) => sum + digest.rows, 0) };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    await source.close();
  }
}

interface BackupHeader {
  format: string;
  version: number;
  migrations: string[];
}

/**
 * Restores a backup into an empty store migrated by this version, in one transaction, then
 * verifies every table against the digests the backup recorded. A file that is not a complete
 * backup, or that an other version made, is refused with the reason.
 */
export async function restoreStore(
  file: string,
  to: OpenDatabaseOptions,
  onProgress: (progress: TransferProgress) => void = () => {},
): Promise<TransferResult> {
  const target = await openMigratedDatabase(to);
  try {
    const shapes = new Map((await describeTables(target)).map((shape) => [shape.name, shape]));
    await assertEmpty(target, [...shapes.values()], 'the store to restore into');
    const input = createReadStream(file).pipe(createGunzip());
    const lines = createInterface({ input, crlfDelay: Infinity });
    let header: BackupHeader | null = null;
    let digests: TableDigest[] | null = null;
    let lineNumber = 0;
    const bad = (reason: string) =>
      new ValidationError(`${file} is not a usable backup: ${reason}`, { field: 'file' });
    try {
      await target.transaction(async (transaction) => {
        let table: { shape: TableShape; expected: number; rows: string[]; done: number } | null = null;
        const flush = async () => {
          if (table === null || table.rows.length === 0) return;
          await writeRows(transaction, table.shape, table.rows);
          table.done += table.rows.length;
          table.rows = [];
          onProgress({ table: table.shape.name, rows: table.done, totalRows: table.expected });
        };
        const close = async () => {
          if (table === null) return;
          await flush();
          await advanceSequences(transaction, table.shape);
          if (table.done !== table.expected)
            throw bad(`${table.shape.name} holds ${table.done} rows, its header says ${table.expected}`);
        };
        for await (const line of lines) {
          lineNumber += 1;
          if (digests !== null) throw bad(`line ${lineNumber} follows the end marker`);
          if (header === null) {
            const parsed = parseLine(line, lineNumber, bad) as Partial<BackupHeader>;
            if (parsed.format !== BACKUP_FORMAT || parsed.version !== BACKUP_VERSION)
              throw bad(`it does not start with a ${BACKUP_FORMAT} version ${BACKUP_VERSION} header`);
            const mine = await appliedMigrations(transaction);
            const theirs = parsed.migrations ?? [];
            if (mine.join(',') !== theirs.join(',')) {
              throw bad(
                `it was made by a version with migrations up to ${theirs.at(-1) ?? 'none'}, this one has ${mine.at(-1) ?? 'none'}; restore it with the version that made it, then upgrade`,
              );
            }
            header = parsed as BackupHeader;
            continue;
          }
          if (line.startsWith('{"table":') || line.startsWith('{"end":')) {
            const marker = parseLine(line, lineNumber, bad) as {
              table?: string;
              columns?: string[];
              rows?: number;
              end?: boolean;
              digests?: TableDigest[];
            };
            // A row of a table with a column named `table` or `end` is told apart by its shape.
            if (marker.end === true && Array.isArray(marker.digests)) {
              await close();
              table = null;
              digests = marker.digests;
              continue;
            }
            if (
              typeof marker.table === 'string' &&
              Array.isArray(marker.columns) &&
              typeof marker.rows === 'number'
            ) {
              await close();
              const shape = shapes.get(marker.table);
              if (shape === undefined)
                throw bad(`it holds table ${marker.table}, which this version does not have`);
              if (shape.columns.join(',') !== marker.columns.join(','))
                throw bad(`the columns of ${marker.table} differ from this version's`);
              table = { shape, expected: marker.rows, rows: [], done: 0 };
              continue;
            }
          }
          if (table === null) throw bad(`line ${lineNumber} is a row outside any table`);
          table.rows.push(line);
          if (table.rows.length >= table.shape.pageRows) await flush();
        }
        if (header === null) throw bad('it is empty');
        if (digests === null) throw bad('it ends before its end marker (cut short?)');
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR')
        throw bad('it is not gzip data, or it is damaged');
      if (code === 'ENOENT') throw new ValidationError(`${file} does not exist`, { field: 'file' });
      throw error;
    }
    const recorded: TableDigest[] = digests ?? [];
    compareDigests(recorded, await digestTables(target, [...shapes.values()]));
    return { tables: recorded, rows: recorded.reduce((sum, digest) => sum + digest.rows, 0) };
  } finally {
    await target.close();
  }
}

function parseLine(line: string, lineNumber: number, bad: (reason: string) => Error): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw bad(`line ${lineNumber} is not JSON`);
  }
}
