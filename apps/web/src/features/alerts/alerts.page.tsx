/** @jsxRuntime automatic */
import { useEffect } from 'react';
import { useLocation } from 'react-router';
import { useCoveredSeries } from '../markets/market-queries.ts';
import { AlertChannelsPanel } from './alert-channels.tsx';
import { AlertHistoryPanel, DeadLettersPanel } from './alert-history.tsx';
import { AlertRulesPanel } from './alert-rules.tsx';
import { useAlertChannels } from './alerts-queries.ts';

/** Alerts: rules, the channels they send to, the history of firings and dead letters. */
export default function AlertsPage() {
  const channels = useAlertChannels();
  const covered = useCoveredSeries();
  const location = useLocation();
  // The bell links to `/alerts#history`; the panels load first, so scroll once they are there.
  useEffect(() => {
    if (location.hash !== '#history') return;
    document.getElementById('history')?.scrollIntoView?.({ block: 'start' });
  }, [location.hash, location.key]);
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Alerts</h1>
          <p>
            Rules that watch prices, volume and forecasts as they arrive, the channels they notify, and every
            firing.
          </p>
        </div>
      </div>
      <AlertRulesPanel channels={channels.data ?? null} seriesOptions={covered.data ?? []} />
      <AlertHistoryPanel />
      <AlertChannelsPanel />
      <DeadLettersPanel channels={channels.data ?? []} />
    </div>
  );
}
