import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server tests use: 127.0.0.1:5432, trust auth, database `test`. */
export const TEST_POSTGRES_URL =
  process.env.RUNECAST_TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test';

/**
 * Creates a fresh database on the test server so parallel tests never share tables.
 * Returns its URL and a function that drops it.
 */
export async function createTestPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `runecast_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
