import { after } from 'node:test';
import { openStore } from '../src/store/store.ts';
import { runJobQueueSuite } from './jobs.queue-suite.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

const drops: Array<() => Promise<void>> = [];
after(async () => {
  for (const drop of drops) await drop();
});

runJobQueueSuite('PostgreSQL', async () => {
  const created = await createTestPostgresDatabase();
  drops.push(created.drop);
  return (await openStore({ url: created.url })).db;
});
