import { type SeriesKey, timeframeMs } from '@runecast/market';
import type { HealthState } from '../observability/health.ts';

/** When a series counts as stalled: its newest candle is older than this many timeframes plus a grace. */
export interface StalenessPolicy {
  /** Timeframes (default 3). */
  timeframes: number;
  /** Added to them, for the exchange's and the stream's own delays (default 60 s). */
  graceMs: number;
}

export const DEFAULT_STALENESS: StalenessPolicy = { timeframes: 3, graceMs: 60_000 };

export interface CandleFreshness {
  state: HealthState;
  reason: string | null;
  details: { lastCandleOpenTimeMs: number | null; ageMs: number | null; staleAfterMs: number };
}

/**
 * How fresh a series is, measured against `nowMs`: the wall clock for live data, the
 * exchange's own clock for the emulator (its replay time). Null `nowMs` means no clock to
 * measure against, which is never reported as stale.
 */
export function candleFreshness(
  series: SeriesKey,
  latestOpenTimeMs: number | null,
  nowMs: number | null,
  policy: StalenessPolicy = DEFAULT_STALENESS,
): CandleFreshness {
  const staleAfterMs = policy.timeframes * timeframeMs(series.timeframe) + policy.graceMs;
  if (latestOpenTimeMs === null) {
    return {
      state: 'degraded',
      reason: 'no candle stored yet',
      details: { lastCandleOpenTimeMs: null, ageMs: null, staleAfterMs },
    };
  }
  const ageMs = nowMs === null ? null : Math.max(0, nowMs - latestOpenTimeMs);
  const details = { lastCandleOpenTimeMs: latestOpenTimeMs, ageMs, staleAfterMs };
  if (ageMs !== null && ageMs > staleAfterMs) {
    return {
      state: 'degraded',
      reason: `stalled: the newest ${series.timeframe} candle is ${Math.round(ageMs / 1000)} s old (more than ${Math.round(staleAfterMs / 1000)} s)`,
      details,
    };
  }
  return { state: 'ok', reason: null, details };
}
