/** @jsxRuntime automatic */
import { formatPercent } from '../../lib/format.ts';
import { useTimeFormat } from '../../lib/preferences.ts';
import { coverageSegments, type CoverageRange, type CoverageState } from './coverage-model.ts';

const LABELS: Record<CoverageState, string> = {
  complete: 'complete',
  empty: 'empty (no trades)',
  missing: 'missing',
};
const DRAW_ORDER: Record<CoverageState, number> = { complete: 0, empty: 1, missing: 2 };

/** The series' complete, empty and missing ranges on one strip, hover for each range. */
export function CoverageStrip(props: { ranges: readonly CoverageRange[] }) {
  const { formatTime } = useTimeFormat();
  const { segments, summary } = coverageSegments(props.ranges);
  if (summary === null)
    return <p className="muted">The coverage ledger has no ranges for this series yet.</p>;
  return (
    <div className="stack" style={{ gap: 6 }}>
      <div
        className="coverage-strip"
        data-testid="coverage-strip"
        role="img"
        aria-label="Coverage of the series"
      >
        {[...segments]
          .sort((a, b) => DRAW_ORDER[a.state] - DRAW_ORDER[b.state])
          .map((segment) => (
            <div
              key={`${segment.state}-${segment.startMs}`}
              className="segment"
              data-state={segment.state}
              style={{ left: `${segment.leftPercent}%`, width: `${segment.widthPercent}%` }}
              title={`${LABELS[segment.state]}: ${formatTime(segment.startMs)} → ${formatTime(segment.endMs)}`}
            />
          ))}
      </div>
      <div className="row small muted" style={{ justifyContent: 'space-between' }}>
        <span>{formatTime(summary.fromMs)}</span>
        <span className="row" style={{ gap: 12 }}>
          {(['complete', 'empty', 'missing'] as const).map((state) => (
            <span key={state}>
              <span className="legend-swatch" style={{ background: `var(--${state})` }} />
              {LABELS[state]} {formatPercent(summary.share[state])}
            </span>
          ))}
          {summary.missingRanges > 0 ? <span className="down">{summary.missingRanges} gap(s)</span> : null}
        </span>
        <span>{formatTime(summary.toMs)}</span>
      </div>
    </div>
  );
}
