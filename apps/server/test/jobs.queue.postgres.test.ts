import { after } from 'node:test';
import { openStoreWithDatabase } from '../src/store/testing/store-with-database.ts';
import { runJobQueueSuite } from './jobs.queue-suite.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

const drops: Array<() => Promise<void>> = [];
after(async () => {
  for (const drop of drops) await drop();
});

runJobQueueSuite('PostgreSQL', async () => {
  const created = await createTestPostgresDatabase();
  drops.push(created.drop);
  return (await openStoreWithDatabase({ url: created.url })).db;
});
