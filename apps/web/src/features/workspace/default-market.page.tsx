/** @jsxRuntime automatic */
import { Link, Navigate } from 'react-router';
import { ErrorState, LoadingState } from '../../components/query-state.tsx';
import { usePreferences } from '../../lib/preferences.ts';
import { marketPath, parseSeriesKey, useTrackedMarkets } from '../markets/market-queries.ts';

/**
 * `/markets` without a market: the workspace's default market and timeframe, else the first
 * tracked market, else a pointer to the overview where markets are tracked.
 */
export default function DefaultMarketPage() {
  const preferences = usePreferences();
  const markets = useTrackedMarkets();
  const saved = preferences.data?.defaultSeries ?? null;
  const parsed = saved === null ? null : parseSeriesKey(saved);
  if (parsed !== null) return <Navigate to={`${marketPath(parsed)}?tf=${parsed.timeframe}`} replace />;
  if (preferences.isPending || (preferences.isSuccess && markets.isPending)) {
    return (
      <div className="page">
        <LoadingState label="Opening your market…" />
      </div>
    );
  }
  const first = markets.data?.[0];
  if (first !== undefined) return <Navigate to={marketPath(first)} replace />;
  return (
    <div className="page">
      {markets.isError ? (
        <ErrorState error={markets.error} onRetry={() => void markets.refetch()} />
      ) : (
        <div className="panel state" data-testid="empty-state">
          <h2>No market to open</h2>
          <p className="muted">
            No market is tracked yet. <Link to="/">Track one from the overview</Link>, or choose a default
            market in your <Link to="/account/workspace">workspace settings</Link>.
          </p>
        </div>
      )}
    </div>
  );
}
