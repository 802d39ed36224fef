/** @jsxRuntime automatic */
import type { FeatureImportance } from '@runecast/contracts';

export interface ImportanceBar {
  feature: string;
  meanIncrease: number;
  standardDeviation: number;
  /** Bar length as a share of the largest increase (0 for increases at or below 0). */
  share: number;
  /** The increase relative to the validation MAE, e.g. 0.03 for 3% worse when shuffled. */
  relativeIncrease: number | null;
}

/** Bars most important first; a feature whose shuffle made the model no worse gets an empty bar. */
export function importanceBars(importance: FeatureImportance): ImportanceBar[] {
  const largest = Math.max(0, ...importance.features.map((entry) => entry.meanIncrease));
  return [...importance.features]
    .sort((a, b) => b.meanIncrease - a.meanIncrease)
    .map((entry) => ({
      ...entry,
      share: largest > 0 ? Math.max(0, entry.meanIncrease) / largest : 0,
      relativeIncrease: importance.baselineMae > 0 ? entry.meanIncrease / importance.baselineMae : null,
    }));
}

function formatRelative(value: number | null): string {
  if (value === null) return '—';
  const percent = value * 100;
  return `${percent >= 0 ? '+' : '−'}${Math.abs(percent).toFixed(2)}%`;
}

/** Permutation importance as a sorted bar list: how much worse the validation MAE gets when each feature is shuffled. */
export function FeatureImportanceBars(props: { importance: FeatureImportance }) {
  const bars = importanceBars(props.importance);
  return (
    <div className="stack" data-testid="feature-importance">
      <p className="muted small">
        Increase in validation MAE when a feature is shuffled ({props.importance.repeats} shuffles,{' '}
        {props.importance.rows.toLocaleString('en-US')} validation forecasts; ± one standard deviation).
      </p>
      <ul className="small" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {bars.map((bar) => (
          <li
            key={bar.feature}
            style={{
              display: 'grid',
              gridTemplateColumns: '10rem 1fr 9rem',
              gap: '0.5rem',
              alignItems: 'center',
            }}
          >
            <span>{bar.feature}</span>
            <span aria-hidden="true" style={{ background: 'var(--border, #ddd)', height: '0.6rem' }}>
              <span
                style={{
                  display: 'block',
                  height: '100%',
                  width: `${(bar.share * 100).toFixed(1)}%`,
                  background: 'var(--accent, #3b82f6)',
                }}
              />
            </span>
            <span className="num">
              {formatRelative(bar.relativeIncrease)} ±{' '}
              {formatRelative(
                bar.relativeIncrease === null ? null : bar.standardDeviation / props.importance.baselineMae,
              ).replace(/^[+−]/, '')}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
