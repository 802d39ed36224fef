/** @jsxRuntime automatic */
import { sessionResponseSchema } from '@runecast/contracts';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { InlineError } from '../../components/query-state.tsx';
import { useServices, useSession } from '../../lib/services.tsx';

/** Where to go after logging in: the page that sent the user here, never another site. */
export function safeNextPath(next: string | null): string {
  if (next === null || !next.startsWith('/') || next.startsWith('//')) return '/';
  if (next.startsWith('/login') || next.startsWith('/signup')) return '/';
  return next;
}

function AuthCard(props: { title: string; children: ReactNode }) {
  return (
    <div className="auth-page">
      <div className="panel auth-card">
        <h1>
          <img src="/favicon.svg" alt="" width={28} height={28} />
          {props.title}
        </h1>
        {props.children}
      </div>
    </div>
  );
}

export function LoginPage() {
  const { api, sessions } = useServices();
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const next = safeNextPath(new URLSearchParams(location.search).get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation({
    mutationFn: () =>
      api.request('/api/v1/auth/login', {
        method: 'POST',
        body: { email, password },
        schema: sessionResponseSchema,
        authenticated: false,
      }),
    onSuccess: (response) => {
      api.startSession(response);
      void navigate(next, { replace: true });
    },
  });
  if (session !== null) return <Navigate to={next} replace />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };
  return (
    <AuthCard title="Log in to Runecast">
      {sessions.lastEndReason === 'disabled' ? (
        <div className="notice error" role="status" data-testid="account-disabled">
          Your account is disabled. Ask an admin to enable it again.
        </div>
      ) : null}
      {sessions.lastEndReason === 'expired' ? (
        <div className="notice warning" role="status">
          Your session has expired. Log in again to continue.
        </div>
      ) : null}
      <form className="stack" onSubmit={submit}>
        <label className="field">
          Email
          <input
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </label>
        <label className="field">
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        <InlineError error={login.error} />
        <button type="submit" className="primary" disabled={login.isPending}>
          {login.isPending ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p className="muted small">
        No account? <Link to="/signup">Sign up</Link> (when the administrator allows it).
      </p>
    </AuthCard>
  );
}

export function SignupPage() {
  const { api } = useServices();
  const session = useSession();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const signup = useMutation({
    mutationFn: () =>
      api.request('/api/v1/auth/signup', {
        method: 'POST',
        body: { email, password, ...(displayName.trim() ? { displayName: displayName.trim() } : {}) },
        schema: sessionResponseSchema,
        authenticated: false,
      }),
    onSuccess: (response) => {
      api.startSession(response);
      void navigate('/', { replace: true });
    },
  });
  if (session !== null) return <Navigate to="/" replace />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (password !== repeated) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    signup.mutate();
  };
  return (
    <AuthCard title="Create an account">
      <form className="stack" onSubmit={submit}>
        <label className="field">
          Email
          <input
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </label>
        <label className="field">
          Name (optional)
          <input
            value={displayName}
            onChange={(event) => setDisplayName(event.target.value)}
            maxLength={100}
          />
        </label>
        <label className="field">
          Password (at least 10 characters)
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        <label className="field">
          Repeat password
          <input
            type="password"
            autoComplete="new-password"
            required
            value={repeated}
            onChange={(event) => setRepeated(event.target.value)}
          />
        </label>
        {mismatch ? <div className="notice error">The two passwords differ.</div> : null}
        <InlineError error={signup.error} />
        <button type="submit" className="primary" disabled={signup.isPending}>
          {signup.isPending ? 'Creating…' : 'Sign up'}
        </button>
      </form>
      <p className="muted small">
        Have an account? <Link to="/login">Log in</Link>
      </p>
    </AuthCard>
  );
}

/** Sends visitors without a session to log in, and back here afterwards. */
export function RequireSession(props: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (session === null) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{props.children}</>;
}

/** Pages for admins: others see why they cannot open them. */
export function RequireAdmin(props: { children: ReactNode }) {
  const session = useSession();
  if (session?.user.role !== 'admin') {
    return (
      <div className="page">
        <div className="panel state error" role="alert" data-testid="forbidden">
          <h2>Admins only</h2>
          <p>This page needs the admin role; you are logged in as {session?.user.email ?? 'nobody'}.</p>
          <Link to="/">Back to the overview</Link>
        </div>
      </div>
    );
  }
  return <>{props.children}</>;
}
