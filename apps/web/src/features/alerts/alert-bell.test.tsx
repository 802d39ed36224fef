/** @jsxRuntime automatic */
import '../../test-support/dom-environment.ts';
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { QueryClient } from '@tanstack/react-query';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { ApiClient } from '../../lib/api-client.ts';
import { ServicesProvider } from '../../lib/services.tsx';
import { SessionStore } from '../../lib/session.store.ts';
import { AlertBell, bellLabel } from './alert-bell.tsx';

/** A bell whose API answers the history with `answer` (a status and a body). */
function renderBell(answer: () => { status: number; body: unknown }) {
  const asked: string[] = [];
  const sessions = new SessionStore(null);
  sessions.start({
    accessToken: 'access',
    refreshToken: 'refresh',
    tokenType: 'Bearer',
    accessTokenExpiresAtMs: Date.now() + 3_600_000,
    refreshTokenExpiresAtMs: Date.now() + 86_400_000,
    user: {
      id: '00000000-0000-4000-8000-000000000001',
      email: 'user@example.com',
      displayName: null,
      role: 'user',
      disabled: false,
      createdAtMs: 1,
      lastLoginAtMs: null,
    },
  });
  const fetchHistory: typeof fetch = (input) => {
    asked.push(String(input));
    const { status, body } = answer();
    return Promise.resolve(
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
    );
  };
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity } } });
  render(
    <ServicesProvider services={{ sessions, api: new ApiClient(sessions, '', fetchHistory), queryClient }}>
      <MemoryRouter>
        <AlertBell />
      </MemoryRouter>
    </ServicesProvider>,
  );
  return { asked, queryClient };
}

describe('alert bell', () => {
  afterEach(cleanup);

  test('says how many firings are open', () => {
    assert.equal(bellLabel(undefined), 'Alerts');
    assert.equal(bellLabel(0), 'Alerts: no open firings');
    assert.equal(bellLabel(1), 'Alerts: 1 open firing');
    assert.equal(bellLabel(12), 'Alerts: 12 open firings');
  });

  test('asks for one firing and shows the open count, capped at 99+, linking to the history', async () => {
    const { asked, queryClient } = renderBell(() => ({ status: 200, body: { events: [], openCount: 140 } }));
    const bell = screen.getByTestId('alert-bell');
    await waitFor(() => assert.equal(bell.getAttribute('aria-label'), 'Alerts: 140 open firings'));
    assert.equal(bell.textContent, '99+');
    assert.equal(bell.getAttribute('href'), '/alerts#history');
    assert.deepEqual(asked, ['/api/v1/alerts/history?limit=1']);
    queryClient.clear();
  });

  test('shows no count when nothing is open, and says so when the count cannot be loaded', async () => {
    const first = renderBell(() => ({ status: 200, body: { events: [], openCount: 0 } }));
    await waitFor(() =>
      assert.equal(screen.getByTestId('alert-bell').getAttribute('aria-label'), 'Alerts: no open firings'),
    );
    assert.equal(screen.queryByTestId('alert-bell-count'), null);
    first.queryClient.clear();
    cleanup();
    const second = renderBell(() => ({
      status: 500,
      body: { error: { code: 'internal', message: 'the store is down' } },
    }));
    await waitFor(() =>
      assert.equal(
        screen.getByTestId('alert-bell').getAttribute('title'),
        'Alerts: the open count could not be loaded',
      ),
    );
    second.queryClient.clear();
  });
});
