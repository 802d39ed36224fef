/** @jsxRuntime automatic */
import { Link } from 'react-router';
import { QueryView } from '../../components/query-state.tsx';
import { formatChange, formatNumber } from '../../lib/format.ts';
import { useTimeFormat } from '../../lib/preferences.ts';
import { useAlertHistory } from '../alerts/alerts-queries.ts';
import { OverviewForecastCell } from '../forecasts/overview-forecasts.tsx';
import { baseTimeframe, marketPath, useCoveredSeries, useTrackedMarkets } from '../markets/market-queries.ts';
import { runePath, useRunes } from '../runes/runes-queries.ts';

/** Panels the overview shows only when the workspace layout asks for them. */

/** Each tracked market's newest forecasts, of its stored timeframe and hourly. */
export function ForecastsPanel() {
  const markets = useTrackedMarkets();
  const covered = useCoveredSeries();
  return (
    <section className="panel" aria-label="Forecasts">
      <div className="panel-header">
        <div>
          <h2>Forecasts</h2>
          <p className="muted small">Newest forecasts of the tracked markets: point, change and bands.</p>
        </div>
        <Link to="/forecast">Forecast page</Link>
      </div>
      <QueryView
        query={markets}
        compact
        isEmpty={(list) => list.length === 0}
        empty="No markets are tracked yet."
      >
        {(list) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Market</th>
                  <th>Latest forecasts (point, change, 80% / 95% bands)</th>
                </tr>
              </thead>
              <tbody>
                {list.map((market) => (
                  <tr key={`${market.exchange}:${market.symbol}`} data-testid="forecast-market-row">
                    <td>
                      <Link to={marketPath(market)}>{market.symbol}</Link>
                      <div className="muted small">{market.exchange}</div>
                    </td>
                    <td>
                      <OverviewForecastCell
                        exchange={market.exchange}
                        symbol={market.symbol}
                        baseTimeframe={baseTimeframe(covered.data ?? [], market.exchange, market.symbol)}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </section>
  );
}

/** The tracked runes' newest price and daily change. */
export function RunesPanel() {
  const runes = useRunes();
  return (
    <section className="panel" aria-label="Runes">
      <div className="panel-header">
        <div>
          <h2>Runes</h2>
          <p className="muted small">Tracked runes: newest price from their primary provider.</p>
        </div>
        <Link to="/runes">All runes</Link>
      </div>
      <QueryView
        query={runes}
        compact
        isEmpty={(list) => !list.some((rune) => rune.tracked)}
        empty="No rune is tracked yet."
      >
        {(list) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Rune</th>
                  <th className="num">Price (sats)</th>
                  <th className="num">1d</th>
                </tr>
              </thead>
              <tbody>
                {list
                  .filter((rune) => rune.tracked)
                  .map((rune) => (
                    <tr key={rune.name} data-testid="overview-rune-row">
                      <td>
                        <Link to={runePath(rune.name)}>{rune.name}</Link>
                      </td>
                      <td className="num">{formatNumber(rune.priceSats, 4)}</td>
                      <td
                        className={`num ${rune.change1dPct === null ? 'muted' : rune.change1dPct >= 0 ? 'up' : 'down'}`}
                      >
                        {formatChange(rune.change1dPct === null ? null : rune.change1dPct / 100)}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </section>
  );
}

/** The newest firings still open. */
export function OpenAlertsPanel() {
  const history = useAlertHistory('open', 5);
  const { formatTime } = useTimeFormat();
  return (
    <section className="panel" aria-label="Open alerts">
      <div className="panel-header">
        <div>
          <h2>Open alerts</h2>
          <p className="muted small">
            {history.data ? `${history.data.openCount} open` : 'Firings not yet acknowledged.'}
          </p>
        </div>
        <Link to="/alerts#history">Alert history</Link>
      </div>
      <QueryView query={history} compact isEmpty={(data) => data.events.length === 0} empty="No open alerts.">
        {(data) => (
          <ul className="stack small" style={{ gap: 4 }}>
            {data.events.map((event) => (
              <li key={event.id} data-testid="overview-alert">
                <span className={`badge ${event.severity === 'critical' ? 'down' : 'degraded'}`}>
                  {event.severity}
                </span>{' '}
                <strong>{event.ruleName}</strong> · {event.message}{' '}
                <span className="muted">· {formatTime(event.firedAtMs)}</span>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </section>
  );
}
