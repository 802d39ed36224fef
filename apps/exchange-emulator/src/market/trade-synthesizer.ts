import type { KlineRow } from '@runecast/market-files';
import { decimalsOf, sumExact, toUnits, unitsToNumber } from './decimal.ts';
import type { EmulatorTrade } from './market-types.ts';
import { createRandom, mixSeed } from './seeded-random.ts';

export interface TradeSynthesisSettings {
  symbolSeed: number;
  /** At most this many synthetic (aggregate) trades per candle; the rest of the count goes into id ranges. */
  maximumTradesPerCandle: number;
  /** Price grid of the series: trades between the candle's extremes are rounded to it. */
  priceDecimals: number;
  volumeDecimals: number;
}

export interface TradePlan {
  /** Synthetic trades the candle gets. */
  aggregateCount: number;
  /** Exchange trade count the candle reports (the sum of the aggregate trades' id ranges). */
  tradeCount: number;
}

const MINUTE_MS = 60_000;
const AGGREGATE_IDS_PER_MINUTE = 1000;
const TRADE_IDS_PER_MINUTE = 1_000_000;
const MAXIMUM_QUANTITY_DECIMALS = 16;

function pricePath(row: KlineRow): number[] {
  // Up candles dip first and then rally; down candles the other way round.
  const points =
    row.close >= row.open
      ? [row.open, row.low, row.high, row.close]
      : [row.open, row.high, row.low, row.close];
  return points.filter((price, index) => index === 0 || price !== points[index - 1]);
}

function randomFor(row: KlineRow, timeframeMs: number, settings: TradeSynthesisSettings): () => number {
  return createRandom(mixSeed(settings.symbolSeed, row.openTimeMs, timeframeMs));
}

function planWith(row: KlineRow, random: () => number, settings: TradeSynthesisSettings): TradePlan {
  const planned =
    row.tradeCount !== null && row.tradeCount > 0
      ? Math.min(row.tradeCount, settings.maximumTradesPerCandle)
      : 2 + Math.floor(random() * (settings.maximumTradesPerCandle - 1));
  if (row.volume === 0) return { aggregateCount: 0, tradeCount: 0 };
  const aggregateCount = Math.max(planned, pricePath(row).length);
  const tradeCount =
    row.tradeCount !== null && row.tradeCount >= aggregateCount ? row.tradeCount : aggregateCount;
  return { aggregateCount, tradeCount };
}

/** How many trades a candle gets, without building them (cheap; used for trade counts of candles). */
export function planTrades(row: KlineRow, timeframeMs: number, settings: TradeSynthesisSettings): TradePlan {
  return planWith(row, randomFor(row, timeframeMs, settings), settings);
}

function splitUnits(total: bigint, count: number, random: () => number): bigint[] {
  const weights = Array.from({ length: count }, () =>
    BigInt(Math.floor((0.15 + random() * random() * 3) * 1e6)),
  );
  const weightSum = weights.reduce((sum, weight) => sum + weight, 0n);
  const parts = weights.map((weight) => (total * weight) / weightSum);
  let remainder = total - parts.reduce((sum, part) => sum + part, 0n);
  for (let index = 0; remainder > 0n; index = (index + 1) % count) {
    parts[index]! += 1n;
    remainder -= 1n;
  }
  // Every trade needs a positive quantity; take single units from the largest part.
  for (let index = 0; index < count; index += 1) {
    if (parts[index]! > 0n) continue;
    let largest = 0;
    for (let other = 1; other < count; other += 1) if (parts[other]! > parts[largest]!) largest = other;
    parts[largest]! -= 1n;
    parts[index] = 1n;
  }
  return parts;
}

/**
 * Deterministic trades for one candle whose aggregation gives back the candle exactly: the first
 * trade is at the open time and the open price, the last at the close price, the extremes are
 * traded, every price lies on the series' price grid, and the quantities add up to the volume to
 * the last decimal. The same candle always yields the same trades.
 */
