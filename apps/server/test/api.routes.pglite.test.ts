import { describeApiRoutes } from '../src/http/testing/api-routes.contract.ts';

describeApiRoutes('PGlite', async () => ({ options: {}, cleanup: async () => undefined }));
