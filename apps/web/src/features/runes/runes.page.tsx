/** @jsxRuntime automatic */
import type { Rune } from '@runecast/contracts';
import { useState } from 'react';
import { InlineError, QueryView } from '../../components/query-state.tsx';
import { formatTimeUtc } from '../../lib/format.ts';
import { useSession } from '../../lib/services.tsx';
import { useRunes, useTrackRune, useUntrackRune } from './runes-queries.ts';
import { DEFAULT_RUNE_SORT, filterRunes, nextSort, type RuneSort } from './runes-table-model.ts';
import { RunesTable } from './runes-table.tsx';
import { TrackRuneForm } from './track-rune-form.tsx';

/** Bitcoin Runes: every rune the providers poll, sortable and searchable, and tracking. */
export default function RunesPage() {
  const runes = useRunes();
  const track = useTrackRune();
  const untrack = useUntrackRune();
  const session = useSession();
  const isAdmin = session?.user.role === 'admin';
  const [sort, setSort] = useState<RuneSort>(DEFAULT_RUNE_SORT);
  const [filter, setFilter] = useState('');
  const onUntrack = (rune: Rune) => {
    if (window.confirm(`Stop tracking ${rune.name}?`)) untrack.mutate(rune.name);
  };
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Runes</h1>
          <p>
            Bitcoin Runes the providers report: price in sats and USD, volume, holders and market cap, each
            from the first provider that has it. Tracked runes are forecast.
          </p>
        </div>
      </div>

      <section className="panel" aria-label="Track a rune">
        <div className="panel-header">
          <h2>Track a rune</h2>
        </div>
        <TrackRuneForm
          track={(name) => {
            track.reset();
            return track.mutateAsync(name);
          }}
          pending={track.isPending}
          error={track.error}
        />
      </section>

      <section className="panel" aria-label="Runes">
        <div className="panel-header">
          <div>
            <h2>Collected runes</h2>
            <p className="muted small">
              Click a column header to sort. ⚠ marks a rune whose providers' prices disagree; they are shown,
              not averaged.
            </p>
          </div>
          <input
            type="search"
            aria-label="Filter runes"
            placeholder="Filter by name or id"
            value={filter}
            onChange={(event) => setFilter(event.target.value)}
          />
        </div>
        {untrack.isError ? <InlineError error={untrack.error} /> : null}
        <QueryView
          query={runes}
          loadingLabel="Loading runes…"
          isEmpty={(list) => list.length === 0}
          empty="No provider has reported any rune yet. The runes providers are polled every few minutes; track a rune above to collect it now."
        >
          {(list) => {
            const shown = filterRunes(list, filter);
            const newest = Math.max(...list.map((rune) => rune.updatedAtMs));
            return (
              <>
                {shown.length === 0 ? (
                  <p className="muted" data-testid="empty-state">
                    No rune matches “{filter}”.
                  </p>
                ) : (
                  <RunesTable
                    runes={shown}
                    sort={sort}
                    onSort={(key) => setSort((current) => nextSort(current, key))}
                    {...(isAdmin ? { onUntrack } : {})}
                    untracking={untrack.isPending ? (untrack.variables ?? null) : null}
                  />
                )}
                <p className="muted small" style={{ marginTop: 8 }}>
                  {shown.length} of {list.length} runes · newest poll {formatTimeUtc(newest)}
                  {isAdmin ? '' : ' · only admins can stop tracking a rune'}
                </p>
              </>
            );
          }}
        </QueryView>
      </section>
    </div>
  );
}
