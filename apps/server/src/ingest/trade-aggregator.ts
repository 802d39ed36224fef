import {
  assertValidCandle,
  type Candle,
  floorToGrid,
  type Timeframe,
  timeframeMs,
  type TimeRange,
  type Trade,
  ValidationError,
} from '@runecast/market';

/**
 * An exact decimal: `units / 10^scale`. Exchanges sum trade sizes in decimal, so summing doubles
 * (0.1 + 0.2 = 0.30000000000000004) would not give their volumes back.
 */
interface Decimal {
  units: bigint;
  scale: number;
}

function toDecimal(value: number): Decimal {
  // The shortest round-tripping text of a double is the decimal the exchange sent.
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!match) throw new ValidationError(`cannot read ${text} as a decimal number`);
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  let units = BigInt(`${sign}${whole}${fraction}`);
  let scale = fraction.length - Number(exponentText);
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units, scale };
}

function rescale(decimal: Decimal, scale: number): bigint {
  return decimal.units * 10n ** BigInt(scale - decimal.scale);
}

function addDecimals(left: Decimal, right: Decimal): Decimal {
  const scale = Math.max(left.scale, right.scale);
  return { units: rescale(left, scale) + rescale(right, scale), scale };
}

function multiplyDecimals(left: Decimal, right: Decimal): Decimal {
  return { units: left.units * right.units, scale: left.scale + right.scale };
}

function decimalToNumber(decimal: Decimal): number {
  const negative = decimal.units < 0n;
  const digits = (negative ? -decimal.units : decimal.units).toString().padStart(decimal.scale + 1, '0');
  const cut = digits.length - decimal.scale;
  const text = decimal.scale === 0 ? digits : `${digits.slice(0, cut)}.${digits.slice(cut)}`;
  return Number(negative ? `-${text}` : text);
}

const ZERO: Decimal = { units: 0n, scale: 0 };

export interface AggregateTradesParams {
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  trades: readonly Trade[];
  /**
   * Intervals without trades: `skip` leaves them out; `carry-forward` makes a flat zero-volume
   * candle at the previous close, as Binance publishes them. Carried candles are made only
   * between the first trade and the end of `range` (or the last trade).
   */
  emptyIntervals?: 'skip' | 'carry-forward';
  /** Only trades inside this range count; it should lie on the timeframe grid. */
  range?: TimeRange;
  /**
   * Candles ending at or before this time are closed. Defaults to "all of them": the caller
   * vouches that the trades are complete.
   */
  closedBeforeMs?: number;
}

function compareTradeIds(left: string, right: string): number {
  if (/^\d+$/.test(left) && /^\d+$/.test(right)) {
    const difference = BigInt(left) - BigInt(right);
    return difference < 0n ? -1 : difference > 0n ? 1 : 0;
  }
  return left < right ? -1 : left > right ? 1 : 0;
}

function assertTrade(trade: Trade, params: AggregateTradesParams): void {
  const where = `trade ${JSON.stringify(trade.tradeId)} of ${trade.exchange}:${trade.symbol}`;
  if (trade.exchange !== params.exchange || trade.symbol !== params.symbol) {
    throw new ValidationError(`${where} does not belong to ${params.exchange}:${params.symbol}`);
  }
  if (typeof trade.tradeId !== 'string' || trade.tradeId.length === 0) {
    throw new ValidationError(`${where}: trade id must be a non-empty string`);
  }
  if (!Number.isSafeInteger(trade.timestampMs) || trade.timestampMs < 0) {
    throw new ValidationError(`${where}: timestamp ${String(trade.timestampMs)} is not epoch milliseconds`);
  }
  if (!Number.isFinite(trade.price) || trade.price <= 0) {
    throw new ValidationError(`${where}: price ${String(trade.price)} must be a positive number`);
  }
  if (!Number.isFinite(trade.amount) || trade.amount <= 0) {
    throw new ValidationError(`${where}: amount ${String(trade.amount)} must be a positive number`);
  }
}

