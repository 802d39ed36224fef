import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import {
  ADMIN,
  ARTIFACTS,
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  COUNT_BAND_PIXELS_SCRIPT,
  countCandlePixels,
  ensureDashboardBuilt,
  logIn,
  logOut,
  sampleUntil,
  screenshot,
  skip,
  START_TIMEOUT_MS,
  startServer,
  stopServer,
  waitFor,
  type RunningServer,
} from './e2e-harness.ts';

// The dashboard in real Chromium against a real `runecast up --offline` on a temporary home.

describe('dashboard in Chromium against runecast up --offline', { skip, timeout: 600_000 }, () => {
  let server: RunningServer | null = null;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  const pageErrors: string[] = [];

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    ensureDashboardBuilt();
    server = await startServer();
    const baseUrl = server.baseUrl;
    const root = await fetch(`${baseUrl}/`);
    assert.match(
      root.headers.get('content-type') ?? '',
      /text\/html/,
      'runecast up must serve the dashboard at / (registerWebAssets from apps/server/src/http/static-web.ts)',
    );
    await waitFor(
      'every component to be ready',
      async () => {
        const ready = (await (await fetch(`${baseUrl}/ready`)).json()) as { status: string };
        return ready.status === 'ok';
      },
      START_TIMEOUT_MS,
    );
    profileDir = await mkdtemp(join(tmpdir(), 'runecast-chromium-'));
    // A fresh profile each run (Playwright passes it to Chromium as --user-data-dir).
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await context?.close();
    await stopServer(server);
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  test('logs in as the bootstrapped admin', async () => {
    const baseUrl = server!.baseUrl;
    await page.goto(`${baseUrl}/`);
    await page.waitForURL((url) => url.pathname === '/login');
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=password]', 'a wrong password');
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]');
    await screenshot(page, '01-login-refused');
    await logIn(page, baseUrl, ADMIN.email, ADMIN.password);
    assert.equal(new URL(page.url()).pathname, '/');
    await page.waitForSelector('[data-testid=account-link]');
    assert.equal(await page.textContent('[data-testid=account-link]'), ADMIN.email);
  });

  test('shows a green health light for every running component', async () => {
    await page.waitForSelector('[data-testid=health-light]');
    const states = await page.$$eval('[data-testid=health-light]', (lights) =>
      lights.map((light) => [light.getAttribute('data-component'), light.getAttribute('data-state')]),
    );
    const names = states.map(([name]) => name);
    for (const expected of ['store', 'bus', 'cache', 'source:binance', 'candles:binance:BTC/USDT:1m']) {
      assert.ok(names.includes(expected), `a light for ${expected} in ${names.join(', ')}`);
    }
    assert.deepEqual(
      states.filter(([, state]) => state !== 'ok'),
      [],
      'every component is ok',
    );
    await page.waitForSelector('[data-testid=market-row] [data-testid=sparkline]');
    // Offline on real data, the replay folder's daily rune history is tracked beside the two markets.
    const runeHistory = join(
      process.env.RUNECAST_REPLAY_DIR ?? '',
      'runes',
      'DOG_GO_TO_THE_MOON-price-usd-1d.json',
    );
    const expectedRows = process.env.RUNECAST_REPLAY_DIR && existsSync(runeHistory) ? 3 : 2;
    assert.equal(await page.locator('[data-testid=market-row]').count(), expectedRows);
    // Replayed data says which day it replays rather than how long ago that day was.
    const age = (await page.textContent('[data-testid=market-row] [data-testid=candle-age]')) ?? '';
    assert.match(age, process.env.RUNECAST_REPLAY_DIR ? /^replay of \d{4}-\d{2}-\d{2}$/ : /^simulated$/);
    await page.hover('[data-testid=health-light][data-component="store"]');
    await screenshot(page, '02-overview');
  });

  test('the market page draws a week of 1m candles and becomes interactive', async () => {
    const baseUrl = server!.baseUrl;
    await page.goto(`${baseUrl}/markets/binance/BTC-USDT?tf=1m`);
    await page.waitForSelector('[data-testid=market-chart][data-state=ready]', { timeout: 60_000 });
    const interactiveMs = await page.evaluate(
      () => performance.getEntriesByName('runecast:market-interactive').at(-1)?.startTime ?? null,
    );
    const loaded = await page.textContent('[data-testid=market-chart] + .row');
    console.log(
      `market page (binance:BTC/USDT, 1m, ${loaded?.match(/[\d,]+ candles/)?.[0] ?? '?'}) interactive ${interactiveMs?.toFixed(0)} ms after navigation`,
    );
    assert.ok((await countCandlePixels(page)) > 500, 'the chart canvas shows candles');
    await page.waitForSelector('[data-testid=coverage-strip] .segment[data-state=complete]');
    await screenshot(page, '03-market-1m');

    await page.click('[aria-label=Timeframe] button:has-text("1h")');
    await page.waitForSelector('[data-testid=market-chart][data-timeframe="1h"][data-state=ready]');
    assert.ok((await countCandlePixels(page)) > 200, 'the 1h chart shows candles');
    await page.click('[aria-label=Range] button:has-text("All")');
    await screenshot(page, '04-market-1h');
  });

  test('analysis, logs and account pages render their data', async () => {
    const baseUrl = server!.baseUrl;
    await page.goto(`${baseUrl}/analysis`);
    await page.waitForSelector('[data-testid=correlation-matrix]');
    await page.waitForSelector('[data-testid=return-histogram] canvas');
    await screenshot(page, '05-analysis');

    await page.goto(`${baseUrl}/logs`);
    await page.waitForSelector('[data-testid=log-row], [data-testid=empty-state]');
    await screenshot(page, '06-logs');

    await page.goto(`${baseUrl}/account`);
    await page.fill('input[placeholder="backtest script"]', 'e2e key');
    await page.click('button:has-text("Create key")');
    await page.waitForSelector('[data-testid=new-api-key] code');
    const key = (await page.textContent('[data-testid=new-api-key] code')) ?? '';
    const markets = await fetch(`${baseUrl}/api/v1/markets`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(markets.status, 200, 'the new API key works');
    await page.waitForSelector('[data-testid=api-key-row]');
    await screenshot(page, '07-account');

    await page.click('button[aria-label="Switch to the light theme"]');
    await page.goto(`${baseUrl}/markets/binance/ETH-USDT?tf=15m`);
    await page.waitForSelector('[data-testid=market-chart][data-state=ready]');
    await screenshot(page, '08-market-light-theme');
    await page.click('button[aria-label="Switch to the dark theme"]');
  });

  test('an on-demand forecast runs to completion with the progress bar moving', async () => {
    const baseUrl = server!.baseUrl;
    await page.goto(`${baseUrl}/forecast`);
    await page.fill('input[aria-label="Search markets"]', 'BTC/USDT');
    await page.click('[data-testid=exchange-market]:has-text("BTC/USDT") button:has-text("Choose")');
    await page.waitForSelector('[data-testid=chosen-market]');
    await page.selectOption('select[name=timeframe]', '1m');
    await page.selectOption('select[name=horizon]', '15');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=job-view]');
    const percents = await sampleUntil(
      page,
      async () => {
        const value = await page.getAttribute(
          '[data-testid=job-view] [data-testid=progress-bar]',
          'aria-valuenow',
        );
        return value === null ? null : Number(value);
      },
      async () =>
        (await page
          .locator('[data-testid=forecast-result], [data-testid=job-view][data-state=failed]')
          .count()) > 0,
      240_000,
    );
    assert.equal(
      await page.getAttribute('[data-testid=job-view]', 'data-state'),
      'succeeded',
      await page.innerText('[data-testid=job-view]'),
    );
    assert.ok(percents.length >= 2, `the progress bar moved: ${percents.join(' → ')}`);
    assert.equal(percents.at(-1), 100);
    // Steps before the page subscribed are not replayed; the last ones always show.
    assert.match((await page.textContent('[data-testid=job-steps]')) ?? '', /predict|forecast/i);
    await page.waitForSelector('[data-testid=forecast-result-chart][data-state=ready]');
    await screenshot(page, '12-forecast-on-demand');
  });

  test('the market chart draws the forecast with its bands ahead of the candles', async () => {
    const baseUrl = server!.baseUrl;
    await page.goto(`${baseUrl}/markets/binance/BTC-USDT?tf=1m`);
    await page.waitForSelector('[data-testid=market-chart][data-state=ready]');
    await page.waitForSelector('[data-testid=forecast-legend]');
    await page.waitForSelector('[data-testid=forecast-row]');
    await page.click('[aria-label=Range] button:has-text("6H")');
    await page.waitForTimeout(300);
    const bandPixels = (await page.evaluate(COUNT_BAND_PIXELS_SCRIPT)) as number;
    assert.ok(bandPixels > 200, `the forecast band is drawn (${bandPixels} tinted pixels)`);
    await screenshot(page, '13-market-forecast-band');
  });

  test('a short training shows epoch points appearing live', async () => {
    const baseUrl = server!.baseUrl;
    await page.goto(`${baseUrl}/training`);
    await page.selectOption('select[name=timeframe]', '1m');
    await page.selectOption('select[name=horizon]', '5');
    await page.fill('input[name=days]', '2');
    await page.selectOption('select[name=modelType]', 'lstm');
    await page.fill(
      'textarea[name=params]',
      JSON.stringify({
        maxEpochs: 15,
        patience: 15,
        units: 16,
        sequenceLength: 30,
        trainingWindowSteps: 1000,
      }),
    );
    await page.click('[data-testid=training-form] button[type=submit]');
    await page.waitForSelector('[data-testid=job-view]');
    const epochCounts = await sampleUntil(
      page,
      async () => {
        const value = await page.getAttribute('[data-testid=loss-chart]', 'data-points').catch(() => null);
        return value === null ? null : Number(value);
      },
      async () =>
        (await page
          .locator('[data-testid=job-view][data-state=succeeded], [data-testid=job-view][data-state=failed]')
          .count()) > 0,
      300_000,
    );
    assert.equal(
      await page.getAttribute('[data-testid=job-view]', 'data-state'),
      'succeeded',
      await page.innerText('[data-testid=job-view]'),
    );
    const live = epochCounts.filter((count) => count > 0 && count < 15);
    assert.ok(live.length >= 2, `epoch points appeared one after another: ${epochCounts.join(' → ')}`);
    assert.equal(epochCounts.at(-1), 15);
    await page.waitForSelector('[data-testid=training-result]');
    await screenshot(page, '14-training');

    await page.click('[data-testid=training-result] a');
    await page.waitForSelector('[data-testid=leaderboard-row][data-model=naive]');
    await page.waitForSelector('[data-testid=model-detail] [data-testid=predicted-chart] canvas');
    await screenshot(page, '15-models');

    await page.goto(`${baseUrl}/jobs`);
    await page.waitForSelector('[data-testid=job-row][data-state=succeeded]');
    await screenshot(page, '16-jobs');

    await page.goto(`${baseUrl}/`);
    await page.waitForSelector('[data-testid=overview-forecast]');
    await screenshot(page, '17-overview-with-forecasts');
  });

  test('the admin creates a user who then cannot open the admin page', async () => {
    const baseUrl = server!.baseUrl;
    const user = { email: `analyst-${Date.now()}@example.com`, password: 'analyst-password-0001' };
    await page.goto(`${baseUrl}/admin`);
    await page.waitForSelector('[data-testid=admin-page] [data-testid=user-row]');
    await page.fill('[data-testid=create-user-form] input[name=email]', user.email);
    await page.fill('[data-testid=create-user-form] input[name=password]', user.password);
    await page.click('[data-testid=create-user-form] button[type=submit]');
    await page.waitForSelector('[data-testid=user-created]');
    await page.waitForSelector(`[data-testid=user-row][data-email="${user.email}"]`);
    await screenshot(page, '09-admin');

    await logOut(page);
    await logIn(page, baseUrl, user.email, user.password);
    assert.equal(await page.locator('nav[aria-label=Main] a:has-text("Admin")').count(), 0, 'no admin link');
    await page.goto(`${baseUrl}/admin`);
    await page.waitForSelector('[data-testid=forbidden]');
    assert.equal(await page.locator('[data-testid=admin-page]').count(), 0);
    const token = await page.evaluate(
      () => JSON.parse(localStorage.getItem('runecast.session') ?? '{}').accessToken as string,
    );
    const answer = await fetch(`${baseUrl}/api/v1/admin/users`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(answer.status, 403);
    await screenshot(page, '10-admin-forbidden');
  });

  test('an expired session returns to log in', async () => {
    const baseUrl = server!.baseUrl;
    await page.evaluate(() => {
      const session = JSON.parse(localStorage.getItem('runecast.session') ?? '{}');
      localStorage.setItem(
        'runecast.session',
        JSON.stringify({
          ...session,
          accessToken: 'expired-access-token',
          refreshToken: 'expired-refresh-token',
        }),
      );
    });
    await page.goto(`${baseUrl}/markets/binance/BTC-USDT`);
    await page.waitForURL((url) => url.pathname === '/login');
    await page.waitForSelector('text=Your session has expired');
    assert.match(new URL(page.url()).searchParams.get('next') ?? '', /^\/markets\/binance\/BTC-USDT/);
    await screenshot(page, '11-session-expired');
  });

  test('no page threw an uncaught error', () => {
    assert.deepEqual(pageErrors, []);
  });
});
