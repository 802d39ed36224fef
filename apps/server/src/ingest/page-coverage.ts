import { type Candle, type Timeframe, timeframeMs, type TimeRange } from '@runecast/market';
import type { CandlePage } from '../sources/market-data-source.port.ts';

export interface PageCoverageInput {
  page: CandlePage;
  timeframe: Timeframe;
  /** Where the request started; nothing before it is claimed. */
  sinceMs: number;
  /** Exclusive end of the stretch being filled; nothing at or after it is written or claimed. */
  untilMs: number;
  /**
   * Candles ending at or before this time are known closed whatever the page says (the live
   * stream has already moved past them).
   */
  closedBeforeMs?: number;
}

/** A range to record in the ledger, with the candles inside it. */
export interface LedgerEntry {
  range: TimeRange;
  candleOpenTimesMs: number[];
}

export interface PageCoverage {
  /** Closed candles to write, oldest first. */
  closedCandles: Candle[];
  /** Ranges this page proves, each to be marked fetched after its candles are written. */
  ledgerEntries: LedgerEntry[];
  /** Where the next page starts, or null when this stretch is done or the exchange has no more. */
  nextSinceMs: number | null;
  /** True when the page reached the exchange's still-open candle: the backfill has caught up. */
  reachedOpenCandle: boolean;
  /** How far the page carried the stretch: the open candle's start, or the end of what it covered. */
  reachedMs: number;
}

function subtractSlots(range: TimeRange, slotsMs: readonly number[], stepMs: number): TimeRange[] {
  const pieces: TimeRange[] = [];
  let cursorMs = range.startMs;
  for (const slotMs of [...slotsMs].sort((left, right) => left - right)) {
    if (slotMs + stepMs <= cursorMs || slotMs >= range.endMs) continue;
    if (slotMs > cursorMs) pieces.push({ startMs: cursorMs, endMs: slotMs });
    cursorMs = Math.max(cursorMs, slotMs + stepMs);
  }
  if (cursorMs < range.endMs) pieces.push({ startMs: cursorMs, endMs: range.endMs });
  return pieces;
}

/** Runs of consecutive candle slots: all a page proves when it cannot vouch for the gaps. */
function candleRuns(candles: readonly Candle[], stepMs: number): TimeRange[] {
  const runs: TimeRange[] = [];
  for (const candle of candles) {
    const last = runs.at(-1);
    if (last && last.endMs === candle.openTimeMs) last.endMs += stepMs;
    else runs.push({ startMs: candle.openTimeMs, endMs: candle.openTimeMs + stepMs });
  }
  return runs;
}

/**
 * Decides what one fetched page lets a backfill write and record: its closed candles inside
 * [sinceMs, untilMs), the ledger ranges it proves (never the still-open candle, never a slot
 * whose row was rejected) and where to continue.
 */
export function planPageCoverage(input: PageCoverageInput): PageCoverage {
  const stepMs = timeframeMs(input.timeframe);
  const { page, sinceMs, untilMs } = input;
  const inStretch = page.candles.filter(
    (candle) => candle.openTimeMs >= sinceMs && candle.openTimeMs < untilMs,
  );
  const isClosed = (candle: Candle): boolean =>
    candle.closed ||
    (input.closedBeforeMs !== undefined && candle.openTimeMs + stepMs <= input.closedBeforeMs);
  const firstOpen = inStretch.find((candle) => !isClosed(candle));
  const boundaryMs = Math.min(untilMs, firstOpen?.openTimeMs ?? Number.POSITIVE_INFINITY);
  const closedCandles = inStretch
    .filter((candle) => candle.openTimeMs < boundaryMs)
    .map((candle) => (candle.closed ? candle : { ...candle, closed: true }));

  const baseRanges = page.provenRange === null ? candleRuns(closedCandles, stepMs) : [page.provenRange];
  const rejectedSlotsMs = page.rejected.flatMap((row) => (row.openTimeMs === null ? [] : [row.openTimeMs]));
  const ledgerEntries: LedgerEntry[] = [];
  for (const base of baseRanges) {
    const clipped = { startMs: Math.max(base.startMs, sinceMs), endMs: Math.min(base.endMs, boundaryMs) };
    if (clipped.endMs <= clipped.startMs) continue;
    for (const range of subtractSlots(clipped, rejectedSlotsMs, stepMs)) {
      ledgerEntries.push({
        range,
        candleOpenTimesMs: closedCandles
          .filter((candle) => candle.openTimeMs >= range.startMs && candle.openTimeMs < range.endMs)
          .map((candle) => candle.openTimeMs),
      });
    }
  }

  if (firstOpen !== undefined) {
    return {
      closedCandles,
      ledgerEntries,
      nextSinceMs: null,
      reachedOpenCandle: true,
      reachedMs: firstOpen.openTimeMs,
    };
  }
  const progressEndsMs = [
    page.provenRange?.endMs,
    ...page.candles.map((candle) => candle.openTimeMs + stepMs),
    ...rejectedSlotsMs.map((slotMs) => slotMs + stepMs),
  ].filter((value): value is number => value !== undefined);
  const progressMs = progressEndsMs.length === 0 ? sinceMs : Math.max(...progressEndsMs);
  const nextSinceMs = progressMs > sinceMs && progressMs < untilMs ? progressMs : null;
  return {
    closedCandles,
    ledgerEntries,
    nextSinceMs,
    reachedOpenCandle: false,
    reachedMs: Math.min(untilMs, Math.max(sinceMs, progressMs)),
  };
}

/** A page for sources without `fetchCandlePage`: it proves the stretch up to its last closed candle. */
export function pageFromCandles(
  candles: readonly Candle[],
  sinceMs: number,
  timeframe: Timeframe,
): CandlePage {
  const stepMs = timeframeMs(timeframe);
  const sorted = candles
    .filter((candle) => candle.openTimeMs >= sinceMs)
    .sort((left, right) => left.openTimeMs - right.openTimeMs);
  const last = sorted.at(-1);
  if (last === undefined) return { candles: sorted, provenRange: null, rejected: [] };
  const endMs = last.closed ? last.openTimeMs + stepMs : last.openTimeMs;
  return { candles: sorted, provenRange: endMs > sinceMs ? { startMs: sinceMs, endMs } : null, rejected: [] };
}
