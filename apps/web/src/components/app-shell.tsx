/** @jsxRuntime automatic */
import { Suspense, type ReactNode } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { z } from 'zod';
import { useServices, useSession } from '../lib/services.tsx';
import { setTheme, useTheme } from '../lib/theme.ts';
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
    >
      <span aria-hidden="true">●</span> {label}
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
  return (
    <div className="app-shell">
      <header className="top-bar">
        <NavLink to="/" className="brand">
          <img src="/favicon.svg" alt="" />
          Runecast
        </NavLink>
        <nav className="main-nav" aria-label="Main">
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
