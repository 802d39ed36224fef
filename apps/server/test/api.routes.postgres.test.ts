import { describeApiRoutes } from '../src/http/testing/api-routes.contract.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

describeApiRoutes('PostgreSQL', async () => {
  const database = await createTestPostgresDatabase();
  return { options: { databaseUrl: database.url }, cleanup: database.drop };
});
