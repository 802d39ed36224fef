export type CoverageState = 'complete' | 'empty' | 'missing';

export interface CoverageRange {
  startMs: number;
  endMs: number;
  state: CoverageState;
}

export interface CoverageSegment extends CoverageRange {
  leftPercent: number;
  widthPercent: number;
}

export interface CoverageSummary {
  fromMs: number;
  toMs: number;
  /** Share of the span in each state, 0..1. */
  share: Record<CoverageState, number>;
  missingRanges: number;
}

/** Narrowest segment drawn, in percent of the strip, so a one-minute gap stays visible. */
const MINIMUM_WIDTH_PERCENT = 0.25;

/**
 * Places coverage ranges on a strip spanning `fromMs`..`toMs` (default: the ranges' own span).
 * Ranges outside are dropped, ranges across an edge are clipped.
 */
export function coverageSegments(
  ranges: readonly CoverageRange[],
  span?: { fromMs: number; toMs: number },
): { segments: CoverageSegment[]; summary: CoverageSummary | null } {
  if (ranges.length === 0) return { segments: [], summary: null };
  const fromMs = span?.fromMs ?? Math.min(...ranges.map((range) => range.startMs));
  const toMs = span?.toMs ?? Math.max(...ranges.map((range) => range.endMs));
  const totalMs = toMs - fromMs;
  if (!(totalMs > 0)) return { segments: [], summary: null };
  const covered: Record<CoverageState, number> = { complete: 0, empty: 0, missing: 0 };
  let missingRanges = 0;
  const segments: CoverageSegment[] = [];
  for (const range of [...ranges].sort((a, b) => a.startMs - b.startMs)) {
    const startMs = Math.max(range.startMs, fromMs);
    const endMs = Math.min(range.endMs, toMs);
    if (endMs <= startMs) continue;
    covered[range.state] += endMs - startMs;
    if (range.state === 'missing') missingRanges += 1;
    const leftPercent = ((startMs - fromMs) / totalMs) * 100;
    const widthPercent = Math.max(MINIMUM_WIDTH_PERCENT, ((endMs - startMs) / totalMs) * 100);
    segments.push({
      ...range,
      startMs,
      endMs,
      leftPercent,
      widthPercent: Math.min(widthPercent, 100 - leftPercent),
    });
  }
  return {
    segments,
    summary: {
      fromMs,
      toMs,
      share: {
        complete: covered.complete / totalMs,
        empty: covered.empty / totalMs,
        missing: covered.missing / totalMs,
      },
      missingRanges,
    },
  };
}
