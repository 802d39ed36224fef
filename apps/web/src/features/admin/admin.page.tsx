/** @jsxRuntime automatic */
import {
  auditListResponseSchema,
  authSettingsSchema,
  createUserResponseSchema,
  userListResponseSchema,
  userSchema,
  type User,
  type UserRole,
} from '@runecast/contracts';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { z } from 'zod';
import { InlineError, QueryView } from '../../components/query-state.tsx';
import { formatRelative } from '../../lib/format.ts';
import { useTimeFormat } from '../../lib/preferences.ts';
import { useApi, useSession } from '../../lib/services.tsx';

const PAGE_SIZE = 50;

function SignupSetting() {
  const api = useApi();
  const queryClient = useQueryClient();
  const settings = useQuery({
    queryKey: ['admin-settings'],
    queryFn: ({ signal }) => api.request('/api/v1/admin/settings', { schema: authSettingsSchema, signal }),
  });
  const update = useMutation({
    mutationFn: (signupEnabled: boolean) =>
      api.request('/api/v1/admin/settings', {
        method: 'PATCH',
        body: { signupEnabled },
        schema: authSettingsSchema,
      }),
    onSuccess: (data) => queryClient.setQueryData(['admin-settings'], data),
  });
  return (
    <section className="panel" aria-label="Sign-up">
      <div className="panel-header">
        <div>
          <h2>Sign-up</h2>
          <p className="muted small">When off, only admins create accounts.</p>
        </div>
      </div>
      <QueryView query={settings} compact>
        {(data) => (
          <label className="check">
            <input
              type="checkbox"
              checked={data.signupEnabled}
              disabled={update.isPending}
              onChange={(event) => update.mutate(event.target.checked)}
              data-testid="signup-toggle"
            />
            Anyone may sign up ({data.signupEnabled ? 'on' : 'off'})
          </label>
        )}
      </QueryView>
      <InlineError error={update.error} />
    </section>
  );
}

