/** @jsxRuntime automatic */
import { InlineError } from '../../components/query-state.tsx';
import { usePreferences, useWatchlistToggle } from '../../lib/preferences.ts';

/** A star that puts a market's or rune's series on the user's watchlist, or takes it off. */
export function WatchToggle(props: { series: string | null; label: string }) {
  const preferences = usePreferences();
  const toggle = useWatchlistToggle();
  const { series } = props;
  const watched = series !== null && (preferences.data?.watchlist.includes(series) ?? false);
  const disabled = series === null || preferences.data === undefined || toggle.isPending;
  return (
    <span className="stack" style={{ gap: 2 }}>
      <button
        type="button"
        className={watched ? 'watch-toggle watched' : 'watch-toggle'}
        aria-pressed={watched}
        aria-label={watched ? `Stop watching ${props.label}` : `Watch ${props.label}`}
        title={watched ? 'On your watchlist: click to remove' : 'Add to your watchlist on the overview'}
        data-testid="watch-toggle"
        data-series={series ?? ''}
        disabled={disabled}
        onClick={() => {
          if (series !== null) toggle.mutate({ series, watch: !watched });
        }}
      >
        {watched ? '★ Watching' : '☆ Watch'}
      </button>
      {toggle.isError ? <InlineError error={toggle.error} /> : null}
    </span>
  );
}
