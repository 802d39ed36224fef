import { type CoverageRange, type CoverageState, type TimeRange, ValidationError } from '@runecast/market';

/** A range the ledger stores; missing is never stored, it is whatever no range covers. */
export interface KnownRange extends TimeRange {
  state: Exclude<CoverageState, 'missing'>;
}

// A minute seen with a candle stays complete even if a later fetch returns nothing for it:
// the candle is still in the store, and the ledger describes the store.
const STATE_RANK: Readonly<Record<CoverageState, number>> = { missing: 0, empty: 1, complete: 2 };

/**
 * Turns one fetch of `range` into ledger ranges: grid steps with a candle are complete, the
 * other steps empty. Open times must lie on the `stepMs` grid inside the range.
 */
export function rangesFromFetch(
  range: TimeRange,
  candleOpenTimesMs: readonly number[],
  stepMs: number,
): KnownRange[] {
  const openTimes = Float64Array.from(candleOpenTimesMs).sort();
  const ranges: KnownRange[] = [];
  const push = (startMs: number, endMs: number, state: KnownRange['state']) => {
    if (endMs <= startMs) return;
    const last = ranges.at(-1);
    if (last && last.state === state && last.endMs === startMs) last.endMs = endMs;
    else ranges.push({ startMs, endMs, state });
  };
  let cursorMs = range.startMs;
  for (const openTimeMs of openTimes) {
    if (!Number.isSafeInteger(openTimeMs) || openTimeMs % stepMs !== 0) {
      throw new ValidationError(`candle open time ${openTimeMs} is not on the ${stepMs} ms grid`);
    }
    if (openTimeMs < range.startMs || openTimeMs >= range.endMs) {
      throw new ValidationError(
        `candle open time ${openTimeMs} lies outside the fetched range [${range.startMs}, ${range.endMs})`,
      );
    }
    if (openTimeMs < cursorMs) continue; // the same open time twice
    push(cursorMs, openTimeMs, 'empty');
    push(openTimeMs, openTimeMs + stepMs, 'complete');
    cursorMs = openTimeMs + stepMs;
  }
  push(cursorMs, range.endMs, 'empty');
  return ranges;
}

/**
 * Lays `incoming` over `existing` (each sorted and non-overlapping). Where both know a
 * point, the stronger state wins (complete over empty); adjacent ranges of one state merge.
 */
export function overlayRanges(
  existing: readonly KnownRange[],
  incoming: readonly KnownRange[],
): KnownRange[] {
  const boundaries = new Set<number>();
  for (const range of [...existing, ...incoming]) {
    boundaries.add(range.startMs);
    boundaries.add(range.endMs);
  }
  const points = Float64Array.from(boundaries).sort();
  const result: KnownRange[] = [];
  let existingIndex = 0;
  let incomingIndex = 0;
  const stateAt = (ranges: readonly KnownRange[], index: number, pointMs: number): CoverageState => {
    const range = ranges[index];
    return range && range.startMs <= pointMs && pointMs < range.endMs ? range.state : 'missing';
  };
  for (let index = 0; index + 1 < points.length; index += 1) {
    const startMs = points[index]!;
    const endMs = points[index + 1]!;
    while (existingIndex < existing.length && existing[existingIndex]!.endMs <= startMs) existingIndex += 1;
    while (incomingIndex < incoming.length && incoming[incomingIndex]!.endMs <= startMs) incomingIndex += 1;
    const fromExisting = stateAt(existing, existingIndex, startMs);
    const fromIncoming = stateAt(incoming, incomingIndex, startMs);
    const state = STATE_RANK[fromIncoming] > STATE_RANK[fromExisting] ? fromIncoming : fromExisting;
    if (state === 'missing') continue;
    const last = result.at(-1);
    if (last && last.state === state && last.endMs === startMs) last.endMs = endMs;
    else result.push({ startMs, endMs, state });
  }
  return result;
}

/**
 * Known ranges (sorted, non-overlapping) with `missing` filled into the gaps; with a window,
 * clipped to it and filled from its start and up to its end.
 */
export function withMissingRanges(known: readonly KnownRange[], window?: TimeRange): CoverageRange[] {
  const result: CoverageRange[] = [];
  let cursorMs = window ? window.startMs : (known[0]?.startMs ?? 0);
  for (const range of known) {
    const startMs = window ? Math.max(range.startMs, window.startMs) : range.startMs;
    const endMs = window ? Math.min(range.endMs, window.endMs) : range.endMs;
    if (endMs <= startMs) continue;
    if (startMs > cursorMs) result.push({ startMs: cursorMs, endMs: startMs, state: 'missing' });
    result.push({ startMs, endMs, state: range.state });
    cursorMs = endMs;
  }
  if (window && cursorMs < window.endMs)
    result.push({ startMs: cursorMs, endMs: window.endMs, state: 'missing' });
  return result;
}
