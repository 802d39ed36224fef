import { ValidationError } from './errors.ts';
import { parseTimeframe, type Timeframe } from './timeframe.ts';

/** One candle series: `binance:BTC/USDT:1m`. */
export interface SeriesKey {
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
}

const SYMBOL_PATTERN = /^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$/;
const EXCHANGE_PATTERN = /^[a-z][a-z0-9]{1,30}$/;

export function isValidSymbol(symbol: string): boolean {
  return SYMBOL_PATTERN.test(symbol);
}

export function isValidExchangeId(exchange: string): boolean {
  return EXCHANGE_PATTERN.test(exchange);
}

export function formatSeriesKey(key: SeriesKey): string {
  return `${key.exchange}:${key.symbol}:${key.timeframe}`;
}

export function parseSeriesKey(text: string): SeriesKey {
  const lastColon = text.lastIndexOf(':');
  const firstColon = text.indexOf(':');
  if (firstColon <= 0 || lastColon === firstColon) {
    throw new ValidationError(
      `series "${text}" must look like exchange:BASE/QUOTE:timeframe, e.g. binance:BTC/USDT:1m`,
    );
  }
  const exchange = text.slice(0, firstColon);
  const symbol = text.slice(firstColon + 1, lastColon);
  const timeframeText = text.slice(lastColon + 1);
  if (!isValidExchangeId(exchange))
    throw new ValidationError(`series "${text}": bad exchange id "${exchange}"`);
  if (!isValidSymbol(symbol))
    throw new ValidationError(`series "${text}": bad symbol "${symbol}" (want BASE/QUOTE)`);
  let timeframe: Timeframe;
  try {
    timeframe = parseTimeframe(timeframeText);
  } catch (error) {
    throw new ValidationError(`series "${text}": ${(error as Error).message}`);
  }
  return { exchange, symbol, timeframe };
}

/** Bus topic segment for a symbol: `BTC/USDT` → `BTC-USDT` (NATS subjects cannot hold `/` wildcards safely). */
export function symbolTopicSegment(symbol: string): string {
  return symbol.replaceAll('/', '-').replaceAll(':', '_');
}
