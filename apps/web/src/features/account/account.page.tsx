/** @jsxRuntime automatic */
import {
  apiKeyListResponseSchema,
  createApiKeyResponseSchema,
  sessionResponseSchema,
  userSchema,
  type ApiKey,
} from '@runecast/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { z } from 'zod';
import { InlineError, QueryView } from '../../components/query-state.tsx';
import { formatRelative } from '../../lib/format.ts';
import { useTimeFormat } from '../../lib/preferences.ts';
import { useServices, useSession } from '../../lib/services.tsx';

function ProfilePanel() {
  const { formatTime } = useTimeFormat();
  const { api, sessions } = useServices();
  const session = useSession();
  const [displayName, setDisplayName] = useState(session?.user.displayName ?? '');
  const [email, setEmail] = useState(session?.user.email ?? '');
  const update = useMutation({
    mutationFn: () =>
      api.request('/api/v1/auth/me', {
        method: 'PATCH',
        body: {
          ...(email.trim() !== session?.user.email ? { email: email.trim() } : {}),
          displayName: displayName.trim() === '' ? null : displayName.trim(),
        },
        schema: userSchema,
      }),
    onSuccess: (user) => sessions.updateUser(user),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate();
  };
  return (
    <section className="panel" aria-label="Profile">
      <div className="panel-header">
        <div>
          <h2>Profile</h2>
          <p className="muted small">
            Role <span className={`badge ${session?.user.role}`}>{session?.user.role}</span> · member since{' '}
            {session ? formatTime(session.user.createdAtMs) : '—'}
          </p>
        </div>
      </div>
      <form className="stack" onSubmit={submit}>
        <label className="field">
          Email
          <input type="email" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
        <label className="field">
          Name
          <input
            value={displayName}
            maxLength={100}
            onChange={(event) => setDisplayName(event.target.value)}
          />
        </label>
        <InlineError error={update.error} />
        {update.isSuccess ? <div className="notice success">Saved.</div> : null}
        <div>
          <button type="submit" className="primary" disabled={update.isPending}>
            Save
          </button>
        </div>
      </form>
    </section>
  );
}

function PasswordPanel() {
  const { api } = useServices();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const change = useMutation({
    mutationFn: () =>
      api.request('/api/v1/auth/me/password', {
        method: 'POST',
        body: { currentPassword, newPassword },
        schema: sessionResponseSchema,
      }),
    onSuccess: (response) => {
      // Every other session ended; this one continues with the new tokens.
      api.startSession(response);
      setCurrentPassword('');
      setNewPassword('');
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate();
  };
  return (
    <section className="panel" aria-label="Change password">
      <div className="panel-header">
        <div>
          <h2>Password</h2>
          <p className="muted small">Changing it logs out every other session.</p>
        </div>
      </div>
      <form className="stack" onSubmit={submit}>
        <label className="field">
          Current password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={currentPassword}
            onChange={(event) => setCurrentPassword(event.target.value)}
          />
        </label>
        <label className="field">
          New password (at least 10 characters)
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            value={newPassword}
            onChange={(event) => setNewPassword(event.target.value)}
          />
        </label>
        <InlineError error={change.error} />
        {change.isSuccess ? <div className="notice success">Password changed.</div> : null}
        <div>
          <button type="submit" className="primary" disabled={change.isPending}>
            Change password
          </button>
        </div>
      </form>
    </section>
  );
}

function keyStatus(key: ApiKey, nowMs: number): { label: string; className: string } {
  if (key.revokedAtMs !== null) return { label: 'revoked', className: 'down' };
  if (key.expiresAtMs !== null && key.expiresAtMs <= nowMs)
    return { label: 'expired', className: 'degraded' };
  return { label: 'active', className: 'ok' };
}

function ApiKeysPanel() {
  const { formatTime } = useTimeFormat();
  const { api } = useServices();
  const queryClient = useQueryClient();
  const keys = useQuery({
    queryKey: ['api-keys'],
    queryFn: async ({ signal }) =>
      (await api.request('/api/v1/api-keys', { schema: apiKeyListResponseSchema, signal })).apiKeys,
  });
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'read' | 'read-write'>('read');
  const [expiresOn, setExpiresOn] = useState('');
  const [copied, setCopied] = useState(false);
  const create = useMutation({
    mutationFn: () =>
      api.request('/api/v1/api-keys', {
        method: 'POST',
        body: { name, scope, ...(expiresOn ? { expiresAt: `${expiresOn}T00:00:00Z` } : {}) },
        schema: createApiKeyResponseSchema,
      }),
    onSuccess: () => {
      setName('');
      setExpiresOn('');
      setCopied(false);
      void queryClient.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (keyId: string) =>
      api.request(`/api/v1/api-keys/${keyId}`, { method: 'DELETE', schema: z.null() }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  const nowMs = Date.now();
  return (
    <section className="panel" aria-label="API keys">
      <div className="panel-header">
        <div>
          <h2>API keys</h2>
          <p className="muted small">
            For scripts: send as <code>Authorization: Bearer &lt;key&gt;</code>. A key is shown once; only its
            hash is kept.
          </p>
        </div>
      </div>
      <form className="form-grid" onSubmit={submit}>
        <label className="field">
          Name
          <input
            required
            maxLength={100}
            value={name}
            onChange={(event) => setName(event.target.value)}
            placeholder="backtest script"
          />
        </label>
        <label className="field">
          Scope
          <select value={scope} onChange={(event) => setScope(event.target.value as 'read' | 'read-write')}>
            <option value="read">read only</option>
            <option value="read-write">read and write</option>
          </select>
        </label>
        <label className="field">
          Expires (optional)
          <input type="date" value={expiresOn} onChange={(event) => setExpiresOn(event.target.value)} />
        </label>
        <div>
          <button type="submit" className="primary" disabled={create.isPending}>
            Create key
          </button>
        </div>
      </form>
      <InlineError error={create.error} />
      {create.data ? (
        <div className="notice success stack" style={{ marginTop: 12 }} data-testid="new-api-key">
          <strong>Copy the key “{create.data.apiKey.name}” now; it will not be shown again.</strong>
          <div className="secret-once">
            <code>{create.data.key}</code>
            <button type="button" onClick={() => void copy(create.data.key)}>
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
        </div>
      ) : null}
      <div style={{ marginTop: 12 }}>
        <QueryView query={keys} isEmpty={(list) => list.length === 0} empty="No API keys yet." compact>
          {(list) => (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Key starts</th>
                    <th>Scope</th>
                    <th>Status</th>
                    <th>Created</th>
                    <th>Last used</th>
                    <th>Expires</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {list.map((key) => {
                    const status = keyStatus(key, nowMs);
                    return (
                      <tr key={key.id} data-testid="api-key-row">
                        <td>{key.name}</td>
                        <td>
                          <code>{key.prefix}…</code>
                        </td>
                        <td>{key.scope}</td>
                        <td>
                          <span className={`badge ${status.className}`}>{status.label}</span>
                        </td>
                        <td className="small">{formatTime(key.createdAtMs)}</td>
                        <td className="small">
                          {key.lastUsedAtMs === null ? 'never' : formatRelative(key.lastUsedAtMs)}
                          {key.lastUsedIp === null ? null : ` from ${key.lastUsedIp}`}
                        </td>
                        <td className="small">
                          {key.expiresAtMs === null ? 'never' : formatTime(key.expiresAtMs)}
                        </td>
                        <td className="num">
                          {key.revokedAtMs === null ? (
                            <button
                              type="button"
                              className="small danger"
                              disabled={revoke.isPending}
                              onClick={() => {
                                if (
                                  window.confirm(
                                    `Revoke the key “${key.name}”? Scripts using it stop working.`,
                                  )
                                ) {
                                  revoke.mutate(key.id);
                                }
                              }}
                            >
                              Revoke
                            </button>
                          ) : null}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
        <InlineError error={revoke.error} />
      </div>
    </section>
  );
}

export default function AccountPage() {
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Account</h1>
          <p>Your profile, password and API keys.</p>
        </div>
        <Link to="/account/workspace" className="button" data-testid="workspace-link">
          Workspace settings
        </Link>
      </div>
      <div className="grid-2">
        <ProfilePanel />
        <PasswordPanel />
      </div>
      <ApiKeysPanel />
    </div>
  );
}