interface Bucket {
  openTimeMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: Decimal;
  quoteVolume: Decimal;
  tradeCount: number;
}

/**
 * Builds candles from trades the way exchanges do: open of the first trade, highest and lowest
 * price, close of the last trade (by time, then trade id), exact decimal sums of base and quote
 * volume, and the trade count. A trade id seen twice counts once. Pure.
 */
export function aggregateTrades(params: AggregateTradesParams): Candle[] {
  const stepMs = timeframeMs(params.timeframe);
  const seen = new Set<string>();
  const trades: Trade[] = [];
  for (const trade of params.trades) {
    assertTrade(trade, params);
    if (params.range && (trade.timestampMs < params.range.startMs || trade.timestampMs >= params.range.endMs))
      continue;
    if (seen.has(trade.tradeId)) continue;
    seen.add(trade.tradeId);
    trades.push(trade);
  }
  trades.sort(
    (left, right) => left.timestampMs - right.timestampMs || compareTradeIds(left.tradeId, right.tradeId),
  );

  const buckets: Bucket[] = [];
  for (const trade of trades) {
    const openTimeMs = floorToGrid(trade.timestampMs, params.timeframe);
    const price = toDecimal(trade.price);
    const amount = toDecimal(trade.amount);
    let bucket = buckets.at(-1);
    if (bucket === undefined || bucket.openTimeMs !== openTimeMs) {
      bucket = {
        openTimeMs,
        open: trade.price,
        high: trade.price,
        low: trade.price,
        close: trade.price,
        volume: ZERO,
        quoteVolume: ZERO,
        tradeCount: 0,
      };
      buckets.push(bucket);
    }
    bucket.high = Math.max(bucket.high, trade.price);
    bucket.low = Math.min(bucket.low, trade.price);
    bucket.close = trade.price;
    bucket.volume = addDecimals(bucket.volume, amount);
    bucket.quoteVolume = addDecimals(bucket.quoteVolume, multiplyDecimals(price, amount));
    bucket.tradeCount += 1;
  }

  const closedBeforeMs = params.closedBeforeMs ?? Number.POSITIVE_INFINITY;
  const toCandle = (bucket: Bucket): Candle => {
    const candle: Candle = {
      exchange: params.exchange,
      symbol: params.symbol,
      timeframe: params.timeframe,
      openTimeMs: bucket.openTimeMs,
      open: bucket.open,
      high: bucket.high,
      low: bucket.low,
      close: bucket.close,
      volume: decimalToNumber(bucket.volume),
      quoteVolume: decimalToNumber(bucket.quoteVolume),
      tradeCount: bucket.tradeCount,
      closed: bucket.openTimeMs + stepMs <= closedBeforeMs,
    };
    assertValidCandle(candle);
    return candle;
  };

  if (params.emptyIntervals !== 'carry-forward' || buckets.length === 0) return buckets.map(toCandle);
  const candles: Candle[] = [];
  const lastOpenTimeMs =
    params.range === undefined
      ? buckets.at(-1)!.openTimeMs
      : floorToGrid(params.range.endMs - 1, params.timeframe);
  let index = 0;
  let previousClose = buckets[0]!.open;
  for (let openTimeMs = buckets[0]!.openTimeMs; openTimeMs <= lastOpenTimeMs; openTimeMs += stepMs) {
    const bucket = buckets[index];
    if (bucket !== undefined && bucket.openTimeMs === openTimeMs) {
      candles.push(toCandle(bucket));
      previousClose = bucket.close;
      index += 1;
      continue;
    }
    candles.push(
      toCandle({
        openTimeMs,
        open: previousClose,
        high: previousClose,
        low: previousClose,
        close: previousClose,
        volume: ZERO,
        quoteVolume: ZERO,
        tradeCount: 0,
      }),
    );
  }
  return candles;
}
