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

/** Stands in for the browser's EventSource: the test emits what the server would send. */
class FakeEventSource {
  static opened: FakeEventSource[] = [];
  private readonly listeners = new Map<string, ((event: unknown) => void)[]>();
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.opened.push(this);
  }
  addEventListener(name: string, listener: (event: unknown) => void): void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
  }
  emit(name: string, data: unknown): void {
    for (const listener of this.listeners.get(name) ?? []) listener({ data: JSON.stringify(data) });
  }
  close(): void {
    this.closed = true;
  }
}

const firing = (id: string, message: string) => ({
  id,
  ruleId: '00000000-0000-4000-8000-0000000000aa',
  ownerUserId: '00000000-0000-4000-8000-000000000001',
  ruleName: 'BTC above 100k',
  series: 'binance:BTC/USDT:1m',
  severity: 'warning',
  firedAtMs: 1_767_614_400_000,
  message,
  values: { price: 100_200, level: 100_000 },
  status: 'open',
  snoozedUntilMs: null,
  silent: false,
});

/** A bell whose API answers the history with `answer` (a status and a body), or never when it says `hang`. */
function renderBell(answer: () => { status: number; body: unknown } | 'hang') {
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
    if (String(input) === '/api/v1/stream/tickets') {
      return Promise.resolve(
        new Response(JSON.stringify({ ticket: `rst_${'t'.repeat(43)}`, expiresAtMs: Date.now() + 30_000 }), {
          status: 201,
          headers: { 'content-type': 'application/json' },
        }),
      );
    }
    asked.push(String(input));
    const answered = answer();
    if (answered === 'hang') return new Promise<Response>(() => undefined);
    const { status, body } = answered;
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
  const realEventSource = (globalThis as { EventSource?: unknown }).EventSource;
  afterEach(() => {
    cleanup();
    (globalThis as { EventSource?: unknown }).EventSource = realEventSource;
    FakeEventSource.opened = [];
  });

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

  test('a firing pushed over the alerts stream counts at once, and the history is asked again', async () => {
    (globalThis as { EventSource?: unknown }).EventSource = FakeEventSource;
    let historyAnswers = true;
    const { asked, queryClient } = renderBell(() =>
      historyAnswers ? { status: 200, body: { events: [], openCount: 2 } } : 'hang',
    );
    const bell = screen.getByTestId('alert-bell');
    await waitFor(() => assert.equal(bell.getAttribute('aria-label'), 'Alerts: 2 open firings'));
    await waitFor(() => assert.equal(FakeEventSource.opened.length, 1));
    const stream = FakeEventSource.opened[0]!;
    assert.equal(new URL(stream.url, 'http://dashboard').pathname, '/api/v1/stream/alerts');
    const askedBefore = asked.length;

    // From here the history never answers: only the pushed event can move the bell.
    historyAnswers = false;
    stream.emit(
      'alert',
      firing('00000000-0000-4000-8000-0000000000b1', 'BTC above 100k: crossed (now 100200)'),
    );
    await waitFor(() => assert.equal(bell.getAttribute('aria-label'), 'Alerts: 3 open firings'));
    assert.equal(bell.textContent, '3');
    assert.match(bell.getAttribute('title') ?? '', /Latest: BTC above 100k: crossed \(now 100200\)$/);
    assert.equal(bell.getAttribute('data-latest-firing'), '00000000-0000-4000-8000-0000000000b1');
    await waitFor(() => assert.ok(asked.length > askedBefore, 'the history is asked again'));

    // The same firing again (a reconnect) is not counted twice; a malformed event is ignored.
    stream.emit(
      'alert',
      firing('00000000-0000-4000-8000-0000000000b1', 'BTC above 100k: crossed (now 100200)'),
    );
    stream.emit('alert', { id: 'nope' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(bell.getAttribute('aria-label'), 'Alerts: 3 open firings');

    // A second firing counts too.
    stream.emit('alert', firing('00000000-0000-4000-8000-0000000000b2', 'BTC above 100k again'));
    await waitFor(() => assert.equal(bell.getAttribute('aria-label'), 'Alerts: 4 open firings'));
    assert.equal(bell.getAttribute('data-latest-firing'), '00000000-0000-4000-8000-0000000000b2');

    cleanup();
    assert.equal(stream.closed, true, 'the stream closes with the bell');
    queryClient.clear();
  });
});
