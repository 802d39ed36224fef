import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type ccxtModule from 'ccxt';
import type { Exchange } from 'ccxt';

/**
 * ccxt, loaded one exchange at a time from its CommonJS build (one file per exchange under
 * dist/cjs/src, the websocket versions under src/pro). Loading the whole library, as
 * `require('ccxt')` does, compiles every one of its ~100 exchanges: measured with
 * process.memoryUsage, that is 101 MB resident and 43 MB of heap against 67 MB and 14 MB for
 * Binance, Kraken and Coinbase with their websocket versions. Every use of ccxt goes through
 * this module, so its error classes are the ones the exchanges throw (`instanceof` holds).
 */
const require = createRequire(import.meta.url);
/** dist/cjs: `require.resolve('ccxt')` names dist/ccxt.cjs, which re-exports cjs/ccxt.js. */
const CJS_ROOT = join(dirname(require.resolve('ccxt')), 'cjs');

export type ExchangeConstructor = new (config: Record<string, unknown>) => Exchange;

let helpersLoaded = false;

function requireCcxtFile(relativePath: string): unknown {
  if (!helpersLoaded) {
    // Registers the bundled modules some exchanges require by path (its full entry does this first too).
    require(join(CJS_ROOT, '_virtual', 'index.cjs.js'));
    helpersLoaded = true;
  }
  return require(join(CJS_ROOT, relativePath));
}

/** The keys of one `const NAME = { 'id': …, }` table in ccxt's entry file: its exchange ids. */
function tableKeys(entrySource: string, name: string): string[] {
  const start = entrySource.indexOf(`const ${name} = {`);
  const end = start === -1 ? -1 : entrySource.indexOf('};', start);
  if (end === -1) return [];
  return [...entrySource.slice(start, end).matchAll(/^\s*'([a-z0-9]+)':/gm)].map((match) => match[1]!);
}

interface ExchangeIds {
  rest: readonly string[];
  websocket: ReadonlySet<string>;
}

let exchangeIds: ExchangeIds | null = null;

/** The ids ccxt lists, read from its entry file rather than by loading every exchange. */
function knownExchangeIds(): ExchangeIds {
  if (exchangeIds !== null) return exchangeIds;
  const entrySource = readFileSync(join(CJS_ROOT, 'ccxt.js'), 'utf8');
  const rest = tableKeys(entrySource, 'exchanges');
  const websocket = tableKeys(entrySource, 'pro');
  if (rest.length === 0) {
    // A ccxt whose entry file reads differently: ask the whole library (slower, more memory).
    const whole = require('ccxt') as typeof ccxtModule;
    exchangeIds = {
      rest: [...whole.exchanges],
      websocket: new Set((whole.pro as unknown as { exchanges: string[] }).exchanges),
    };
  } else {
    exchangeIds = { rest, websocket: new Set(websocket) };
  }
  return exchangeIds;
}

/** Exchange ids ccxt can build a REST client for. */
export function ccxtExchangeIds(): string[] {
  return [...knownExchangeIds().rest];
}

/** The class of one exchange's REST client, or its websocket (ccxt.pro) client; undefined when ccxt has none. */
export function ccxtExchangeClass(id: string, kind: 'rest' | 'websocket'): ExchangeConstructor | undefined {
  const ids = knownExchangeIds();
  const known = kind === 'rest' ? ids.rest.includes(id) : ids.websocket.has(id);
  if (!known) return undefined;
  const module = requireCcxtFile(kind === 'rest' ? `src/${id}.js` : `src/pro/${id}.js`) as {
    default: ExchangeConstructor;
  };
  return module.default;
}

type CcxtErrorClasses = Pick<
  typeof ccxtModule,
  | 'BadRequest'
  | 'BadResponse'
  | 'BadSymbol'
  | 'BaseError'
  | 'ChecksumError'
  | 'DDoSProtection'
  | 'ExchangeClosedByUser'
  | 'ExchangeError'
  | 'ExchangeNotAvailable'
  | 'NetworkError'
  | 'NotSupported'
  | 'OnMaintenance'
  | 'RateLimitExceeded'
  | 'RequestTimeout'
>;

/** ccxt's error classes, the same ones its exchanges throw. */
export const ccxtErrors = requireCcxtFile(join('src', 'base', 'errors.js')) as CcxtErrorClasses;
