/** @jsxRuntime automatic */
import { nodeFetch } from '../../test-support/node-fetch.ts';
import '../../test-support/dom-environment.ts';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sessionResponseSchema, type AlertRule } from '@runecast/contracts';
import { parseSeriesKey } from '@runecast/market';
import { QueryClient } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { AlertMonitor } from '../../../../server/src/alerts/alert-monitor.ts';
import { AlertSender, signBody } from '../../../../server/src/alerts/alert-sender.ts';
import { AlertService } from '../../../../server/src/alerts/alert.service.ts';
import { SecretBox } from '../../../../server/src/auth/secret-box.ts';
import { SecretService } from '../../../../server/src/auth/secret.service.ts';
import { candlesTopic } from '../../../../server/src/bus/topics.ts';
import { createLogger } from '../../../../server/src/observability/logger.ts';
import {
  closesBatch,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../../../server/test/support/alert-fixtures.ts';
import { createApiHarness, type ApiHarness } from '../../../../server/test/support/http/api-harness.ts';
import { ApiClient } from '../../lib/api-client.ts';
import { ServicesProvider, type AppServices } from '../../lib/services.tsx';
import { SessionStore } from '../../lib/session.store.ts';
import { AlertBell } from './alert-bell.tsx';
import AlertsPage from './alerts.page.tsx';

// The Alerts page and the bell against the real API on a fresh store, with the alerts evaluator
// fed candles through the bus and a local webhook receiver checking signatures.

// Answers come from a real server on their own schedule, as in a browser, not inside act().
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;

const SERIES = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' as const };
const SERIES_KEY = 'binance:BTC/USDT:1m';
const START_MS = Date.UTC(2026, 0, 5, 12, 0);

const candleBatch = (closes: readonly number[], firstMs: number) => closesBatch(SERIES, closes, firstMs);

const form = (name: string) => screen.getByRole('form', { name });
const field = (container: HTMLElement, label: string) =>
  within(container).getByLabelText(label) as HTMLInputElement;
const fieldError = (input: HTMLElement) =>
  document.getElementById(input.getAttribute('aria-describedby')?.split(' ')[0] ?? '')?.textContent;
const bell = () => screen.getByTestId('alert-bell');

describe('alerts page against the real API', { timeout: 120_000 }, () => {
  let harness: ApiHarness;
  let receiver: WebhookReceiver;
  let receiverUrl = '';
  let monitor: AlertMonitor;
  let clockMs = START_MS;
  let services: AppServices;
  let token = '';
  let secret = '';

  const api = async (method: string, url: string, body?: unknown) => {
    const response = await harness.request({ method, url, token, body });
    return {
      status: response.statusCode,
      body: response.body ? (JSON.parse(response.body) as unknown) : null,
    };
  };
  const rules = async () => ((await api('GET', '/api/v1/alerts/rules')).body as { rules: AlertRule[] }).rules;
  /** What the page's 30-second refresh would do, without waiting for it. */
  const refreshPage = () => services.queryClient.invalidateQueries({ queryKey: ['alerts'] });

  before(async () => {
    receiver = await startWebhookReceiver();
    receiverUrl = `${receiver.url}/hook`;

    const secretsKey = randomBytes(32);
    // The API's own sender takes the global fetch when it is built: Node's, not the page's.
    const pageFetch = globalThis.fetch;
    globalThis.fetch = nodeFetch;
    try {
      harness = await createApiHarness({
        dependencies: { authKeys: { tokenKey: randomBytes(64), secretsKey } },
      });
    } finally {
      globalThis.fetch = pageFetch;
    }
    await harness.app.listen({ host: '127.0.0.1', port: 0 });
    const baseUrl = `http://127.0.0.1:${(harness.app.server.address() as AddressInfo).port}`;
    await harness.store.coverage.markFetched(
      parseSeriesKey(SERIES_KEY),
      { startMs: START_MS, endMs: START_MS + 60_000 },
      [START_MS],
    );
    const user = await harness.createUser();
    token = user.token;

    monitor = new AlertMonitor({
      bus: harness.bus,
      repository: harness.store.alerts,
      service: new AlertService({
        repository: harness.store.alerts,
        secrets: new SecretService(harness.store.secrets, new SecretBox(secretsKey), () => clockMs),
        sender: new AlertSender({ fetch: nodeFetch }),
        now: () => clockMs,
      }),
      logger: createLogger('silent'),
      now: () => clockMs,
      deliveryIntervalMs: 3_600_000,
      ruleRefreshMs: 3_600_000,
    });
    await monitor.start();

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
    window.confirm = () => true;
    render(
      <ServicesProvider services={services}>
        <MemoryRouter initialEntries={['/alerts']}>
          <AlertBell />
          <AlertsPage />
        </MemoryRouter>
      </ServicesProvider>,
    );
  });

  after(async () => {
    cleanup();
    services?.queryClient.clear();
    await monitor?.stop();
    await harness?.close();
    await receiver?.close();
  });

  test('starts with empty lists and a bell with nothing open', async () => {
    await screen.findByText(/^No rules yet/);
    await screen.findByText(/^No channels yet\. Add a webhook/);
    await screen.findByText(/^No firings yet/);
    await screen.findByText(/^No dead letters/);
    await waitFor(() => assert.equal(bell().getAttribute('aria-label'), 'Alerts: no open firings'));
    assert.equal(bell().getAttribute('href'), '/alerts#history');
  });

  test('the channel form checks its fields, then creates a webhook whose secret is shown once', async () => {
    const channelForm = form('New channel');
    fireEvent.click(within(channelForm).getByRole('button', { name: 'Add channel' }));
    assert.equal(fieldError(field(channelForm, 'Name')), 'required');
    assert.equal(fieldError(field(channelForm, 'URL')), 'required');
    assert.equal(field(channelForm, 'URL').getAttribute('aria-invalid'), 'true');

    fireEvent.change(field(channelForm, 'Name'), { target: { value: 'desk' } });
    fireEvent.change(field(channelForm, 'URL'), { target: { value: 'ftp://example.com/hook' } });
    fireEvent.click(within(channelForm).getByRole('button', { name: 'Add channel' }));
    assert.equal(fieldError(field(channelForm, 'URL')), 'must be an http or https URL');
    assert.equal(fieldError(field(channelForm, 'Name')), undefined);
    assert.deepEqual(
      (await api('GET', '/api/v1/alerts/channels')).body,
      { channels: [] },
      'nothing was sent',
    );

    fireEvent.change(field(channelForm, 'URL'), { target: { value: receiverUrl } });
    fireEvent.click(within(channelForm).getByRole('button', { name: 'Add channel' }));
    const shown = await screen.findByTestId('channel-secret');
    assert.match(shown.textContent ?? '', /you will not see this again/);
    secret = within(shown).getByTestId('channel-secret-value').textContent ?? '';
    assert.match(secret, /^[A-Za-z0-9_-]{40,}$/);
    assert.ok(within(shown).getByRole('button', { name: 'Copy secret' }));
    const row = await screen.findByTestId('channel-row');
    assert.equal(row.getAttribute('data-channel'), 'desk');
    assert.match(row.textContent ?? '', /webhook/);
    assert.equal(field(channelForm, 'Name').value, '', 'the form clears for the next channel');

    fireEvent.click(within(row).getByRole('button', { name: 'Send a test notification to desk' }));
    const result = await within(row).findByText('Delivered (status 200)');
    assert.equal(result.getAttribute('data-state'), 'ok');
    assert.equal(receiver.received.length, 1);
    assert.equal(
      receiver.received[0]!.headers['x-runecast-signature'],
      signBody(receiver.received[0]!.body, secret),
    );

    fireEvent.click(within(shown).getByRole('button', { name: 'Done' }));
    assert.equal(screen.queryByTestId('channel-secret'), null);
    assert.ok(!document.body.textContent?.includes(secret), 'the secret is gone from the page');
  });

  test('a failed test notification says what the receiver answered', async () => {
    receiver.failNext([503]);
    const row = screen.getByTestId('channel-row');
    fireEvent.click(within(row).getByRole('button', { name: 'Send a test notification to desk' }));
    const result = await within(row).findByText(/^Not delivered \(status 503\)/);
    assert.equal(result.getAttribute('data-state'), 'down');
  });

  test('a channel is on for every kind until its notifications are set to silent or off per kind', async () => {
    const row = screen.getByTestId('channel-row');
    assert.equal(within(row).getByTestId('channel-modes').textContent, 'all on');
    fireEvent.click(within(row).getByRole('button', { name: 'Notifications of desk' }));
    const editor = form('Notifications of desk');
    const mode = (label: string) => within(editor).getByLabelText(label) as HTMLSelectElement;
    assert.equal(mode('Price crosses a level').value, 'on');
    fireEvent.change(mode('No candle arrives for a while'), { target: { value: 'silent' } });
    fireEvent.change(mode('A job fails'), { target: { value: 'off' } });
    fireEvent.click(within(editor).getByRole('button', { name: 'Save notifications' }));
    await waitFor(() => assert.ok(screen.queryByTestId('channel-modes-form') === null, 'the editor closes'), {
      timeout: 5_000,
    });
    const stored = (await api('GET', '/api/v1/alerts/channels')).body as {
      channels: { name: string; eventModes: Record<string, string> }[];
    };
    assert.deepEqual(stored.channels[0]?.eventModes, {
      'price-cross': 'on',
      move: 'on',
      'volume-spike': 'on',
      'forecast-move': 'on',
      'forecast-band': 'on',
      stale: 'silent',
      'job-failed': 'off',
      security: 'on',
      'component-unhealthy': 'on',
      'model-behind-naive': 'on',
      'rune-stat': 'on',
      'sentiment-shift': 'on',
    });
    await waitFor(
      () =>
        assert.equal(
          within(screen.getByTestId('channel-row')).getByTestId('channel-modes').textContent,
          'No candle arrives for a while: silent; A job fails: off',
        ),
      { timeout: 5_000 },
    );
  });

  test('a channel can take one daily digest instead of each alert; a bad time zone is refused', async () => {
    fireEvent.click(
      within(screen.getByTestId('channel-row')).getByRole('button', { name: 'Notifications of desk' }),
    );
    const editor = form('Notifications of desk');
    fireEvent.click(within(editor).getByLabelText(/Send one daily digest/));
    fireEvent.change(within(editor).getByLabelText('Digest time'), { target: { value: '07:30' } });
    fireEvent.change(within(editor).getByLabelText('Digest time zone'), {
      target: { value: 'Mars/Olympus' },
    });
    fireEvent.click(within(editor).getByRole('button', { name: 'Save notifications' }));
    await within(editor).findByText(/^Time zone: /);
    fireEvent.change(within(editor).getByLabelText('Digest time zone'), {
      target: { value: 'Europe/Berlin' },
    });
    fireEvent.click(within(editor).getByRole('button', { name: 'Save notifications' }));
    await waitFor(() => assert.ok(screen.queryByTestId('channel-modes-form') === null, 'the editor closes'), {
      timeout: 5_000,
    });
    const stored = (await api('GET', '/api/v1/alerts/channels')).body as {
      channels: { id: string; digest: unknown; eventModes: Record<string, string> }[];
    };
    assert.deepEqual(stored.channels[0]?.digest, { at: '07:30', timeZone: 'Europe/Berlin' });
    assert.equal(stored.channels[0]?.eventModes.stale, 'silent', 'the modes are kept');
    await waitFor(
      () =>
        assert.match(
          within(screen.getByTestId('channel-row')).getByTestId('channel-modes').textContent ?? '',
          /; one daily digest at 07:30 \(Europe\/Berlin\)$/,
        ),
      { timeout: 5_000 },
    );
    // Back to each alert on its own, so the rules below send at once.
    await api('PUT', `/api/v1/alerts/channels/${stored.channels[0]!.id}/digest`, { digest: null });
    await refreshPage();
  });

  test("the rule form checks its fields, shows the API's refusal, then creates the rule", async () => {
    // A channel the page lists, deleted behind its back: only the API can tell.
    const spare = (
      await api('POST', '/api/v1/alerts/channels', {
        kind: 'slack',
        name: 'spare',
        url: 'https://hooks.slack.com/services/x',
      })
    ).body as { id: string };
    await refreshPage();
    await screen.findByText('spare', { selector: 'td' });

    fireEvent.click(screen.getByRole('button', { name: 'New rule' }));
    const ruleForm = form('New rule');
    fireEvent.click(within(ruleForm).getByRole('button', { name: 'Create rule' }));
    assert.equal(fieldError(field(ruleForm, 'Name')), 'required');
    assert.equal(fieldError(field(ruleForm, 'Level (price)')), 'required');
    assert.ok(within(ruleForm).getByText('Check the marked fields.'));

    const series = field(ruleForm, 'Series') as unknown as HTMLSelectElement;
    assert.deepEqual(
      [...series.options].map((option) => option.value),
      ['', SERIES_KEY],
      'every series, or one the store covers',
    );
    fireEvent.change(field(ruleForm, 'Name'), { target: { value: 'BTC above 100k' } });
    assert.equal(fieldError(field(ruleForm, 'Name')), undefined, 'a corrected field loses its message');
    assert.equal(fieldError(field(ruleForm, 'Level (price)')), 'required', 'the others keep theirs');
    fireEvent.change(series, { target: { value: SERIES_KEY } });
    fireEvent.change(field(ruleForm, 'Level (price)'), { target: { value: '100000' } });
    fireEvent.change(field(ruleForm, 'Severity'), { target: { value: 'critical' } });
    fireEvent.change(field(ruleForm, 'Cooldown (minutes)'), { target: { value: '0' } });
    fireEvent.click(within(ruleForm).getByLabelText(/^desk/));
    fireEvent.click(within(ruleForm).getByLabelText(/^spare/));
    fireEvent.change(field(ruleForm, 'Message template (optional)'), {
      target: { value: '{rule} at {secret}' },
    });
    fireEvent.click(within(ruleForm).getByRole('button', { name: 'Create rule' }));
    assert.match(
      fieldError(field(ruleForm, 'Message template (optional)')) ?? '',
      /^may use only the fields/,
    );
    fireEvent.change(field(ruleForm, 'Message template (optional)'), { target: { value: '' } });

    // The preview replays the stored candles of the last 7 days: two crossings above 100000 an hour apart.
    const recentMs = Math.floor((Date.now() - 3 * 3_600_000) / 60_000) * 60_000;
    const closes = [
      ...Array<number>(30).fill(99_000),
      ...Array<number>(30).fill(101_000),
      ...Array<number>(30).fill(99_000),
      ...Array<number>(30).fill(101_000),
    ];
    await harness.store.candles.upsertCandles(
      closes.map((close, index) => ({
        ...SERIES,
        openTimeMs: recentMs + index * 60_000,
        open: close,
        high: close,
        low: close,
        close,
        volume: 1,
        quoteVolume: null,
        tradeCount: null,
        closed: true,
      })),
    );
    fireEvent.click(within(ruleForm).getByRole('button', { name: 'Preview last 7 days' }));
    const summary = await within(ruleForm).findByTestId('rule-preview-summary', {}, { timeout: 5_000 });
    assert.equal(summary.textContent, 'It would have fired 2 times in the last 7 days (120 candles).');
    assert.match(
      within(ruleForm).getByTestId('rule-preview-message').textContent ?? '',
      /^BTC above 100k: binance:BTC\/USDT:1m crossed above 100000/,
    );
    assert.deepEqual(await rules(), [], 'a preview stores nothing');

    assert.equal((await api('DELETE', `/api/v1/alerts/channels/${spare.id}`)).status, 204);
    fireEvent.click(within(ruleForm).getByRole('button', { name: 'Create rule' }));
    const refusal = await within(ruleForm).findByRole('alert');
    assert.match(refusal.textContent ?? '', /no alert channel of yours has the id/);
    assert.deepEqual(await rules(), []);

    fireEvent.click(within(ruleForm).getByLabelText(/^spare/));
    fireEvent.click(within(ruleForm).getByRole('button', { name: 'Create rule' }));
    const row = await screen.findByTestId('rule-row');
    assert.equal(screen.queryByRole('form', { name: 'New rule' }), null, 'the form closes');
    assert.equal(row.getAttribute('data-rule'), 'BTC above 100k');
    assert.equal(row.getAttribute('data-enabled'), 'true');
    assert.match(within(row).getByTestId('rule-condition').textContent ?? '', /^price crosses above 100,000/);
    assert.match(row.textContent ?? '', /critical/);
    assert.match(row.textContent ?? '', new RegExp(SERIES_KEY.replace('/', '\\/')));
    const [stored] = await rules();
    assert.equal(stored?.series, SERIES_KEY);
    assert.deepEqual(stored?.condition, { kind: 'price-cross', direction: 'above', level: 100_000 });
    assert.equal(stored?.severity, 'critical');
    assert.equal(stored?.cooldownMinutes, 0);
    assert.equal(stored?.channelIds.length, 1);
    assert.equal(within(row).getByText('desk').tagName, 'TD');
  });

  test('disable and enable replace the rule with the same body but for enabled', async () => {
    const [before] = await rules();
    fireEvent.click(screen.getByRole('button', { name: 'Disable rule BTC above 100k' }));
    await waitFor(() => assert.equal(screen.getByTestId('rule-row').getAttribute('data-enabled'), 'false'));
    const [disabled] = await rules();
    assert.deepEqual(
      { ...disabled, updatedAtMs: 0 },
      { ...before, enabled: false, updatedAtMs: 0 },
      'nothing but enabled changed',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Enable rule BTC above 100k' }));
    await waitFor(() => assert.equal(screen.getByTestId('rule-row').getAttribute('data-enabled'), 'true'));
    assert.equal((await rules())[0]?.enabled, true);
  });

  test('a firing shows in the history and the bell; snooze, acknowledge and resolve change it', async () => {
    await monitor.refreshRules();
    // Below the level first, then a crossing above it.
    await harness.bus.publish(candlesTopic(SERIES), candleBatch([99_000, 99_500, 100_200], START_MS));
    await harness.bus.flush();
    await waitFor(async () => {
      const history = (await api('GET', '/api/v1/alerts/history')).body as { openCount: number };
      assert.equal(history.openCount, 1);
    });
    await refreshPage();
    await waitFor(() => assert.equal(bell().getAttribute('aria-label'), 'Alerts: 1 open firing'));
    assert.equal(bell().textContent, '1');
    const row = await screen.findByTestId('alert-event-row');
    assert.equal(row.getAttribute('data-status'), 'open');
    assert.match(row.textContent ?? '', /critical/);
    assert.match(row.textContent ?? '', /BTC above 100k/);
    assert.match(row.textContent ?? '', /crossed above 100000/);

    fireEvent.click(within(row).getByRole('button', { name: /^Snooze .* for 1 h$/ }));
    await waitFor(() =>
      assert.equal(screen.getByTestId('alert-event-row').getAttribute('data-status'), 'snoozed'),
    );
    await waitFor(() => assert.equal(bell().getAttribute('aria-label'), 'Alerts: no open firings'));
    assert.match(screen.getByTestId('alert-event-row').textContent ?? '', /opens again in (59 min|1 h)/);

    fireEvent.click(
      within(screen.getByTestId('alert-event-row')).getByRole('button', { name: /^Acknowledge/ }),
    );
    await waitFor(() =>
      assert.equal(screen.getByTestId('alert-event-row').getAttribute('data-status'), 'acknowledged'),
    );
    assert.equal(
      within(screen.getByTestId('alert-event-row')).queryByRole('button', { name: /^Acknowledge/ }),
      null,
      'no second acknowledgement',
    );
    fireEvent.click(within(screen.getByTestId('alert-event-row')).getByRole('button', { name: /^Resolve/ }));
    await waitFor(() =>
      assert.equal(screen.getByTestId('alert-event-row').getAttribute('data-status'), 'resolved'),
    );
    assert.equal(within(screen.getByTestId('alert-event-row')).queryAllByRole('button').length, 0);

    const history = screen.getByRole('region', { name: 'History' });
    fireEvent.change(within(history).getByLabelText('Status'), { target: { value: 'open' } });
    await within(history).findByText('No open firings.');
    fireEvent.change(within(history).getByLabelText('Status'), { target: { value: 'resolved' } });
    await within(history).findByTestId('alert-event-row');
    fireEvent.change(within(history).getByLabelText('Status'), { target: { value: '' } });
  });

  test('a notification given up on shows as a dead letter with its error, and a replay queues it', async () => {
    receiver.failNext(Array.from({ length: 40 }, () => 503));
    await harness.bus.publish(candlesTopic(SERIES), candleBatch([99_000, 100_900], START_MS + 20 * 60_000));
    await harness.bus.flush();
    const undelivered = async () =>
      (await harness.store.alerts.listDeliveries('all', { limit: 10 })).find(
        (delivery) => delivery.state !== 'sent',
      );
    await waitFor(async () => assert.ok(await undelivered()));
    await monitor.deliverNow();
    let delivery = await undelivered();
    for (let step = 0; step < 40 && delivery?.state === 'pending'; step += 1) {
      clockMs = delivery.nextAttemptAtMs!;
      await monitor.deliverNow();
      delivery = await undelivered();
    }
    assert.equal(delivery?.state, 'dead');
    receiver.clearFailures();

    await refreshPage();
    const panel = screen.getByRole('region', { name: 'Dead letters' });
    const row = await within(panel).findByTestId('dead-letter-row');
    assert.match(row.textContent ?? '', /desk/);
    assert.match(row.textContent ?? '', /503/);
    fireEvent.click(within(row).getByRole('button', { name: 'Replay the delivery to desk' }));
    await within(panel).findByText(/^No dead letters/);
    const replayed = (await harness.store.alerts.listDeliveries('all', { limit: 10 })).find(
      (item) => item.id === delivery!.id,
    );
    assert.equal(replayed?.state, 'pending');
  });

  test('editing a rule fills the form with it; a rule whose channel was deleted can still be disabled, and deleted', async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Edit rule BTC above 100k' }));
    const ruleForm = form('Edit rule');
    assert.equal(field(ruleForm, 'Name').value, 'BTC above 100k');
    assert.equal(field(ruleForm, 'Level (price)').value, '100000');
    assert.equal((field(ruleForm, 'Series') as unknown as HTMLSelectElement).value, SERIES_KEY);
    assert.equal((within(ruleForm).getByLabelText(/^desk/) as HTMLInputElement).checked, true);
    fireEvent.change(field(ruleForm, 'Level (price)'), { target: { value: '120000' } });
    fireEvent.click(within(ruleForm).getByRole('button', { name: 'Save rule' }));
    await waitFor(() =>
      assert.match(screen.getByTestId('rule-condition').textContent ?? '', /^price crosses above 120,000/),
    );
    assert.deepEqual((await rules())[0]?.condition, {
      kind: 'price-cross',
      direction: 'above',
      level: 120_000,
    });

    // Deleting a channel takes it out of the rules; the rule is shown without it and still toggles.
    fireEvent.click(screen.getByRole('button', { name: 'Delete channel desk' }));
    await screen.findByText(/^No channels yet\. Add a webhook/);
    await refreshPage();
    await waitFor(() =>
      assert.match(screen.getByTestId('rule-row').textContent ?? '', /none \(stored, not sent\)/),
    );
    assert.deepEqual((await rules())[0]?.channelIds, []);
    fireEvent.click(screen.getByRole('button', { name: 'Disable rule BTC above 100k' }));
    await waitFor(() => assert.equal(screen.getByTestId('rule-row').getAttribute('data-enabled'), 'false'));
    assert.equal(screen.queryByRole('alert'), null);
    const [disabled] = await rules();
    assert.equal(disabled?.enabled, false);
    assert.deepEqual(disabled?.channelIds, []);
    assert.match(screen.getByTestId('rule-row').textContent ?? '', /none \(stored, not sent\)/);

    fireEvent.click(screen.getByRole('button', { name: 'Delete rule BTC above 100k' }));
    await screen.findByText(/^No rules yet/);
    assert.deepEqual(await rules(), []);
  });
});
