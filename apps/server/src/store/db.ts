import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  rmdirSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { PGlite, type Transaction as PgliteTransaction } from '@electric-sql/pglite';
import pg from 'pg';
import pgCopyStreams from 'pg-copy-streams';
import { makeTreePrivate, PRIVATE_DIRECTORY_MODE } from '../config/private-files.ts';
import { ValidationError } from '@runecast/market';
import { serverFile } from '../config/build-layout.ts';
import type { Database, DatabaseEngine } from './database.port.ts';
import { classifyStoreError } from './store-errors.ts';

/** Where the store lives: PostgreSQL when `url` is `postgres://…`, otherwise PGlite. */
export interface OpenDatabaseOptions {
  /**
   * `postgres://…` or `postgresql://…` for PostgreSQL; `memory://` for in-memory PGlite;
   * `file:///path` for PGlite persisted in that folder. Absent: PGlite in `dataDir`, or in memory.
   */
  url?: string;
  /** Folder PGlite persists to when `url` is absent. */
  dataDir?: string;
  /** PostgreSQL only: most connections the pool opens (default 10). */
  maxConnections?: number;
  /**
   * PostgreSQL only: how long a query waits for a connection before it fails as unavailable
   * (default 5 s), so a server that accepts and never answers cannot hold requests forever.
   */
  connectTimeoutMs?: number;
  /** PostgreSQL only: errors of idle pooled connections (the next query fails loudly anyway). */
  onIdleConnectionError?: (error: Error) => void;
}

const INT8_OID = 20;
const IDENTIFIER_PATTERN = /^[a-z_][a-z0-9_]*$/;
/** Large COPY payloads go to the server in pieces so no single protocol message gets huge. */
const COPY_CHUNK_BYTES = 1 << 20;

/** bigint columns hold epoch milliseconds and counts; anything past 2^53 would be silently wrong as a number. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`bigint value ${text} does not fit a JavaScript number exactly`);
  }
  return value;
}

function assertIdentifier(name: string, what: string): void {
  if (!IDENTIFIER_PATTERN.test(name)) {
    throw new ValidationError(`${what} "${name}" is not a plain lower-case SQL identifier`);
  }
}

/** CSV text, or bytes in PostgreSQL's binary COPY format (see copy-binary.ts). */
export type CopyData = string | Uint8Array;

function copyStatement(table: string, columns: readonly string[], source: string, data: CopyData): string {
  assertIdentifier(table, 'COPY table');
  if (columns.length === 0) throw new ValidationError(`COPY into ${table} needs at least one column`);
  for (const column of columns) assertIdentifier(column, 'COPY column');
  const format = typeof data === 'string' ? 'csv' : 'binary';
  return `COPY ${table} (${columns.join(', ')}) FROM ${source} WITH (FORMAT ${format})`;
}

function hasParameters(params: readonly unknown[] | undefined): params is readonly unknown[] {
  return params !== undefined && params.length > 0;
}

/**
 * Opens the store's database. Both engines share the `Database` port and one SQL dialect.
 * A query without parameters goes over the simple protocol on both engines, so it may hold
 * several statements (migrations rely on this); rows of the last statement are returned.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const url = options.url?.trim();
  if (url && /^postgres(ql)?:\/\//i.test(url)) return openPostgres(url, options);
  if (url === undefined || url === '') return openPglite(options.dataDir);
  if (url === 'memory://') return openPglite(undefined);
  if (url.startsWith('file://')) return openPglite(fileURLToPath(url));
  throw new ValidationError(
    `database url "${url}" is not supported; use postgres://…, postgresql://…, memory:// or file:///folder`,
  );
}

// ---------------------------------------------------------------------------------------------
// PGlite

/**
 * Embedded Postgres shares the process with everything else: PostgreSQL's server defaults
 * (128 MB shared buffers) took a restarted `runecast up` to about 370 MB resident; these keep
 * it near 240 MB with no measurable change in the ingest benchmark.
 */
const PGLITE_SETTINGS = [
  'shared_buffers = 16MB',
  'work_mem = 8MB',
  'maintenance_work_mem = 32MB',
  'wal_buffers = 1MB',
].join('\n');

