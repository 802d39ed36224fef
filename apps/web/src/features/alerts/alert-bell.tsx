/** @jsxRuntime automatic */
import { NavLink } from 'react-router';
import { useAlertPush, useOpenAlertCount } from './alerts-queries.ts';

/** The bell's label: what a screen reader says and the tooltip shows. */
export function bellLabel(openCount: number | undefined): string {
  if (openCount === undefined) return 'Alerts';
  if (openCount === 0) return 'Alerts: no open firings';
  return `Alerts: ${openCount} open ${openCount === 1 ? 'firing' : 'firings'}`;
}

/**
 * The top bar's bell: the number of open firings, raised the moment a firing is pushed over the
 * alerts stream, and asked again every 30 s and after each action.
 */
export function AlertBell() {
  const openCount = useOpenAlertCount();
  const pushed = useAlertPush();
  const count = openCount.data;
  const latest = pushed[0];
  const label = bellLabel(count);
  return (
    <NavLink
      to="/alerts#history"
      className="alert-bell"
      aria-label={label}
      title={
        openCount.isError
          ? 'Alerts: the open count could not be loaded'
          : latest === undefined
            ? label
            : `${label}. Latest: ${latest.message}`
      }
      data-testid="alert-bell"
      data-open-count={count ?? ''}
      data-latest-firing={latest?.id ?? ''}
    >
      <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
        <path
          d="M12 3a6 6 0 0 0-6 6v3.6L4.3 15.4A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.6L18 12.6V9a6 6 0 0 0-6-6Zm-2.5 15a2.5 2.5 0 0 0 5 0h-5Z"
          fill="currentColor"
        />
      </svg>
      {count !== undefined && count > 0 ? (
        <span className="alert-bell-count" aria-hidden="true" data-testid="alert-bell-count">
          {count > 99 ? '99+' : count}
        </span>
      ) : null}
    </NavLink>
  );
}
