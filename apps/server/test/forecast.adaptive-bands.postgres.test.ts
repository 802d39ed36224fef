import { after } from 'node:test';
import { adaptiveBandsSuite } from './forecast.adaptive-bands-suite.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

const database = await createTestPostgresDatabase();
after(() => database.drop());
adaptiveBandsSuite('postgres', async () => ({ url: database.url }));
