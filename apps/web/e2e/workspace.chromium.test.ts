import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
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

// A workspace of one's own in Chromium against `runecast up --offline`: the same user logged in
// from two separate browser contexts (no shared storage, as two browsers), the first changing
// the watchlist, time zone, default market and chart range, the second seeing them after load.
// Then the settings screen on a phone-sized screen.

const PHONE = { width: 390, height: 844 };
const WATCHED = 'binance:BTC/USDT:1m';

describe('a workspace that follows its user from browser to browser', { skip, timeout: 300_000 }, () => {
  let server: RunningServer | null = null;
  let browser: Browser;
  let first: BrowserContext;
  let second: BrowserContext;
  let firstPage: Page;
  let secondPage: Page;
  const pageErrors: string[] = [];
  let defaultMarket = '';
  let runeSeries = '';

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    ensureDashboardBuilt();
    server = await startServer({ RUNECAST_BACKFILL_DAYS: '2' });
    const baseUrl = server.baseUrl;
    await waitFor(
      'the server to be ready',
      async () => ((await (await fetch(`${baseUrl}/ready`)).json()) as { status: string }).status === 'ok',
      START_TIMEOUT_MS,
    );
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    // Two contexts share nothing (storage, cookies): what the second sees came from the server.
    first = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    second = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    firstPage = await first.newPage();
    secondPage = await second.newPage();
    for (const page of [firstPage, secondPage]) {
      page.setDefaultTimeout(30_000);
      page.on('pageerror', (error) => pageErrors.push(error.message));
    }
    await logIn(firstPage, baseUrl, ADMIN.email, ADMIN.password);
  });

  after(async () => {
    await first?.close();
    await second?.close();
    await browser?.close();
    await stopServer(server);
  });

  test('in the first browser: star a market, then choose a time zone, a default market and a range', async () => {
    const baseUrl = server!.baseUrl;
    await firstPage.goto(`${baseUrl}/markets/binance/BTC-USDT`);
    const star = firstPage.locator('[data-testid=watch-toggle]');
    await firstPage.waitForSelector(`[data-testid=watch-toggle][data-series="${WATCHED}"]:not([disabled])`);
    assert.equal(await star.getAttribute('aria-pressed'), 'false');
    await star.click();
    await firstPage.waitForSelector('[data-testid=watch-toggle][aria-pressed=true]');

    // A rune is starred on its page the same way.
    // (The runes list fills from the emulated providers' first poll.)
    await firstPage.goto(`${baseUrl}/runes`);
    await firstPage.click(
      '[data-testid=rune-row][data-rune="DOG•GO•TO•THE•MOON"] a:has-text("DOG•GO•TO•THE•MOON")',
    );
    await firstPage.waitForURL((url) => url.pathname === '/runes/DOG.GO.TO.THE.MOON');
    const runeStar = firstPage.locator('[data-testid=watch-toggle]');
    await firstPage.waitForSelector('[data-testid=watch-toggle]:not([disabled])');
    runeSeries = (await runeStar.getAttribute('data-series')) ?? '';
    assert.match(runeSeries, /DOG•GO•TO•THE•MOON/);
    await runeStar.click();
    await firstPage.waitForSelector('[data-testid=watch-toggle][aria-pressed=true]');

    await firstPage.goto(`${baseUrl}/account`);
    await firstPage.click('[data-testid=workspace-link]');
    await firstPage.waitForURL((url) => url.pathname === '/account/workspace');
    const form = firstPage.locator('form[aria-label=Workspace]');
    await form.waitFor();
    await form.locator(`[data-testid=watchlist-settings] li[data-series="${WATCHED}"]`).waitFor();

    // The default market: a tracked one other than the starred BTC/USDT, on its 5m timeframe.
    const markets = form.getByLabel('Default market');
    await waitFor(
      'tracked markets in the list',
      async () => (await markets.locator('option').count()) > 2,
      30_000,
    );
    const values = await markets
      .locator('option')
      .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
    defaultMarket =
      values.find((value) => value !== '' && value !== 'binance:BTC/USDT') ?? 'binance:BTC/USDT';
    await markets.selectOption(defaultMarket);
    await form.getByLabel('Timeframe', { exact: true }).selectOption('5m');
    await form.getByLabel('Default range').selectOption('1W');
    await form.getByLabel('Chart type').selectOption('line');
    await form.getByLabel('RSI 14').check();
    await form.getByLabel('Time zone', { exact: true }).fill('Moon/Base');
    await form.getByRole('button', { name: 'Save workspace' }).click();
    assert.equal(
      await form.locator('[data-testid=field-error]').first().textContent(),
      'must be an IANA time zone such as Europe/Berlin',
    );
    await form.getByLabel('Time zone', { exact: true }).fill('Asia/Tokyo');
    await form.getByRole('button', { name: 'Save workspace' }).click();
    await form.locator('[data-testid=save-success]').waitFor();
    await screenshot(firstPage, 'workspace-01-settings-saved');
  });

  test('in the second browser, after logging in, the same workspace is there', async () => {
    const baseUrl = server!.baseUrl;
    await logIn(secondPage, baseUrl, ADMIN.email, ADMIN.password);
    await secondPage.goto(`${baseUrl}/`);
    const panels = secondPage.locator('[data-testid=overview-panels]');
    await panels.waitFor();
    assert.match(
      (await panels.getAttribute('data-layout')) ?? '',
      /^watchlist,/,
      'the watchlist comes first',
    );
    const row = secondPage.locator(`[data-testid=watchlist-row][data-series="${WATCHED}"]`);
    await row.waitFor();
    await waitFor(
      'the watched market’s price',
      async () =>
        /^[\d,]+\.\d+/.test((await row.locator('[data-testid=watchlist-price]').textContent()) ?? ''),
      30_000,
    );
    assert.match(
      (await row.locator('[data-testid=watchlist-price]').textContent()) ?? '',
      /GMT\+9$/,
      'the candle time is in the saved zone',
    );
    const runeRow = secondPage.locator(`[data-testid=watchlist-row][data-series="${runeSeries}"]`);
    await runeRow.waitFor();
    // Named as a rune, linking to its page, once the runes list is in.
    await runeRow.getByRole('link', { name: 'DOG•GO•TO•THE•MOON', exact: true }).waitFor();
    assert.equal(await runeRow.locator('a').first().getAttribute('href'), '/runes/DOG.GO.TO.THE.MOON');
    assert.equal(
      await secondPage.locator('[data-testid=watchlist-row]').first().getAttribute('data-series'),
      WATCHED,
      'in the order they were added',
    );
    await screenshot(secondPage, 'workspace-02-overview-watchlist');

    // The Markets link opens the default market on its saved timeframe, with the saved range.
    await secondPage.click('nav[aria-label=Main] a:has-text("Markets")');
    const [exchange, symbol] = [
      defaultMarket.slice(0, defaultMarket.indexOf(':')),
      defaultMarket.slice(defaultMarket.indexOf(':') + 1),
    ];
    await secondPage.waitForURL(
      (url) =>
        url.pathname === `/markets/${exchange}/${symbol!.replace('/', '-').replace(':', '_')}` &&
        url.searchParams.get('tf') === '5m',
    );
    await secondPage.waitForSelector('[data-testid=market-chart][data-state=ready]', { timeout: 60_000 });
    assert.equal(
      await secondPage
        .locator('[data-testid=range-picker] button:has-text("1W")')
        .getAttribute('aria-pressed'),
      'true',
    );
    assert.equal(await secondPage.getAttribute('[data-testid=candle-chart]', 'data-time-zone'), 'Asia/Tokyo');
    assert.equal(await secondPage.getAttribute('[data-testid=candle-chart]', 'data-chart-style'), 'line');
    await secondPage.waitForSelector('[data-testid=candle-chart][data-indicators=rsi]');
    assert.equal(
      await secondPage
        .locator('[data-testid=indicator-toggles] button:has-text("RSI")')
        .getAttribute('aria-pressed'),
      'true',
    );
    assert.match((await secondPage.textContent('[data-testid=chart-footer]')) ?? '', /GMT\+9/);
    // A range and indicators in the address win over the saved ones.
    await secondPage.goto(`${baseUrl}/markets/binance/BTC-USDT?range=1D&ind=macd`);
    await secondPage.waitForSelector('[data-testid=market-chart][data-state=ready]', { timeout: 60_000 });
    await secondPage.waitForSelector('[data-testid=candle-chart][data-indicators=macd]');
    assert.equal(
      await secondPage
        .locator('[data-testid=range-picker] button:has-text("1D")')
        .getAttribute('aria-pressed'),
      'true',
    );
    assert.equal(
      await secondPage.getAttribute('[data-testid=watch-toggle]', 'aria-pressed'),
      'true',
      'the star shows the market is watched',
    );
    await screenshot(secondPage, 'workspace-03-market-defaults');
  });

  test('on a phone the settings screen fits, and a change can be saved', async () => {
    const baseUrl = server!.baseUrl;
    await secondPage.setViewportSize(PHONE);
    try {
      await secondPage.goto(`${baseUrl}/account/workspace`);
      const form = secondPage.locator('form[aria-label=Workspace]');
      await form.waitFor();
      const zone = form.getByLabel('Time zone', { exact: true });
      assert.equal(await zone.inputValue(), 'Asia/Tokyo');
      const pageWidth = await secondPage.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(pageWidth <= PHONE.width, `the page fits the screen (${pageWidth} px wide)`);
      for (const control of [
        zone,
        form.getByLabel('Default range'),
        form.getByRole('button', { name: 'Move Health down' }),
        form.getByRole('button', { name: 'Save workspace' }),
      ]) {
        await control.scrollIntoViewIfNeeded();
        const box = await control.boundingBox();
        assert.ok(
          box !== null && box.x >= 0 && box.x + box.width <= PHONE.width && box.height >= 24,
          `a control is on screen and big enough to tap: ${JSON.stringify(box)}`,
        );
      }
      await zone.fill('Europe/Berlin');
      await form.getByRole('button', { name: 'Save workspace' }).click();
      await form.locator('[data-testid=save-success]').waitFor();
      await screenshot(secondPage, 'workspace-04-phone-settings');
    } finally {
      await secondPage.setViewportSize({ width: 1440, height: 900 });
    }
    // The first browser sees it on its next load.
    await firstPage.goto(`${baseUrl}/account/workspace`);
    assert.equal(
      await firstPage
        .locator('form[aria-label=Workspace]')
        .getByLabel('Time zone', { exact: true })
        .inputValue(),
      'Europe/Berlin',
    );
    assert.deepEqual(pageErrors, []);
  });
});
