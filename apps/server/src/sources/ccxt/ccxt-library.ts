import { createRequire } from 'node:module';
import type ccxtModule from 'ccxt';

/**
 * The ccxt library, loaded through its CommonJS build (require). Imported as ES modules, ccxt is some
 * 700 files that all pass through the TypeScript loader, which kept about 95 MB more resident
 * memory in `runecast up` (measured: 242 MB against 148 MB for ccxt alone). Every runtime use
 * of ccxt goes through this one copy, so its error classes match in `instanceof` checks.
 */
export const ccxt = createRequire(import.meta.url)('ccxt') as typeof ccxtModule;
