/** @jsxRuntime automatic */
import { Suspense, useEffect, useState, type ReactNode } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { z } from 'zod';
import { useServices, useSession } from '../lib/services.tsx';
import { setTheme, useTheme } from '../lib/theme.ts';
import { AlertBell } from '../features/alerts/alert-bell.tsx';
import { useReadiness } from '../features/health/use-health.ts';
import { LoadingState } from './query-state.tsx';

export interface NavItem {
  to: string;
  label: string;
  adminOnly?: boolean;
}

function DataModeBadge() {
  const readiness = useReadiness();
  const data = readiness.data;
  if (data === undefined) return null;
  const mode = data.dataMode.mode;
  const label = mode === 'live' ? 'live data' : mode === 'replay' ? 'replay of real data' : 'simulated data';
  return (
    <span
      className={`badge ${mode === 'live' ? 'ok' : mode}`}
      title={data.dataMode.description}
      data-testid="data-mode"
      aria-label={label}
    >
      <span aria-hidden="true">●</span> <span className="data-mode-label">{label}</span>
    </span>
  );
}

function ThemeToggle() {
  const theme = useTheme();
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      className="ghost"
      onClick={() => setTheme(next)}
      aria-label={`Switch to the ${next} theme`}
      title={`Switch to the ${next} theme`}
    >
      {theme === 'dark' ? '☀' : '☾'}
    </button>
  );
}

function UserMenu() {
  const { api, sessions } = useServices();
  const session = useSession();
  const navigate = useNavigate();
  if (session === null) return null;
  const logout = async () => {
    try {
      await api.request('/api/v1/auth/logout', {
        method: 'POST',
        body: { refreshToken: session.refreshToken },
        schema: z.null(),
      });
    } catch {
      // The session ends here either way; the server forgets it when its tokens expire.
    }
    sessions.end('logged-out');
    void navigate('/login', { replace: true });
  };
  return (
    <div className="row" style={{ gap: 6 }}>
      <NavLink to="/account" className="small" data-testid="account-link">
        {session.user.displayName ?? session.user.email}
      </NavLink>
      {session.user.role === 'admin' ? <span className="badge admin">admin</span> : null}
      <button type="button" className="small" onClick={() => void logout()}>
        Log out
      </button>
    </div>
  );
}

/** The frame around every logged-in page: navigation, data mode, theme and account. */
export function AppShell(props: { nav: readonly NavItem[]; children?: ReactNode }) {
  const session = useSession();
  const isAdmin = session?.user.role === 'admin';
  const location = useLocation();
  // On narrow screens the navigation folds into a menu, closed again by every page change.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [location.pathname]);
  return (
    <div className="app-shell">
      <header className="top-bar">
        <button
          type="button"
          className="ghost menu-button"
          aria-label="Menu"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span aria-hidden="true">☰</span>
        </button>
        <NavLink to="/" className="brand">
          <img src="/favicon.svg" alt="" />
          <span className="brand-name">Runecast</span>
        </NavLink>
        <nav id="main-nav" className={`main-nav${menuOpen ? ' open' : ''}`} aria-label="Main">
          {props.nav
            .filter((item) => !item.adminOnly || isAdmin)
            .map((item) => (
              <NavLink key={item.to} to={item.to} end={item.to === '/'}>
                {item.label}
              </NavLink>
            ))}
        </nav>
        <div className="top-bar-right">
          <DataModeBadge />
          <AlertBell />
          <ThemeToggle />
          <UserMenu />
        </div>
      </header>
      <main>
        <Suspense fallback={<LoadingState label="Loading the page…" />}>
          {props.children ?? <Outlet />}
        </Suspense>
      </main>
    </div>
  );
}
