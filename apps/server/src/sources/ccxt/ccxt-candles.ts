import {
  assertValidCandle,
  type Candle,
  floorToGrid,
  InvalidCandleError,
  isOnGrid,
  sameCandleValues,
  type Timeframe,
  timeframeMs,
  type TimeRange,
} from '@runecast/market';
import type { CandlePage, RejectedCandleRow } from '../market-data-source.port.ts';
import type { ExchangeProfile } from './ccxt-capabilities.ts';

/** One kline row as the exchange sent it and as ccxt parsed it (`[time, o, h, l, c, v]`). */
export interface CandleRow {
  raw: unknown;
  parsed: unknown;
}

/**
 * Rows an exchange profile's reader made of a spot candle answer (`decodeCandleRows`), as the
 * page builder takes them: their first six columns already are ccxt's OHLCV, so each row is its
 * own parse. A row too short or without a whole time goes through `parseOHLCV`, so it is
 * rejected exactly as a row ccxt parsed would be.
 */
export function decodedCandleRows(
  rows: readonly number[][],
  parseOHLCV: (raw: number[]) => unknown,
): CandleRow[] {
  return rows.map((raw) => ({
    raw,
    parsed: raw.length >= 6 && Number.isSafeInteger(raw[0]) ? raw : parseOHLCV(raw),
  }));
}

export interface CandlePageInput {
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  sinceMs: number;
  /** The limit the request asked for; a count-paged answer this long may have more after it. */
  limit: number;
  rows: readonly CandleRow[];
  profile: Pick<ExchangeProfile, 'candlePagination' | 'candleHistoryLimit' | 'readRowExtras'>;
  /** The exchange's time when it answered, from a clock kept in step with it; null when unknown. */
  exchangeNowMs: number | null;
  /** How long after its close a candle may still change on the exchange. */
  settleMs: number;
}

type RowResult = { candle: Candle } | { rejected: RejectedCandleRow };

function rowToCandle(row: CandleRow, input: CandlePageInput): RowResult {
  const parsed = row.parsed;
  if (!Array.isArray(parsed) || parsed.length < 6) {
    return { rejected: { openTimeMs: null, reason: 'row is not [time, open, high, low, close, volume]' } };
  }
  const [openTimeMs, open, high, low, close, volume] = parsed as unknown[];
  if (typeof openTimeMs !== 'number' || !Number.isSafeInteger(openTimeMs) || openTimeMs < 0) {
    return {
      rejected: {
        openTimeMs: null,
        reason: `open time ${String(openTimeMs)} is not whole epoch milliseconds`,
      },
    };
  }
  const extras = input.profile.readRowExtras?.(row.raw) ?? { quoteVolume: null, tradeCount: null };
  const candle: Candle = {
    exchange: input.exchange,
    symbol: input.symbol,
    timeframe: input.timeframe,
    openTimeMs,
    open: open as number,
    high: high as number,
    low: low as number,
    close: close as number,
    volume: volume as number,
    quoteVolume: extras.quoteVolume,
    tradeCount: extras.tradeCount,
    closed: true,
  };
  try {
    assertValidCandle(candle);
  } catch (error) {
    if (!(error instanceof InvalidCandleError)) throw error;
    const slotMs = isOnGrid(openTimeMs, input.timeframe)
      ? openTimeMs
      : floorToGrid(openTimeMs, input.timeframe);
    return { rejected: { openTimeMs: slotMs, reason: error.message } };
  }
  return { candle };
}

/**
 * Turns one answer of an exchange's candle endpoint into a CandlePage: validated candles (bad
 * rows rejected with a reason, never returned), each marked closed only when that is certain,
 * and the time range the answer proves complete.
 *
 * A candle is closed when a later candle exists or the exchange clock says its period (plus the
 * settle time) is over. In a count-paged answer that filled its limit, the last candle's state is
 * unknown without a clock: it is left out, to be fetched again as the first of the next page.
 */
