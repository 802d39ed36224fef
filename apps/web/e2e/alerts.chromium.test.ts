import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import {
  ADMIN,
  ARTIFACTS,
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  ensureDashboardBuilt,
  logIn,
  screenshot,
  skip,
  START_TIMEOUT_MS,
  startServer,
  stopServer,
  waitFor,
  type RunningServer,
} from './e2e-harness.ts';

// The Alerts page in Chromium against `runecast up --offline`: a webhook channel pointing at a
// receiver this test runs, its secret shown once, a signed test notification, rules, and a rule
// firing end to end on the replayed market (the emulator runs 60 times the wall clock, so a
// minute's move comes every second) into the receiver, the bell and the history.

interface Received {
  headers: IncomingHttpHeaders;
  /** The raw bytes as they arrived: the signature covers exactly these. */
  body: Buffer;
}

/** The check a receiver makes (docs/alerts.md, "Verifying a webhook"). */
function expectedSignature(body: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

describe('alerts page in Chromium against runecast up --offline', { skip, timeout: 300_000 }, () => {
  let server: RunningServer | null = null;
  let receiver: Server | null = null;
  let receiverUrl = '';
  const received: Received[] = [];
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  const pageErrors: string[] = [];
  let secret = '';
  let chosenSeries = '';

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks) });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/runecast-hook`;

    ensureDashboardBuilt();
    server = await startServer({ RUNECAST_BACKFILL_DAYS: '1', RUNECAST_EMULATOR_SPEED: '60' });
    const baseUrl = server.baseUrl;
    await waitFor(
      'the server to be ready',
      async () => ((await (await fetch(`${baseUrl}/ready`)).json()) as { status: string }).status === 'ok',
      START_TIMEOUT_MS,
    );
    profileDir = await mkdtemp(join(tmpdir(), 'runecast-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 900 },
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await logIn(page, baseUrl, ADMIN.email, ADMIN.password);
  });

  after(async () => {
    await context?.close();
    await stopServer(server);
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
    await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  });

  test('the navigation and the bell lead to the alerts page', async () => {
    const bell = page.locator('[data-testid=alert-bell]');
    await page.waitForSelector('[data-testid=alert-bell][aria-label="Alerts: no open firings"]');
    assert.equal(await bell.getAttribute('href'), '/alerts#history');
    await page.click('nav[aria-label=Main] a:has-text("Alerts")');
    await page.waitForURL((url) => url.pathname === '/alerts');
    await page.waitForSelector('h1:has-text("Alerts")');
    await page.waitForSelector('section[aria-label=Rules] [data-testid=empty-state]');
    await page.waitForSelector('section[aria-label=Channels] [data-testid=empty-state]');
  });

  test('a webhook channel shows its secret once and a test notification arrives signed with it', async () => {
    const form = page.locator('form[aria-label="New channel"]');
    await form.getByLabel('Name').fill('desk');
    await form.getByLabel('URL').fill('not a url');
    await form.getByRole('button', { name: 'Add channel' }).click();
    assert.equal(
      await form.locator('[data-testid=field-error]').textContent(),
      'must be an http or https URL',
    );
    await form.getByLabel('URL').fill(receiverUrl);
    await form.getByRole('button', { name: 'Add channel' }).click();

    const shown = page.locator('[data-testid=channel-secret]');
    await shown.waitFor();
    assert.match((await shown.textContent()) ?? '', /you will not see this again/);
    secret = (await shown.locator('[data-testid=channel-secret-value]').textContent()) ?? '';
    assert.match(secret, /^[A-Za-z0-9_-]{40,}$/);
    await shown.getByRole('button', { name: 'Copy secret' }).click();
    await shown.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret);
    await screenshot(page, 'alerts-01-channel-secret');

    const row = page.locator('[data-testid=channel-row][data-channel=desk]');
    await row.getByRole('button', { name: 'Send a test notification to desk' }).click();
    const result = row.locator('[data-testid=channel-test-result]');
    await row.locator('[data-testid=channel-test-result][data-state=ok]').waitFor();
    assert.equal(await result.textContent(), 'Delivered (status 204)');
    assert.equal(received.length, 1, 'the receiver got one request');
    const [request] = received;
    assert.equal(request!.headers['x-runecast-signature'], expectedSignature(request!.body, secret));
    assert.notEqual(
      request!.headers['x-runecast-signature'],
      expectedSignature(request!.body, `${secret}x`),
      'the signature depends on the secret',
    );
    const notification = JSON.parse(request!.body.toString('utf8')) as { id: string; type: string };
    assert.equal(notification.type, 'test');
    assert.equal(request!.headers['x-runecast-event-id'], notification.id);

    // Shown once: after a reload the channel is listed, masked, and the secret is nowhere.
    await page.reload();
    await page.waitForSelector('[data-testid=channel-row][data-channel=desk]');
    assert.equal(await page.locator('[data-testid=channel-secret]').count(), 0);
    assert.ok(!((await page.textContent('body')) ?? '').includes(secret));
    assert.ok(!((await row.textContent()) ?? '').includes('/runecast-hook'), 'the address is masked');
  });

  test('a price-cross rule is created and listed', async () => {
    await page.getByRole('button', { name: 'New rule' }).click();
    const form = page.locator('form[aria-label="New rule"]');
    await form.getByRole('button', { name: 'Create rule' }).click();
    assert.ok((await form.locator('[data-testid=field-error]').count()) >= 2, 'name and level are required');

    await form.getByLabel('Name').fill('BTC breakout');
    const series = form.getByLabel('Series');
    // The series the installation stores; "every series" first.
    const options = await series
      .locator('option')
      .evaluateAll((elements) => elements.map((element) => (element as HTMLOptionElement).value));
    assert.equal(options[0], '');
    const chosen = options.find((value) => value.startsWith('binance:BTC/USDT:')) ?? options[1];
    assert.ok(chosen, `a stored series to choose from: ${options.join(', ')}`);
    chosenSeries = chosen;
    await series.selectOption(chosen);
    await form.getByLabel('Level (price)').fill('1000000');
    await form.getByLabel('Severity').selectOption('critical');
    await form.getByLabel(/^desk/).check();
    await screenshot(page, 'alerts-02-rule-form');
    await form.getByRole('button', { name: 'Create rule' }).click();

    const row = page.locator('[data-testid=rule-row][data-rule="BTC breakout"]');
    await row.waitFor();
    // The new row can render a moment before the form closes: wait for it, then check.
    await page
      .locator('form[aria-label="New rule"]')
      .waitFor({ state: 'detached', timeout: 5_000 })
      .catch(() => undefined);
    assert.equal(await page.locator('form[aria-label="New rule"]').count(), 0, 'the form closes');
    assert.equal(await row.getAttribute('data-enabled'), 'true');
    assert.match(
      (await row.locator('[data-testid=rule-condition]').textContent()) ?? '',
      /^price crosses above 1,000,000/,
    );
    const text = (await row.textContent()) ?? '';
    assert.ok(text.includes(chosen), text);
    assert.match(text, /critical/);
    assert.match(text, /desk/);

    await row.getByRole('button', { name: 'Disable rule BTC breakout' }).click();
    await page.waitForSelector('[data-testid=rule-row][data-rule="BTC breakout"][data-enabled=false]');
    await page.reload();
    await page.waitForSelector('[data-testid=rule-row][data-rule="BTC breakout"][data-enabled=false]');
    await screenshot(page, 'alerts-03-rule');
  });

  test('a rule fires end to end: a signed alert reaches the receiver, the bell counts it, the history acknowledges it', async () => {
    const before = received.length;
    await page.getByRole('button', { name: 'New rule' }).click();
    const form = page.locator('form[aria-label="New rule"]');
    await form.getByLabel('Name').fill('any move');
    await form.getByLabel('Series').selectOption(chosenSeries);
    await form.getByLabel('Condition').selectOption('move');
    await form.getByLabel('Move (%)').fill('0.0001');
    await form.getByLabel('Within (minutes)').fill('1');
    // A week's cooldown: one firing, however often the replayed price moves after it.
    await form.getByLabel('Cooldown (minutes)').fill('10080');
    await form.getByLabel(/^desk/).check();
    await form.getByRole('button', { name: 'Create rule' }).click();
    const row = page.locator('[data-testid=rule-row][data-rule="any move"]');
    await row.waitFor();
    assert.match(
      (await row.locator('[data-testid=rule-condition]').textContent()) ?? '',
      /^price moves 0\.0001% or more, up or down, within 1 min/,
    );

    const alert = await waitFor(
      'a signed alert at the receiver',
      async () =>
        received
          .slice(before)
          .find(
            (request) => (JSON.parse(request.body.toString('utf8')) as { type: string }).type === 'alert',
          ),
      120_000,
    );
    assert.equal(alert.headers['x-runecast-signature'], expectedSignature(alert.body, secret));
    const notification = JSON.parse(alert.body.toString('utf8')) as { id: string; message: string };
    assert.equal(alert.headers['x-runecast-event-id'], notification.id);
    assert.ok(notification.message.includes(chosenSeries), notification.message);

    // No reload: the firing is pushed over the alerts stream (the 30-second poll is the fallback).
    const bell = page.locator('[data-testid=alert-bell]');
    await page.waitForSelector('[data-testid=alert-bell][aria-label="Alerts: 1 open firing"]', {
      timeout: 45_000,
    });
    assert.equal(await page.textContent('[data-testid=alert-bell-count]'), '1');
    // Only a pushed firing names itself in the tooltip: the poll knows the count alone.
    await page.waitForSelector('[data-testid=alert-bell][data-latest-firing]:not([data-latest-firing=""])', {
      timeout: 10_000,
    });
    assert.equal(await bell.getAttribute('data-latest-firing'), notification.id);
    assert.ok(((await bell.getAttribute('title')) ?? '').includes('Latest: '));
    await page.evaluate('window.scrollTo(0, 0)');
    await bell.click();
    await page.waitForURL((url) => url.pathname === '/alerts' && url.hash === '#history');
    const history = page.locator('section[aria-label=History]');
    const event = history.locator('[data-testid=alert-event-row][data-status=open]');
    await event.waitFor();
    assert.ok(((await event.textContent()) ?? '').includes('any move'));
    await screenshot(page, 'alerts-04-history');
    await event.getByRole('button', { name: /^Acknowledge/ }).click();
    await history.locator('[data-testid=alert-event-row][data-status=acknowledged]').waitFor();
    await page.waitForSelector('[data-testid=alert-bell][aria-label="Alerts: no open firings"]');
  });

  test('on a phone the top bar with the bell still fits the screen', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    try {
      await page.reload();
      await page.waitForSelector('[data-testid=alert-bell]');
      assert.ok(await page.locator('[data-testid=alert-bell]').isVisible());
      const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(pageWidth <= 375, `the page is ${pageWidth} px wide`);
      await screenshot(page, 'alerts-05-phone');
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
    assert.deepEqual(pageErrors, []);
  });
});