export function synthesizeTrades(
  row: KlineRow,
  timeframeMs: number,
  settings: TradeSynthesisSettings,
): EmulatorTrade[] {
  const random = randomFor(row, timeframeMs, settings);
  const plan = planWith(row, random, settings);
  if (plan.aggregateCount === 0) return [];
  const count = plan.aggregateCount;
  const path = pricePath(row);
  const priceScale = 10 ** settings.priceDecimals;
  const prices: number[] = [path[0]!];
  const fillsPerSegment = new Array<number>(Math.max(1, path.length - 1)).fill(0);
  for (let fill = 0; fill < count - path.length; fill += 1) {
    fillsPerSegment[Math.floor(random() * fillsPerSegment.length)]! += 1;
  }
  for (let segment = 0; segment < fillsPerSegment.length; segment += 1) {
    const from = path[segment]!;
    const to = path[segment + 1] ?? from;
    const fills = fillsPerSegment[segment]!;
    for (let fill = 1; fill <= fills; fill += 1) {
      const along = from + ((to - from) * fill) / (fills + 1);
      const noisy = along + (random() - 0.5) * (row.high - row.low) * 0.2;
      const clamped = Math.min(row.high, Math.max(row.low, noisy));
      prices.push(Math.min(row.high, Math.max(row.low, Math.round(clamped * priceScale) / priceScale)));
    }
    if (segment + 1 < path.length) prices.push(to);
  }

  let quantityDecimals = Math.max(settings.volumeDecimals, decimalsOf(row.volume));
  let units = toUnits(row.volume, quantityDecimals);
  while (units < BigInt(count) && quantityDecimals < MAXIMUM_QUANTITY_DECIMALS) {
    quantityDecimals += 1;
    units *= 10n;
  }
  const quantities = splitUnits(units, count, random).map((part) => unitsToNumber(part, quantityDecimals));

  const spanMs = timeframeMs - 1;
  const times = [row.openTimeMs];
  const stride = spanMs / Math.max(1, count - 1);
  for (let index = 0; index < count - 1; index += 1) {
    const offset = Math.floor((index + random()) * stride) + 1;
    times.push(Math.max(row.openTimeMs + offset, (times[times.length - 1] ?? row.openTimeMs) + 1));
  }

  const extraIds = plan.tradeCount - count;
  const idShares = Array.from({ length: count }, () => random());
  const shareSum = idShares.reduce((sum, share) => sum + share, 0) || 1;
  const idCounts = idShares.map((share) => 1 + Math.floor((extraIds * share) / shareSum));
  let missing = plan.tradeCount - idCounts.reduce((sum, idCount) => sum + idCount, 0);
  for (let index = 0; missing > 0; index = (index + 1) % count, missing -= 1) idCounts[index]! += 1;

  const minuteIndex = Math.floor(row.openTimeMs / MINUTE_MS);
  let nextTradeId = minuteIndex * TRADE_IDS_PER_MINUTE;
  let previousPrice = prices[0]!;
  return prices.map((price, index) => {
    const idCount = idCounts[index]!;
    const buyerIsMaker = price < previousPrice ? true : price > previousPrice ? false : random() < 0.5;
    previousPrice = price;
    const trade: EmulatorTrade = {
      id: minuteIndex * AGGREGATE_IDS_PER_MINUTE + index,
      firstTradeId: nextTradeId,
      lastTradeId: nextTradeId + idCount - 1,
      timeMs: times[index]!,
      price,
      quantity: quantities[index]!,
      buyerIsMaker,
    };
    nextTradeId += idCount;
    return trade;
  });
}

/** The minute of the candle an aggregate trade id belongs to (ids are minute index × 1000 + n). */
export function aggregateIdMinuteStart(aggregateId: number): number {
  return Math.floor(aggregateId / AGGREGATE_IDS_PER_MINUTE) * MINUTE_MS;
}

export interface TradeAggregate {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number;
  tradeCount: number;
}

/** OHLCV of trades in time order; volume summed exactly. Null for no trades. */
export function aggregateTrades(trades: readonly EmulatorTrade[]): TradeAggregate | null {
  const first = trades[0];
  const last = trades[trades.length - 1];
  if (!first || !last) return null;
  let high = first.price;
  let low = first.price;
  let quoteVolume = 0;
  let tradeCount = 0;
  let decimals = 0;
  for (const trade of trades) {
    high = Math.max(high, trade.price);
    low = Math.min(low, trade.price);
    quoteVolume += trade.price * trade.quantity;
    tradeCount += trade.lastTradeId - trade.firstTradeId + 1;
    decimals = Math.max(decimals, decimalsOf(trade.quantity));
  }
  const volume = sumExact(
    trades.map((trade) => trade.quantity),
    decimals,
  );
  return { open: first.price, high, low, close: last.price, volume, quoteVolume, tradeCount };
}
