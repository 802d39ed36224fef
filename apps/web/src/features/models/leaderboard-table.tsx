/** @jsxRuntime automatic */
import type { ReactNode } from 'react';
import {
  beatsNaive,
  bestValues,
  isNaive,
  METRIC_COLUMNS,
  rankEntries,
  type LeaderboardEntry,
} from './leaderboard-model.ts';

/**
 * Model versions of one series and horizon ranked by a metric, with every evaluation figure;
 * naive is always a row, and a model is marked as beating it only when the Diebold-Mariano
 * test agrees.
 */
export function LeaderboardTable<Entry extends LeaderboardEntry>(props: {
  entries: readonly Entry[];
  sortBy: string;
  onSortBy?: (metricKey: string) => void;
  selectedId?: number | null;
  onSelect?: (entry: Entry) => void;
  /** Extra cell at the end of each row (e.g. a promote button). */
  actions?: (entry: Entry) => ReactNode;
}) {
  const ranked = rankEntries(props.entries, props.sortBy);
  const best = bestValues(props.entries);
  if (ranked.length === 0) return <p className="muted">No model versions for this series and horizon yet.</p>;
  return (
    <div className="table-wrap">
      <table data-testid="leaderboard">
        <thead>
          <tr>
            <th>#</th>
            <th>Model</th>
            <th>Stage</th>
            {METRIC_COLUMNS.map((column) => (
              <th
                key={column.key}
                className="num"
                title={column.title}
                aria-sort={props.sortBy === column.key ? 'ascending' : undefined}
              >
                {props.onSortBy ? (
                  <button type="button" className="sort" onClick={() => props.onSortBy?.(column.key)}>
                    {column.label}
                    {props.sortBy === column.key ? ' ▲' : ''}
                  </button>
                ) : (
                  column.label
                )}
              </th>
            ))}
            <th>vs naive</th>
            {props.actions ? <th /> : null}
          </tr>
        </thead>
        <tbody>
          {ranked.map((entry, index) => {
            const verdict = beatsNaive(entry);
            const classes = [isNaive(entry) ? 'naive' : '', props.selectedId === entry.id ? 'highlight' : '']
              .filter(Boolean)
              .join(' ');
            return (
              <tr
                key={entry.id}
                className={classes || undefined}
                data-testid="leaderboard-row"
                data-model={entry.modelType}
                onClick={props.onSelect ? () => props.onSelect?.(entry) : undefined}
                style={props.onSelect ? { cursor: 'pointer' } : undefined}
              >
                <td className="muted">{index + 1}</td>
                <td>
                  <strong>{entry.modelType}</strong>
                  {entry.id > 0 ? (
                    <span className="muted small"> v{entry.id}</span>
                  ) : (
                    <span className="muted small"> same origins</span>
                  )}
                  {isNaive(entry) ? (
                    <span className="badge" style={{ marginLeft: 6 }}>
                      baseline
                    </span>
                  ) : null}
                </td>
                <td>
                  <span className={`badge ${entry.stage}`}>{entry.stage}</span>
                </td>
                {METRIC_COLUMNS.map((column) => {
                  const value = entry.metrics[column.key];
                  const isBest =
                    value !== null &&
                    value !== undefined &&
                    best[column.key] === value &&
                    props.entries.length > 1;
                  return (
                    <td
                      key={column.key}
                      className="num"
                      data-metric={column.key}
                      style={isBest ? { fontWeight: 700 } : undefined}
                    >
                      {value === null || value === undefined || !Number.isFinite(value)
                        ? '—'
                        : column.format(value)}
                    </td>
                  );
                })}
                <td data-testid="verdict">
                  {verdict === null ? (
                    <span className="muted small">{isNaive(entry) ? 'baseline' : 'not tested'}</span>
                  ) : verdict ? (
                    <span className="badge ok">beats naive</span>
                  ) : (
                    <span className="badge">no better</span>
                  )}
                </td>
                {props.actions ? <td className="num">{props.actions(entry)}</td> : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
