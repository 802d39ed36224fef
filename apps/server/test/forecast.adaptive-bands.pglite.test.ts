import { adaptiveBandsSuite } from './forecast.adaptive-bands-suite.ts';

adaptiveBandsSuite('pglite', async () => ({}));
