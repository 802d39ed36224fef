import { describeForecastingRoutes } from './support/http/forecasting-routes.contract.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

describeForecastingRoutes('PostgreSQL', async () => {
  const database = await createTestPostgresDatabase();
  return { options: { databaseUrl: database.url }, cleanup: database.drop };
});
