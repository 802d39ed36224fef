/** @jsxRuntime automatic */
import { nodeFetch } from '../../test-support/node-fetch.ts';
import '../../test-support/dom-environment.ts';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sessionResponseSchema, userPreferencesResponseSchema } from '@runecast/contracts';
import { QueryClient } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { closesCandles } from '../../../../server/test/support/alert-fixtures.ts';
import { createApiHarness, type ApiHarness } from '../../../../server/test/support/http/api-harness.ts';
import { ApiClient } from '../../lib/api-client.ts';
import { formatTime } from '../../lib/format.ts';
import { ServicesProvider, type AppServices } from '../../lib/services.tsx';
import { SessionStore } from '../../lib/session.store.ts';
import { WatchToggle } from './watch-toggle.tsx';
import { WatchlistPanel } from './watchlist-panel.tsx';
import WorkspaceSettingsPage from './workspace-settings.page.tsx';
import { serverFieldErrors } from './workspace-model.ts';

// The workspace settings, the watch star and the overview's watchlist against the real API on a
// fresh store: what the page saves is read back from the server, not from the page.

// Answers come from a real server on their own schedule, as in a browser, not inside act().
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;

const SERIES = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' as const };
const SERIES_KEY = 'binance:BTC/USDT:1m';
const MINUTE_MS = 60_000;

const fieldError = (input: HTMLElement) =>
  document.getElementById(input.getAttribute('aria-describedby')?.split(' ')[0] ?? '')?.textContent;

