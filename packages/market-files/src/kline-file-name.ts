import type { KlineFileFormat } from './kline-file.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Fixed-length kline intervals used in Binance and freqtrade file names, in milliseconds. */
export const KLINE_TIMEFRAME_MS: Readonly<Record<string, number>> = {
  '1s': 1000,
  '1m': MINUTE_MS,
  '3m': 3 * MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '30m': 30 * MINUTE_MS,
  '1h': HOUR_MS,
  '2h': 2 * HOUR_MS,
  '4h': 4 * HOUR_MS,
  '6h': 6 * HOUR_MS,
  '8h': 8 * HOUR_MS,
  '12h': 12 * HOUR_MS,
  '1d': DAY_MS,
  '3d': 3 * DAY_MS,
  '1w': 7 * DAY_MS,
};

export function klineTimeframeMs(timeframe: string): number | null {
  return KLINE_TIMEFRAME_MS[timeframe] ?? null;
}

/**
 * Quote currencies used to split Binance symbols (`BTCUSDT` → BTC/USDT); the longest
 * matching suffix wins, so `FDUSD` is tried before `USD`.
 */
export const KNOWN_QUOTE_CURRENCIES: readonly string[] = [
  'FDUSD',
  'USDT',
  'USDC',
  'BUSD',
  'TUSD',
  'USDP',
  'USDS',
  'DAI',
  'BTC',
  'ETH',
  'BNB',
  'EUR',
  'USD',
  'TRY',
  'GBP',
  'AUD',
  'BRL',
  'JPY',
  'RUB',
  'UAH',
  'ZAR',
  'PLN',
  'RON',
  'ARS',
  'MXN',
  'COP',
  'CZK',
  'NGN',
  'IDR',
  'BIDR',
  'IDRT',
  'XRP',
  'TRX',
  'DOGE',
  'DOT',
  'SOL',
].sort((left, right) => right.length - left.length);

export interface KlineFileName {
  /** Unified symbol, `BTC/USDT`. */
  symbol: string;
  base: string;
  quote: string;
  timeframe: string;
  format: KlineFileFormat;
  compressed: boolean;
  /** Binance files only: the month or day the file covers (`2023-08`, `2023-08-01`). */
  period: string | null;
}

/** `BTCUSDT` → `{ base: 'BTC', quote: 'USDT' }`, or null when no known quote currency ends it. */
export function splitExchangeSymbol(symbolId: string): { base: string; quote: string } | null {
  const upper = symbolId.toUpperCase();
  for (const quote of KNOWN_QUOTE_CURRENCIES) {
    if (upper.length > quote.length && upper.endsWith(quote)) {
      return { base: upper.slice(0, -quote.length), quote };
    }
  }
  return null;
}

const FREQTRADE_NAME = /^([A-Z0-9]+)_([A-Z0-9]+)-([0-9]+[smhdw])\.json(\.gz)?$/;
const BINANCE_NAME = /^([A-Z0-9]+)-([0-9]+[smhdw])-(\d{4}-\d{2}(?:-\d{2})?)\.csv(\.gz)?$/;

/**
 * Reads symbol, timeframe and format from a kline file name: freqtrade's `BTC_USDT-1m.json(.gz)`
 * or Binance's `BTCUSDT-1m-2023-08(.csv|.csv.gz)` / `BTCUSDT-1m-2023-08-01.csv`.
 * Returns null for any other name (trade files, other timeframes, other formats).
 */
export function parseKlineFileName(fileName: string): KlineFileName | null {
  const baseName = fileName.split(/[\\/]/).pop() ?? fileName;
  const freqtrade = FREQTRADE_NAME.exec(baseName);
  if (freqtrade) {
    const [, base = '', quote = '', timeframe = '', gzipSuffix] = freqtrade;
    if (klineTimeframeMs(timeframe) === null) return null;
    return {
      symbol: `${base}/${quote}`,
      base,
      quote,
      timeframe,
      format: 'freqtrade-json',
      compressed: gzipSuffix !== undefined,
      period: null,
    };
  }
  const binance = BINANCE_NAME.exec(baseName);
  if (binance) {
    const [, symbolId = '', timeframe = '', period = '', gzipSuffix] = binance;
    if (klineTimeframeMs(timeframe) === null) return null;
    const pair = splitExchangeSymbol(symbolId);
    if (pair === null) return null;
    return {
      symbol: `${pair.base}/${pair.quote}`,
      base: pair.base,
      quote: pair.quote,
      timeframe,
      format: 'binance-csv',
      compressed: gzipSuffix !== undefined,
      period,
    };
  }
  return null;
}
