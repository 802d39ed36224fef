import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openStoreWithDatabase } from '../src/store/testing/store-with-database.ts';
import type { Database } from '../src/store/database.port.ts';
import type { Store } from '../src/store/store.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

let database: { url: string; drop: () => Promise<void> };
let store: Store;
let db: Database;

before(async () => {
  database = await createTestPostgresDatabase();
  // A small pool that gives up quickly, so a starved lease query would fail within the test.
  ({ store, db } = await openStoreWithDatabase({
    url: database.url,
    maxConnections: 2,
    connectTimeoutMs: 1_000,
  }));
});

after(async () => {
  await store?.close();
  await database?.drop();
});

test('leases renew while every pooled connection is busy with long writes', async () => {
  assert.deepEqual(await store.leases.acquire('owner', ['ingest:a', 'ingest:b'], 60_000, 2), [
    'ingest:a',
    'ingest:b',
  ]);
  // Every connection of the shared pool is held for 3 s, far past its 1 s wait for a connection.
  const busy = [db.query('SELECT pg_sleep(3)'), db.query('SELECT pg_sleep(3)')];
  await new Promise((resolve) => setTimeout(resolve, 200));
  const startedAtMs = Date.now();
  assert.equal(await store.leases.heartbeat('ingest', 'owner', 60_000), 1);
  assert.deepEqual(await store.leases.renew('owner', ['ingest:a', 'ingest:b'], 60_000), [
    'ingest:a',
    'ingest:b',
  ]);
  const tookMs = Date.now() - startedAtMs;
  assert.ok(tookMs < 1_000, `renewal waited ${tookMs} ms for a connection`);
  // The shared pool itself is starved meanwhile: the same query there fails.
  await assert.rejects(db.query('SELECT 1'), /cannot be reached|timeout/);
  await Promise.all(busy);
});