describe('workspace settings and watchlist against the real API', { timeout: 120_000 }, () => {
  let harness: ApiHarness;
  let services: AppServices;
  let token = '';
  let lastOpenMs = 0;

  const saved = async () =>
    userPreferencesResponseSchema.parse(
      (await harness.request({ method: 'GET', url: '/api/v1/me/preferences', token })).json(),
    );

  before(async () => {
    harness = await createApiHarness();
    await harness.app.listen({ host: '127.0.0.1', port: 0 });
    const baseUrl = `http://127.0.0.1:${(harness.app.server.address() as AddressInfo).port}`;
    const startMs = Math.floor((Date.now() - 2 * 3_600_000) / MINUTE_MS) * MINUTE_MS;
    const closes = Array.from({ length: 30 }, (_, index) => 100 + index);
    await harness.store.candles.upsertCandles(closesCandles(SERIES, closes, startMs, MINUTE_MS));
    lastOpenMs = startMs + 29 * MINUTE_MS;
    const user = await harness.createUser();
    token = user.token;

    const sessions = new SessionStore(null);
    const client = new ApiClient(sessions, baseUrl, nodeFetch);
    client.startSession(
      await client.request('/api/v1/auth/login', {
        method: 'POST',
        body: { email: user.email, password: user.password },
        schema: sessionResponseSchema,
        authenticated: false,
      }),
    );
    services = {
      sessions,
      api: client,
      // No garbage-collection timers, so the test ends when its work does.
      queryClient: new QueryClient({
        defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { gcTime: Infinity } },
      }),
    };
  });

  after(async () => {
    cleanup();
    services?.queryClient.clear();
    await harness?.close();
  });

  test('the settings page checks the time zone, saves every field and reads them back', async () => {
    render(
      <ServicesProvider services={services}>
        <MemoryRouter initialEntries={['/account/workspace']}>
          <WorkspaceSettingsPage />
        </MemoryRouter>
      </ServicesProvider>,
    );
    const form = await screen.findByRole('form', { name: 'Workspace' });
    await within(form).findByText('Never saved: these are the defaults.');
    const zone = within(form).getByLabelText('Time zone') as HTMLInputElement;
    assert.equal(zone.value, '', 'the browser’s own zone until one is chosen');

    fireEvent.change(zone, { target: { value: 'Moon/Base' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save workspace' }));
    assert.equal(fieldError(zone), 'must be an IANA time zone such as Europe/Berlin');
    assert.equal(zone.getAttribute('aria-invalid'), 'true');
    assert.match(within(form).getByTestId('save-error').textContent ?? '', /Not saved/);
    assert.equal((await saved()).updatedAtMs, null, 'nothing was sent');

    fireEvent.change(zone, { target: { value: 'Asia/Tokyo' } });
    assert.equal(zone.getAttribute('aria-invalid'), null, 'a changed field loses its message');
    assert.equal(within(form).queryAllByTestId('field-error').length, 0);
    fireEvent.change(within(form).getByLabelText('Chart type'), { target: { value: 'line' } });
    fireEvent.change(within(form).getByLabelText('Default range'), { target: { value: '1W' } });
    fireEvent.click(within(form).getByLabelText('RSI 14'));
    fireEvent.click(within(form).getByLabelText('Volume'));
    fireEvent.click(within(form).getByLabelText('Forecast 80% and 95% bands'));
    const layout = within(form).getByTestId('panel-layout');
    fireEvent.click(within(layout).getByLabelText('Health'));
    fireEvent.click(within(layout).getByRole('button', { name: 'Move Markets up' }));
    fireEvent.click(within(layout).getByRole('button', { name: 'Move Markets up' }));
    fireEvent.click(within(form).getByRole('button', { name: 'Save workspace' }));
    await within(form).findByTestId('save-success');

    const stored = await saved();
    assert.equal(stored.timeZone, 'Asia/Tokyo');
    assert.deepEqual(stored.chart, {
      style: 'line',
      showVolume: false,
      showIntervals: false,
      indicators: ['rsi14'],
      range: '1W',
    });
    assert.deepEqual(stored.overviewPanels, [
      'markets',
      'watchlist',
      'forecasts',
      'runes',
      'training',
      'alerts',
    ]);
    assert.ok(stored.updatedAtMs !== null);
    await within(form).findByText(/^Last saved \d{4}-\d\d-\d\d \d\d:\d\d GMT\+9\.$/);
    cleanup();
  });

  test('a refusal of the API is shown by field', async () => {
    // The page checks with the same contract first, so the API's own 400 is asked for directly.
    const refusal = await services.api
      .request('/api/v1/me/preferences', {
        method: 'PUT',
        body: { timeZone: 'Moon/Base', chart: { range: '2W' } },
        schema: userPreferencesResponseSchema,
      })
      .then(
        () => null,
        (error: unknown) => error,
      );
    const errors = serverFieldErrors(refusal);
    assert.equal(errors.timeZone, 'must be an IANA time zone such as Europe/Berlin');
    assert.match(errors['chart.range'] ?? '', /must be one of 6H, 1D, 1W, 1M, 1Y, All/);
    assert.equal(errors[''], undefined);
  });

  test('the star adds a market to the watchlist, which the overview shows with its newest price', async () => {
    cleanup();
    render(
      <ServicesProvider services={services}>
        <MemoryRouter initialEntries={['/']}>
          <WatchToggle series={SERIES_KEY} label="binance:BTC/USDT" />
          <WatchlistPanel />
        </MemoryRouter>
      </ServicesProvider>,
    );
    await screen.findByTestId('watchlist-empty');
    const star = screen.getByTestId('watch-toggle');
    await waitFor(() => assert.equal((star as HTMLButtonElement).disabled, false));
    assert.equal(star.getAttribute('aria-pressed'), 'false');
    fireEvent.click(star);
    await waitFor(() => assert.equal(star.getAttribute('aria-pressed'), 'true'));
    assert.deepEqual((await saved()).watchlist, [SERIES_KEY]);

    const row = await screen.findByTestId('watchlist-row');
    assert.equal(row.getAttribute('data-series'), SERIES_KEY);
    const price = await within(row).findByTestId('watchlist-price');
    await waitFor(() => assert.match(price.textContent ?? '', /^129\.00/));
    // The candle's time in the saved zone (Asia/Tokyo, from the test before).
    const tokyo = formatTime(lastOpenMs, 'Asia/Tokyo');
    assert.match(tokyo, /^\d{4}-\d\d-\d\d \d\d:\d\d GMT\+9$/);
    assert.equal(price.textContent, `129.00${tokyo}`);

    fireEvent.click(within(row).getByRole('button', { name: `Stop watching ${SERIES_KEY}` }));
    await screen.findByTestId('watchlist-empty');
    await waitFor(() => assert.equal(star.getAttribute('aria-pressed'), 'false'));
    assert.deepEqual((await saved()).watchlist, []);
    const kept = await saved();
    assert.equal(kept.timeZone, 'Asia/Tokyo', 'the star changes the watchlist and nothing else');
    assert.equal(kept.chart.range, '1W');
  });
});