const PGLITE_INITDB = serverFile('src', 'store', 'pglite-initdb.mjs');

/** Creates a new database folder in a child process, which takes initdb's memory peak with it. */
async function initPgliteDataDir(dataDir: string): Promise<void> {
  const child = spawn(process.execPath, [PGLITE_INITDB, dataDir, PGLITE_SETTINGS], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    throw new Error(
      `could not create the embedded database in ${dataDir} (${signal ?? `exit ${code}`}): ${errors.trim().slice(-1000)}`,
    );
  }
}

/**
 * The empty database made when Runecast was built (scripts/build-server.mjs), and the PGlite
 * version that made it. PGlite writes postgresql.conf at every start, so one template serves
 * every setting.
 */
export const PGLITE_TEMPLATE = {
  dir: serverFile('dist', 'pglite-template'),
  stamp: serverFile('dist', 'pglite-template.json'),
};

function installedPgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let folder = dirname(require.resolve('@electric-sql/pglite'));
  while (!existsSync(join(folder, 'package.json'))) folder = dirname(folder);
  return (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string }).version;
}

function templateIsCurrent(template: typeof PGLITE_TEMPLATE): boolean {
  try {
    const stamp = JSON.parse(readFileSync(template.stamp, 'utf8')) as { pgliteVersion?: unknown };
    return stamp.pgliteVersion === installedPgliteVersion() && existsSync(join(template.dir, 'PG_VERSION'));
  } catch {
    return false;
  }
}

/**
 * Fills a new, empty database folder: a copy of the build's empty database when there is a
 * current one, otherwise PGlite's initdb in a child process (about 800 MB resident and 4 s;
 * the copy takes well under a second and no memory to speak of). The copy is made beside the
 * folder and renamed into place, so a crash never leaves a half-made database behind. Either way
 * the folder ends up private to this user (0700 folders, 0600 files), whatever modes the
 * build's copy or initdb left.
 */
