/** Half-open time range [startMs, endMs). */
export interface TimeRange {
  startMs: number;
  endMs: number;
}

/** Coverage states the ledger records for each series. */
export type CoverageState = 'complete' | 'empty' | 'missing';

export interface CoverageRange extends TimeRange {
  state: CoverageState;
}