function CreateUserForm() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<UserRole>('user');
  const [password, setPassword] = useState('');
  const [generate, setGenerate] = useState(false);
  const create = useMutation({
    mutationFn: () =>
      api.request('/api/v1/admin/users', {
        method: 'POST',
        body: { email, role, ...(generate ? { generatePassword: true } : { password }) },
        schema: createUserResponseSchema,
      }),
    onSuccess: () => {
      setEmail('');
      setPassword('');
      void queryClient.invalidateQueries({ queryKey: ['admin-users'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <section className="panel" aria-label="Create a user">
      <div className="panel-header">
        <h2>Create a user</h2>
      </div>
      <form className="form-grid" onSubmit={submit} data-testid="create-user-form">
        <label className="field">
          Email
          <input
            name="email"
            type="email"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </label>
        <label className="field">
          Role
          <select name="role" value={role} onChange={(event) => setRole(event.target.value as UserRole)}>
            <option value="user">user</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <label className="field">
          Password
          <input
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={10}
            required={!generate}
            disabled={generate}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={generate} onChange={(event) => setGenerate(event.target.checked)} />
          Generate a password
        </label>
        <div>
          <button type="submit" className="primary" disabled={create.isPending}>
            Create user
          </button>
        </div>
      </form>
      <InlineError error={create.error} />
      {create.data ? (
        <div className="notice success" style={{ marginTop: 12 }} data-testid="user-created">
          Created {create.data.user.email} ({create.data.user.role}).
          {create.data.generatedPassword ? (
            <div className="secret-once" style={{ marginTop: 8 }}>
              <span>Password, shown once:</span>
              <code>{create.data.generatedPassword}</code>
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function UserRow(props: { user: User; isSelf: boolean }) {
  const { formatTime } = useTimeFormat();
  const api = useApi();
  const queryClient = useQueryClient();
  const { user } = props;
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['admin-users'] });
  const update = useMutation({
    mutationFn: (body: { role?: UserRole; disabled?: boolean }) =>
      api.request(`/api/v1/admin/users/${user.id}`, { method: 'PATCH', body, schema: userSchema }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api.request(`/api/v1/admin/users/${user.id}`, { method: 'DELETE', schema: z.null() }),
    onSuccess: refresh,
  });
  return (
    <tr data-testid="user-row" data-email={user.email}>
      <td>
        <strong>{user.email}</strong>
        {props.isSelf ? <span className="muted small"> (you)</span> : null}
        {user.displayName ? <div className="muted small">{user.displayName}</div> : null}
      </td>
      <td>
        <select
          aria-label={`Role of ${user.email}`}
          value={user.role}
          disabled={update.isPending || props.isSelf}
          onChange={(event) => update.mutate({ role: event.target.value as UserRole })}
        >
          <option value="user">user</option>
          <option value="admin">admin</option>
        </select>
      </td>
      <td>
        <span className={`badge ${user.disabled ? 'down' : 'ok'}`}>
          {user.disabled ? 'disabled' : 'active'}
        </span>
      </td>
      <td className="small">{formatTime(user.createdAtMs)}</td>
      <td className="small">{user.lastLoginAtMs === null ? 'never' : formatRelative(user.lastLoginAtMs)}</td>
      <td className="num">
        <div className="row" style={{ justifyContent: 'flex-end' }}>
          <button
            type="button"
            className="small"
            disabled={update.isPending || props.isSelf}
            onClick={() => update.mutate({ disabled: !user.disabled })}
          >
            {user.disabled ? 'Enable' : 'Disable'}
          </button>
          <button
            type="button"
            className="small danger"
            disabled={remove.isPending || props.isSelf}
            onClick={() => {
              if (window.confirm(`Delete ${user.email}? This cannot be undone.`)) remove.mutate();
            }}
          >
            Delete
          </button>
        </div>
        <InlineError error={update.error ?? remove.error} />
      </td>
    </tr>
  );
}

function UsersPanel() {
  const api = useApi();
  const session = useSession();
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  const users = useQuery({
    queryKey: ['admin-users', search, offset],
    queryFn: ({ signal }) =>
      api.request('/api/v1/admin/users', {
        query: { search: search.trim(), limit: PAGE_SIZE, offset },
        schema: userListResponseSchema,
        signal,
      }),
    placeholderData: keepPreviousData,
  });
  return (
    <section className="panel" aria-label="Users">
      <div className="panel-header">
        <h2>Users</h2>
        <input
          placeholder="Search email…"
          aria-label="Search users"
          value={search}
          onChange={(event) => {
            setSearch(event.target.value);
            setOffset(0);
          }}
        />
      </div>
      <QueryView query={users} isEmpty={(data) => data.users.length === 0} empty="No user matches.">
        {(data) => (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>User</th>
                    <th>Role</th>
                    <th>Status</th>
                    <th>Created</th>
                    <th>Last log-in</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {data.users.map((user) => (
                    <UserRow key={user.id} user={user} isSelf={user.id === session?.user.id} />
                  ))}
                </tbody>
              </table>
            </div>
            <div className="row small muted" style={{ marginTop: 8 }}>
              <span>
                {offset + 1}–{offset + data.users.length} of {data.total}
              </span>
              <span className="spacer" />
              <button
                type="button"
                className="small"
                disabled={offset === 0}
                onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
              >
                Previous
              </button>
              <button
                type="button"
                className="small"
                disabled={offset + PAGE_SIZE >= data.total}
                onClick={() => setOffset(offset + PAGE_SIZE)}
              >
                Next
              </button>
            </div>
          </>
        )}
      </QueryView>
    </section>
  );
}

function AuditPanel() {
  const { formatTime } = useTimeFormat();
  const api = useApi();
  const audit = useQuery({
    queryKey: ['admin-audit'],
    queryFn: ({ signal }) =>
      api.request('/api/v1/admin/audit-log', {
        query: { limit: 50 },
        schema: auditListResponseSchema,
        signal,
      }),
    refetchInterval: 30_000,
  });
  return (
    <section className="panel" aria-label="Audit log">
      <div className="panel-header">
        <div>
          <h2>Audit log</h2>
          <p className="muted small">Admin actions and failed log-ins, newest first.</p>
        </div>
      </div>
      <QueryView
        query={audit}
        isEmpty={(data) => data.entries.length === 0}
        empty="Nothing recorded yet."
        compact
      >
        {(data) => (
          <div className="table-wrap" style={{ maxHeight: 420, overflowY: 'auto' }}>
            <table>
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Who</th>
                  <th>Action</th>
                  <th>Target</th>
                  <th>Outcome</th>
                  <th>IP</th>
                </tr>
              </thead>
              <tbody>
                {data.entries.map((entry) => (
                  <tr key={entry.id}>
                    <td className="small">{formatTime(entry.timeMs, true)}</td>
                    <td className="small">{entry.actorEmail ?? '—'}</td>
                    <td>
                      <code>{entry.action}</code>
                    </td>
                    <td className="small" title={entry.targetEmail ? (entry.target ?? undefined) : undefined}>
                      {entry.targetEmail ?? entry.target ?? '—'}
                    </td>
                    <td>
                      <span className={`badge ${entry.outcome === 'success' ? 'ok' : 'down'}`}>
                        {entry.outcome}
                      </span>
                    </td>
                    <td className="small muted">{entry.ip ?? '—'}</td>
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

export default function AdminPage() {
  return (
    <div className="page" data-testid="admin-page">
      <div className="page-header">
        <div>
          <h1>Administration</h1>
          <p>Users, roles, sign-up and the audit log.</p>
        </div>
      </div>
      <div className="grid-2">
        <CreateUserForm />
        <SignupSetting />
      </div>
      <UsersPanel />
      <AuditPanel />
    </div>
  );
}
