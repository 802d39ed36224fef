import type { CandleHistoryResponse } from '@runecast/contracts';

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
