/** @jsxRuntime automatic */
import { NavLink } from 'react-router';
import { useOpenAlertCount } from './alerts-queries.ts';

/** The bell's label: what a screen reader says and the tooltip shows. */
export function bellLabel(openCount: number | undefined): string {
  if (openCount === undefined) return 'Alerts';
  if (openCount === 0) return 'Alerts: no open firings';
  return `Alerts: ${openCount} open ${openCount === 1 ? 'firing' : 'firings'}`;
}

/** The top bar's bell: the number of open firings, refreshed every 30 s and after each action. */
export function AlertBell() {
  const openCount = useOpenAlertCount();
  const count = openCount.data;
  const label = bellLabel(count);
  return (
    <NavLink
      to="/alerts#history"
      className="alert-bell"
      aria-label={label}
      title={openCount.isError ? 'Alerts: the open count could not be loaded' : label}
      data-testid="alert-bell"
      data-open-count={count ?? ''}
    >
      <span aria-hidden="true">🔔</span>
      {count !== undefined && count > 0 ? (
        <span className="alert-bell-count" aria-hidden="true">
          {count > 99 ? '99+' : count}
        </span>
      ) : null}
    </NavLink>
  );
}
