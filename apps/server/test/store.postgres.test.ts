import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openDatabase } from '../src/store/db.ts';
import { readMigrationFiles, runMigrations } from '../src/store/migrate.ts';
import { runStoreContract } from '../src/store/store.contract.ts';
import type { Database } from '../src/store/database.port.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

const databasesToDrop: Array<() => Promise<void>> = [];

after(async () => {
  for (const drop of databasesToDrop) await drop();
});

async function freshDatabaseUrl(): Promise<string> {
  const created = await createTestPostgresDatabase();
  databasesToDrop.push(created.drop);
  return created.url;
}

runStoreContract('PostgreSQL', async () => {
  const database = await openDatabase({ url: await freshDatabaseUrl() });
  assert.equal(database.engine, 'postgres');
  assert.deepEqual(
    await runMigrations(database),
    (await readMigrationFiles()).map((file) => file.name),
  );
  return database;
});

test('processes migrating one database at the same time apply each migration once', async () => {
  const url = await freshDatabaseUrl();
  const databases: Database[] = [];
  try {
    for (let index = 0; index < 4; index += 1) databases.push(await openDatabase({ url }));
    const applied = await Promise.all(databases.map((database) => runMigrations(database)));
    const migrationNames = (await readMigrationFiles()).map((file) => file.name);
    assert.deepEqual(applied.flat().sort(), migrationNames);
    const [row] = await databases[0]!.query<{ count: number }>(
      'SELECT count(*) AS count FROM schema_migrations',
    );
    assert.equal(row?.count, migrationNames.length);
  } finally {
    await Promise.all(databases.map((database) => database.close()));
  }
});

test('a transaction holds one connection while others keep working', async () => {
  const database = await openDatabase({ url: await freshDatabaseUrl(), maxConnections: 2 });
  try {
    await database.query('CREATE TABLE counters (name text PRIMARY KEY, value int NOT NULL)');
    let releaseTransaction!: () => void;
    const held = new Promise<void>((resolve) => (releaseTransaction = resolve));
    const transaction = database.transaction(async (inner) => {
      await inner.query("INSERT INTO counters VALUES ('a', 1)");
      await held;
      return inner.query<{ value: number }>("SELECT value FROM counters WHERE name = 'a'");
    });
    // Outside the open transaction its row is not visible yet.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(await database.query("SELECT value FROM counters WHERE name = 'a'"), []);
    releaseTransaction();
    assert.deepEqual(await transaction, [{ value: 1 }]);
    assert.deepEqual(await database.query("SELECT value FROM counters WHERE name = 'a'"), [{ value: 1 }]);
  } finally {
    await database.close();
    await database.close();
  }
});

test('a connection error names the problem and leaves nothing open', async () => {
  const url = new URL(await freshDatabaseUrl());
  url.pathname = '/runecast_no_such_database';
  await assert.rejects(openDatabase({ url: url.toString() }), /runecast_no_such_database/);
});