export function buildCandlePage(input: CandlePageInput): CandlePage {
  const stepMs = timeframeMs(input.timeframe);
  const windowEndMs =
    input.profile.candlePagination === 'window'
      ? input.sinceMs + input.limit * stepMs
      : Number.POSITIVE_INFINITY;
  const bySlot = new Map<number, Candle>();
  const conflicting = new Set<number>();
  const rejected: RejectedCandleRow[] = [];
  for (const row of input.rows) {
    const result = rowToCandle(row, input);
    if ('rejected' in result) {
      const slotMs = result.rejected.openTimeMs;
      if (slotMs === null || (slotMs >= input.sinceMs && slotMs < windowEndMs))
        rejected.push(result.rejected);
      continue;
    }
    const { candle } = result;
    if (candle.openTimeMs < input.sinceMs || candle.openTimeMs >= windowEndMs) continue;
    const existing = bySlot.get(candle.openTimeMs);
    if (existing === undefined) bySlot.set(candle.openTimeMs, candle);
    else if (!sameCandleValues(existing, candle)) conflicting.add(candle.openTimeMs);
  }
  for (const slotMs of conflicting) {
    bySlot.delete(slotMs);
    rejected.push({ openTimeMs: slotMs, reason: 'the exchange sent different rows for the same open time' });
  }
  const candles = [...bySlot.values()].sort((left, right) => left.openTimeMs - right.openTimeMs);
  const knownSlots = [
    ...bySlot.keys(),
    ...rejected.flatMap((row) => (row.openTimeMs === null ? [] : [row.openTimeMs])),
  ];
  const latestSlotMs = knownSlots.length === 0 ? null : Math.max(...knownSlots);
  const earliestSlotMs = knownSlots.length === 0 ? null : Math.min(...knownSlots);

  const now = input.exchangeNowMs;
  const clockSaysClosed = (openTimeMs: number): boolean =>
    now !== null && openTimeMs + stepMs + input.settleMs <= now;
  let droppedLastSlotMs: number | null = null;
  for (const candle of candles) {
    candle.closed =
      (latestSlotMs !== null && candle.openTimeMs < latestSlotMs) || clockSaysClosed(candle.openTimeMs);
  }
  const last = candles.at(-1);
  const pageFull = input.rows.length >= input.limit;
  if (
    last !== undefined &&
    !last.closed &&
    input.profile.candlePagination === 'count' &&
    pageFull &&
    last.openTimeMs === latestSlotMs
  ) {
    // More candles may follow it, so "open" would wrongly end a backfill: fetch it again instead.
    candles.pop();
    droppedLastSlotMs = last.openTimeMs;
  }

  const provenRange = rejected.some((row) => row.openTimeMs === null)
    ? null // an unreadable row could have been any slot, so no slot without a candle is proven
    : provenRangeOf(input, candles, earliestSlotMs, latestSlotMs, droppedLastSlotMs);
  return { candles, rejected, provenRange };
}

function provenRangeOf(
  input: CandlePageInput,
  candles: readonly Candle[],
  earliestSlotMs: number | null,
  latestSlotMs: number | null,
  droppedLastSlotMs: number | null,
): TimeRange | null {
  const stepMs = timeframeMs(input.timeframe);
  const now = input.exchangeNowMs;
  if (input.profile.candlePagination === 'window') {
    const windowEndMs = input.sinceMs + input.limit * stepMs;
    // The candle holding "now" (less the settle time) may still gain trades: prove only before it.
    const pastEndMs = now === null ? null : floorToGrid(now - input.settleMs, input.timeframe);
    const lastClosed = candles.findLast((candle) => candle.closed);
    const closedEndMs = lastClosed === undefined ? input.sinceMs : lastClosed.openTimeMs + stepMs;
    const endMs = Math.min(windowEndMs, Math.max(pastEndMs ?? input.sinceMs, closedEndMs));
    return endMs > input.sinceMs ? { startMs: input.sinceMs, endMs } : null;
  }
  if (latestSlotMs === null || earliestSlotMs === null) return null;
  const endMs = droppedLastSlotMs ?? latestSlotMs + stepMs;
  let startMs = input.sinceMs;
  const firstSlotMs = earliestSlotMs;
  const historyLimit = input.profile.candleHistoryLimit;
  if (historyLimit !== null && firstSlotMs > input.sinceMs) {
    // Such an exchange answers an old `since` with its most recent candles only, so a leading
    // stretch without candles says nothing about trades there.
    const oldestServedMs =
      now === null
        ? Number.POSITIVE_INFINITY
        : floorToGrid(now, input.timeframe) - (historyLimit - 1) * stepMs;
    if (input.sinceMs < oldestServedMs) startMs = firstSlotMs;
  }
  return endMs > startMs ? { startMs, endMs } : null;
}
