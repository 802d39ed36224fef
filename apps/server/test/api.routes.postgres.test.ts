import { describeApiRoutes } from './support/http/api-routes.contract.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

describeApiRoutes('PostgreSQL', async () => {
  const database = await createTestPostgresDatabase();
  return { options: { databaseUrl: database.url }, cleanup: database.drop };
});
