/** @jsxRuntime automatic */
import { logLevelNames, logsResponseSchema, type LogEntry, type LogLevelName } from '@runecast/contracts';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ErrorState, LoadingState } from '../../components/query-state.tsx';
import { formatTimeUtc } from '../../lib/format.ts';
import { useApi } from '../../lib/services.tsx';

const PAGE_SIZE = 200;

/** `2025-06-16T10:00` typed in a datetime field, read as UTC, to epoch ms (null when blank). */
export function utcInputToMs(text: string): number | null {
  if (text.trim() === '') return null;
  const timeMs = Date.parse(`${text}${text.length === 16 ? ':00' : ''}Z`);
  return Number.isFinite(timeMs) ? timeMs : null;
}

function LogRow(props: { entry: LogEntry }) {
  const [open, setOpen] = useState(false);
  const { entry } = props;
  const hasData = Object.keys(entry.data).length > 0;
  return (
    <>
      <tr
        className="log-line"
        data-testid="log-row"
        onClick={() => hasData && setOpen(!open)}
        style={{ cursor: hasData ? 'pointer' : 'default' }}
      >
        <td style={{ whiteSpace: 'nowrap' }}>{formatTimeUtc(entry.timeMs, true).replace(' UTC', '')}</td>
        <td className={`log-level ${entry.level}`}>{entry.level}</td>
        <td>{entry.component}</td>
        <td style={{ wordBreak: 'break-word' }}>
          {entry.message}
          {hasData ? <span className="muted"> {open ? '▾' : '▸'}</span> : null}
        </td>
      </tr>
      {open ? (
        <tr className="log-line">
          <td colSpan={4}>
            <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{JSON.stringify(entry.data, null, 2)}</pre>
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** Parts of Runecast that write logs: the process, its API, ingestion, jobs and the scheduler. */
const KNOWN_COMPONENTS = ['runecast', 'http', 'ingest', 'jobs', 'scheduler'];

/** The components to filter by: the known ones and any other seen, sorted, without blanks. */
export function componentChoices(seen: Iterable<string>): string[] {
  return [...new Set([...KNOWN_COMPONENTS, ...seen])].filter((name) => name !== '').sort();
}

export default function LogsPage() {
  const api = useApi();
  const [level, setLevel] = useState<LogLevelName | ''>('info');
  const [component, setComponent] = useState('');
  const [search, setSearch] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [follow, setFollow] = useState(true);
  const filters = {
    level: level || undefined,
    component: component.trim() || undefined,
    search: search.trim() || undefined,
    from: utcInputToMs(from) ?? undefined,
    to: utcInputToMs(to) ?? undefined,
  };
  const logs = useInfiniteQuery({
    queryKey: ['logs', filters],
    queryFn: ({ pageParam, signal }) =>
      api.request('/api/v1/logs', {
        query: { ...filters, limit: PAGE_SIZE, beforeId: pageParam ?? undefined },
        schema: logsResponseSchema,
        signal,
      }),
    initialPageParam: null as number | null,
    getNextPageParam: (page) => page.nextBeforeId,
    refetchInterval: follow && filters.to === undefined ? 5_000 : false,
  });
  const entries = logs.data?.pages.flatMap((page) => page.entries) ?? [];
  // Components seen stay choosable after a filter hides their lines.
  const [seenComponents, setSeenComponents] = useState<ReadonlySet<string>>(new Set());
  const unseen = entries.some((entry) => !seenComponents.has(entry.component));
  useEffect(() => {
    if (unseen) setSeenComponents((seen) => new Set([...seen, ...entries.map((entry) => entry.component)]));
  }, [unseen, entries]);
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Logs</h1>
          <p>Structured logs of every Runecast process, newest first. Times are UTC.</p>
        </div>
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(event) => setFollow(event.target.checked)} />
          Follow new entries
        </label>
      </div>
      <section className="panel" aria-label="Filters">
        <div className="form-grid">
          <label className="field">
            Lowest level
            <select value={level} onChange={(event) => setLevel(event.target.value as LogLevelName | '')}>
              <option value="">every level</option>
              {logLevelNames.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            Component
            <select name="component" value={component} onChange={(event) => setComponent(event.target.value)}>
              <option value="">every component</option>
              {componentChoices([...seenComponents, component]).map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            Message contains
            <input value={search} onChange={(event) => setSearch(event.target.value)} />
          </label>
          <label className="field">
            From (UTC)
            <input type="datetime-local" value={from} onChange={(event) => setFrom(event.target.value)} />
          </label>
          <label className="field">
            To (UTC)
            <input type="datetime-local" value={to} onChange={(event) => setTo(event.target.value)} />
          </label>
        </div>
      </section>
      <section className="panel" aria-label="Log entries">
        {logs.isPending ? (
          <LoadingState />
        ) : logs.isError ? (
          <ErrorState error={logs.error} onRetry={() => void logs.refetch()} />
        ) : entries.length === 0 ? (
          <div className="state" data-testid="empty-state">
            No log entries match these filters.
          </div>
        ) : (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Time</th>
                    <th>Level</th>
                    <th>Component</th>
                    <th>Message</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((entry) => (
                    <LogRow key={entry.id} entry={entry} />
                  ))}
                </tbody>
              </table>
            </div>
            <div className="row" style={{ marginTop: 10 }}>
              <span className="muted small">{entries.length} entries</span>
              <span className="spacer" />
              {logs.hasNextPage ? (
                <button
                  type="button"
                  disabled={logs.isFetchingNextPage}
                  onClick={() => void logs.fetchNextPage()}
                >
                  {logs.isFetchingNextPage ? 'Loading…' : 'Older entries'}
                </button>
              ) : (
                <span className="muted small">No older entries.</span>
              )}
            </div>
          </>
        )}
      </section>
    </div>
  );
}
