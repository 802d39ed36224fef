import type { CandleHistoryResponse } from '@runecast/contracts';
import { formatRelative } from '../../lib/format.ts';

export interface MarketSummary {
  lastPrice: number | null;
  lastOpenTimeMs: number | null;
  /** Last close over the first open of the span, minus one. */
  change: number | null;
  volume: number;
  closes: number[];
}

/** Last price, change, volume and the closes for a sparkline, from a span of candles. */
export function summarizeCandles(
  history: Pick<CandleHistoryResponse, 'times' | 'open' | 'close' | 'volume'>,
): MarketSummary {
  const count = history.times.length;
  if (count === 0) return { lastPrice: null, lastOpenTimeMs: null, change: null, volume: 0, closes: [] };
  const firstOpen = history.open[0]!;
  const lastClose = history.close[count - 1]!;
  let volume = 0;
  for (const value of history.volume) volume += value;
  return {
    lastPrice: lastClose,
    lastOpenTimeMs: history.times[count - 1]!,
    change: firstOpen > 0 ? lastClose / firstOpen - 1 : null,
    volume,
    closes: [...history.close],
  };
}

/**
 * How old the newest candle is, in words that fit where the data comes from: relative time for
 * live data; for replayed real data the day it replays (its age against today means nothing);
 * for a simulated market, that it is simulated.
 */
export function describeCandleTime(
  lastOpenTimeMs: number,
  dataMode: 'live' | 'replay' | 'simulated' | undefined,
  nowMs = Date.now(),
): string {
  if (dataMode === 'replay') return `replay of ${new Date(lastOpenTimeMs).toISOString().slice(0, 10)}`;
  if (dataMode === 'simulated') return 'simulated';
  return formatRelative(lastOpenTimeMs, nowMs);
}
