/** @jsxRuntime automatic */
import type { Timeframe } from '@runecast/market';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { InlineError, QueryView } from '../../components/query-state.tsx';
import { formatPrice } from '../../lib/format.ts';
import { usePreferences, useTimeFormat, useWatchlistToggle } from '../../lib/preferences.ts';
import { OverviewForecastCell } from '../forecasts/overview-forecasts.tsx';
import {
  baseTimeframe,
  marketPath,
  parseSeriesKey,
  seriesKey,
  useCoveredSeries,
  useLatestCandle,
  useTrackedMarkets,
} from '../markets/market-queries.ts';
import { runePath, useRunes } from '../runes/runes-queries.ts';

/** One watched series: its newest close and its newest forecasts. */
function WatchedRow(props: { series: string; runeName: string | null }) {
  const { formatTime } = useTimeFormat();
  const toggle = useWatchlistToggle();
  const parsed = parseSeriesKey(props.series);
  const latest = useLatestCandle(props.series, 30_000);
  const candle = latest.data?.candle ?? null;
  const link =
    props.runeName !== null
      ? runePath(props.runeName)
      : parsed === null
        ? null
        : `${marketPath(parsed)}?tf=${parsed.timeframe}`;
  return (
    <tr data-testid="watchlist-row" data-series={props.series}>
      <td>
        {link === null ? (
          <strong>{props.series}</strong>
        ) : (
          <Link to={link}>
            <strong>{props.runeName ?? parsed?.symbol ?? props.series}</strong>
          </Link>
        )}
        <div className="muted small">
          {props.runeName !== null ? 'rune · ' : ''}
          {parsed === null ? props.series : `${parsed.exchange} · ${parsed.timeframe}`}
        </div>
      </td>
      <td className="num" data-testid="watchlist-price">
        {latest.isPending ? (
          <div className="skeleton" style={{ height: 16, width: 80 }} />
        ) : latest.isError ? (
          <span className="down small">{latest.error.message}</span>
        ) : candle === null ? (
          <span className="muted small">no candles yet</span>
        ) : (
          <>
            {formatPrice(candle.close)}
            {props.runeName !== null ? <span className="muted small"> sats</span> : null}
            <div className="muted small">{formatTime(candle.openTimeMs)}</div>
          </>
        )}
      </td>
      <td>
        {parsed === null ? null : (
          <OverviewForecastCell
            exchange={parsed.exchange}
            symbol={parsed.symbol}
            baseTimeframe={parsed.timeframe}
          />
        )}
      </td>
      <td className="num">
        <button
          type="button"
          className="ghost small"
          aria-label={`Stop watching ${props.runeName ?? props.series}`}
          disabled={toggle.isPending}
          onClick={() => toggle.mutate({ series: props.series, watch: false })}
        >
          Remove
        </button>
        {toggle.isError ? <InlineError error={toggle.error} /> : null}
      </td>
    </tr>
  );
}

/** Adds a tracked market (at its stored timeframe) or a rune's price series to the watchlist. */
function AddToWatchlist(props: { watched: readonly string[] }) {
  const markets = useTrackedMarkets();
  const covered = useCoveredSeries();
  const runes = useRunes();
  const toggle = useWatchlistToggle();
  const [chosen, setChosen] = useState('');
  const marketChoices = (markets.data ?? []).map((market) => {
    const timeframe: Timeframe = baseTimeframe(covered.data ?? [], market.exchange, market.symbol);
    return {
      series: seriesKey(market.exchange, market.symbol, timeframe),
      label: `${market.exchange}:${market.symbol}`,
    };
  });
  const runeChoices = (runes.data ?? []).map((rune) => ({ series: rune.seriesKey, label: rune.name }));
  const open = (choices: { series: string; label: string }[]) =>
    choices.filter((choice) => !props.watched.includes(choice.series));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (chosen === '') return;
    toggle.mutate({ series: chosen, watch: true }, { onSuccess: () => setChosen('') });
  };
  return (
    <form className="row" style={{ gap: 8, marginTop: 10 }} onSubmit={submit} aria-label="Add to watchlist">
      <select
        aria-label="Market or rune to watch"
        value={chosen}
        onChange={(event) => setChosen(event.target.value)}
      >
        <option value="">Choose a market or rune…</option>
        <optgroup label="Markets">
          {open(marketChoices).map((choice) => (
            <option key={choice.series} value={choice.series}>
              {choice.label}
            </option>
          ))}
        </optgroup>
        <optgroup label="Runes">
          {open(runeChoices).map((choice) => (
            <option key={choice.series} value={choice.series}>
              {choice.label}
            </option>
          ))}
        </optgroup>
      </select>
      <button type="submit" disabled={chosen === '' || toggle.isPending}>
        Watch
      </button>
      {toggle.isError ? <InlineError error={toggle.error} /> : null}
    </form>
  );
}

/** The user's watchlist, saved with their account: newest price and forecasts of each series. */
export function WatchlistPanel() {
  const preferences = usePreferences();
  const runes = useRunes();
  const runeBySeries = new Map((runes.data ?? []).map((rune) => [rune.seriesKey, rune.name]));
  return (
    <section className="panel" aria-label="Watchlist">
      <div className="panel-header">
        <div>
          <h2>Watchlist</h2>
          <p className="muted small">
            Yours, in every browser you log in from. Star a market or rune on its page to add it.
          </p>
        </div>
        <Link to="/account/workspace">Workspace settings</Link>
      </div>
      <QueryView query={preferences} compact>
        {(answer) => (
          <>
            {answer.watchlist.length === 0 ? (
              <p className="muted small" data-testid="watchlist-empty">
                Nothing watched yet: add a market or rune below, or with the ☆ on its page.
              </p>
            ) : (
              <div className="table-wrap">
                <table data-testid="watchlist">
                  <thead>
                    <tr>
                      <th>Series</th>
                      <th className="num">Last</th>
                      <th>Latest forecasts (point, change, 80% / 95% bands)</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {answer.watchlist.map((series) => (
                      <WatchedRow key={series} series={series} runeName={runeBySeries.get(series) ?? null} />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <AddToWatchlist watched={answer.watchlist} />
          </>
        )}
      </QueryView>
    </section>
  );
}
