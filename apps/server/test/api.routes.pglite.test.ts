import { describeApiRoutes } from './support/http/api-routes.contract.ts';

describeApiRoutes('PGlite', async () => ({ options: {}, cleanup: async () => undefined }));