export async function createPgliteDataDir(
  dataDir: string,
  template: typeof PGLITE_TEMPLATE = PGLITE_TEMPLATE,
): Promise<'template' | 'initdb'> {
  const empty = !existsSync(dataDir) || readdirSync(dataDir).length === 0;
  if (empty && templateIsCurrent(template)) {
    const staging = `${dataDir}.new-${process.pid}`;
    try {
      mkdirSync(dirname(dataDir), { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
      rmSync(staging, { recursive: true, force: true });
      cpSync(template.dir, staging, { recursive: true });
      makeTreePrivate(staging);
      if (existsSync(dataDir)) rmdirSync(dataDir);
      renameSync(staging, dataDir);
      return 'template';
    } catch {
      // The template changed under us (a rebuild): make the database the slow way.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  await initPgliteDataDir(dataDir);
  makeTreePrivate(dataDir);
  return 'initdb';
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir && !existsSync(join(dataDir, 'PG_VERSION'))) await createPgliteDataDir(dataDir);
  const pglite = await PGlite.create({
    dataDir,
    parsers: { [INT8_OID]: parseInt8 },
    postgresqlconf: PGLITE_SETTINGS,
  });
  return new PgliteDatabase(pglite);
}

type PgliteHandle = Pick<PgliteTransaction, 'query' | 'exec'>;

class PgliteDatabase implements Database {
  readonly engine: DatabaseEngine = 'pglite';
  private closing: Promise<void> | null = null;

  constructor(private readonly pglite: PGlite) {}

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return pgliteQuery<Row>(this.pglite, sql, params);
  }

  transaction<T>(work: (transaction: Database) => Promise<T>): Promise<T> {
    // PGlite has one connection; its transaction() holds a lock so other queries wait until commit.
    // `work` must therefore use the handle it is given: a query on this object would wait forever.
    return this.pglite.transaction(async (tx) => {
      const scope = new PgliteTransactionDatabase(tx, 0);
      try {
        return await work(scope);
      } finally {
        scope.finish();
      }
    });
  }

  copyFrom(table: string, columns: readonly string[], data: CopyData): Promise<void> {
    return pgliteCopy(this.pglite, table, columns, data);
  }

  close(): Promise<void> {
    this.closing ??= this.pglite.closed ? Promise.resolve() : this.pglite.close();
    return this.closing;
  }
}

class PgliteTransactionDatabase implements Database {
  readonly engine: DatabaseEngine = 'pglite';
  private finished = false;

  constructor(
    private readonly tx: PgliteTransaction,
    private readonly depth: number,
  ) {}

  finish(): void {
    this.finished = true;
  }

  private handle(): PgliteHandle {
    if (this.finished) throw new Error('this transaction has already ended; use the database instead');
    return this.tx;
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return pgliteQuery<Row>(this.handle(), sql, params);
  }

  transaction<T>(work: (transaction: Database) => Promise<T>): Promise<T> {
    return withSavepoint(
      this,
      this.depth,
      () => {
        const scope = new PgliteTransactionDatabase(this.tx, this.depth + 1);
        return { scope, finish: () => scope.finish() };
      },
      work,
    );
  }

  copyFrom(table: string, columns: readonly string[], data: CopyData): Promise<void> {
    return pgliteCopy(this.handle(), table, columns, data);
  }

  close(): Promise<void> {
    return Promise.reject(new Error('close the database, not a transaction'));
  }
}

/**
 * PGlite attaches a failed query's parameters (and options, with COPY data) to its error, and
 * whatever logs the error would then write them out: password hashes, tokens' hashes, secrets.
 * They are replaced by their count before the error leaves the store.
 */
export function withoutQueryParameters(error: unknown): unknown {
  if (error === null || typeof error !== 'object') return error;
  const record = error as Record<string, unknown>;
  if (Array.isArray(record.params)) record.params = `[${record.params.length} parameters, not shown]`;
  else if ('params' in record) delete record.params;
  if ('queryOptions' in record) delete record.queryOptions;
  return error;
}

async function pgliteQuery<Row>(
  handle: PgliteHandle,
  sql: string,
  params: readonly unknown[] | undefined,
): Promise<Row[]> {
  try {
    if (hasParameters(params)) {
      const result = await handle.query<Row>(sql, [...params]);
      return result.rows;
    }
    const results = await handle.exec(sql);
    return (results.at(-1)?.rows ?? []) as Row[];
  } catch (error) {
    throw withoutQueryParameters(error);
  }
}

async function pgliteCopy(
  handle: PgliteHandle,
  table: string,
  columns: readonly string[],
  data: CopyData,
): Promise<void> {
  const statement = copyStatement(table, columns, `'/dev/blob'`, data);
  if (data.length === 0) return;
  try {
    await handle.query(statement, [], { blob: new Blob([data as string | Uint8Array<ArrayBuffer>]) });
  } catch (error) {
    throw withoutQueryParameters(error);
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Database> {
  const createPool = (max: number) =>
    new pg.Pool({
      connectionString: url,
      max,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID && format !== 'binary'
            ? parseInt8
            : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
      },
    });
  const pool = createPool(options.maxConnections ?? 10);
  // One connection of its own for queries that must not queue behind bulk writes.
  const reservedPool = createPool(1);
  for (const each of [pool, reservedPool])
    each.on('error', (error) => options.onIdleConnectionError?.(error));
  const database = new PostgresDatabase(pool, reservedPool);
  try {
    await database.query('SELECT 1');
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  return database;
}

type PostgresQueryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

function rowsOf<Row>(result: pg.QueryResult | pg.QueryResult[]): Row[] {
  const last = Array.isArray(result) ? result.at(-1) : result;
  return (last?.rows ?? []) as Row[];
}

async function postgresQuery<Row>(
  queryable: PostgresQueryable,
  sql: string,
  params: readonly unknown[] | undefined,
): Promise<Row[]> {
  try {
    const result = hasParameters(params)
      ? await queryable.query(sql, [...params])
      : await queryable.query(sql);
    return rowsOf<Row>(result as pg.QueryResult | pg.QueryResult[]);
  } catch (error) {
    // A refused or dropped connection is an outage, not a fault of the query: typed, so the
    // API answers 503 with a retry hint and callers can tell the two apart.
    throw classifyStoreError(error);
  }
}

async function postgresCopy(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  data: CopyData,
): Promise<void> {
  const statement = copyStatement(table, columns, 'STDIN', data);
  if (data.length === 0) return;
  const bytes =
    typeof data === 'string'
      ? Buffer.from(data, 'utf8')
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += COPY_CHUNK_BYTES) {
    chunks.push(bytes.subarray(offset, offset + COPY_CHUNK_BYTES));
  }
  await pipeline(Readable.from(chunks), client.query(pgCopyStreams.from(statement)));
}

class PostgresDatabase implements Database {
  readonly engine: DatabaseEngine = 'postgres';
  private closing: Promise<void> | null = null;

  private reservedDatabase: Database | null = null;

  /** `reservedPool` (one connection, opened when first used) serves `reserved()`. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly reservedPool: pg.Pool,
  ) {}

  reserved(): Database {
    this.reservedDatabase ??= {
      engine: 'postgres',
      query: <Row>(sql: string, params?: readonly unknown[]) =>
        postgresQuery<Row>(this.reservedPool, sql, params),
      transaction: (work) => this.transaction(work),
      copyFrom: (table, columns, data) => this.copyFrom(table, columns, data),
      close: () => this.close(),
    };
    return this.reservedDatabase;
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return postgresQuery<Row>(this.pool, sql, params);
  }

  async transaction<T>(work: (transaction: Database) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let brokenConnection: Error | undefined;
    const scope = new PostgresTransactionDatabase(client, 0);
    try {
      await client.query('BEGIN');
      const result = await work(scope);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable; release(error) makes the pool discard it.
        brokenConnection = rollbackError as Error;
      }
      throw classifyStoreError(error);
    } finally {
      scope.finish();
      client.release(brokenConnection);
    }
  }

  async copyFrom(table: string, columns: readonly string[], data: CopyData): Promise<void> {
    const client = await this.connect();
    let brokenConnection: Error | undefined;
    try {
      await postgresCopy(client, table, columns, data);
    } catch (error) {
      // A COPY cut off half-way can leave the connection mid-protocol: never reuse it.
      brokenConnection = error as Error;
      throw classifyStoreError(error);
    } finally {
      client.release(brokenConnection);
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw classifyStoreError(error);
    }
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([this.pool.end(), this.reservedPool.end()]).then(() => undefined);
    return this.closing;
  }
}

class PostgresTransactionDatabase implements Database {
  readonly engine: DatabaseEngine = 'postgres';
  private finished = false;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly depth: number,
  ) {}

  finish(): void {
    this.finished = true;
  }

  private handle(): pg.PoolClient {
    if (this.finished) throw new Error('this transaction has already ended; use the database instead');
    return this.client;
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return postgresQuery<Row>(this.handle(), sql, params);
  }

  transaction<T>(work: (transaction: Database) => Promise<T>): Promise<T> {
    return withSavepoint(
      this,
      this.depth,
      () => {
        const scope = new PostgresTransactionDatabase(this.client, this.depth + 1);
        return { scope, finish: () => scope.finish() };
      },
      work,
    );
  }

  copyFrom(table: string, columns: readonly string[], data: CopyData): Promise<void> {
    return postgresCopy(this.handle(), table, columns, data);
  }

  close(): Promise<void> {
    return Promise.reject(new Error('close the database, not a transaction'));
  }
}

/** A transaction inside a transaction is a savepoint, so a failed inner part can roll back alone. */
async function withSavepoint<T>(
  outer: Database,
  depth: number,
  makeScope: () => { scope: Database; finish: () => void },
  work: (transaction: Database) => Promise<T>,
): Promise<T> {
  const savepoint = `runecast_savepoint_${depth + 1}`;
  const { scope, finish } = makeScope();
  await outer.query(`SAVEPOINT ${savepoint}`);
  try {
    const result = await work(scope);
    await outer.query(`RELEASE SAVEPOINT ${savepoint}`);
    return result;
  } catch (error) {
    await outer.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
    throw error;
  } finally {
    finish();
  }
}
