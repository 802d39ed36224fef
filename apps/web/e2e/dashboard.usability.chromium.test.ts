import assert from 'node:assert/strict';
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

// What a newcomer to the dashboard ran into, each checked in real Chromium against a real
// `runecast up --offline`: a phone-sized screen, the chart's ranges and footer, labels that say
// what is shown, role changes and disabled accounts, the API docs page and the logs page.

const PHONE = { width: 390, height: 844 };

/**
 * Where the rightmost candle is drawn, as a share of the chart pane's width (0 when none is):
 * columns holding a vertical run of candle colour, so the dotted price line does not count.
 */
const RIGHTMOST_CANDLE_SCRIPT = `(() => {
  const style = getComputedStyle(document.documentElement);
  const colours = ['--up', '--down'].map((name) => {
    const hex = style.getPropertyValue(name).trim().replace('#', '');
    return [0, 2, 4].map((offset) => parseInt(hex.slice(offset, offset + 2), 16));
  });
  let pane = null;
  for (const canvas of document.querySelectorAll('[data-testid="candle-chart"] canvas')) {
    if (pane === null || canvas.width * canvas.height > pane.width * pane.height) pane = canvas;
  }
  if (pane === null) return 0;
  const data = pane.getContext('2d').getImageData(0, 0, pane.width, pane.height).data;
  const isCandle = (x, y) => {
    const index = (y * pane.width + x) * 4;
    return colours.some(([r, g, b]) => Math.abs(data[index] - r) < 24 && Math.abs(data[index + 1] - g) < 24 && Math.abs(data[index + 2] - b) < 24);
  };
  for (let x = pane.width - 1; x >= 0; x -= 1) {
    let run = 0;
    for (let y = 0; y < pane.height; y += 1) {
      run = isCandle(x, y) ? run + 1 : 0;
      if (run >= 4) return (x + 1) / pane.width;
    }
  }
  return 0;
})()`;

async function chartNumber(page: Page, name: string): Promise<number> {
  return Number(await page.getAttribute('[data-testid=candle-chart]', name));
}

/** The access token of the page's session, to call the API as the logged-in user. */
async function sessionToken(page: Page): Promise<string> {
  return page.evaluate(
    () => JSON.parse(localStorage.getItem('runecast.session') ?? '{}').accessToken as string,
  );
}

async function api(
  baseUrl: string,
  token: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
) {
  const response = await fetch(`${baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return {
    status: response.status,
    body: (await response.json().catch(() => null)) as Record<string, unknown>,
  };
}

/** Runs an on-demand naive forecast to its end (a few seconds: naive needs no training). */
async function forecastNow(baseUrl: string, token: string, timeframe: string, horizonMinutes: number) {
  const started = await api(baseUrl, token, '/api/v1/forecasts/on-demand', {
    method: 'POST',
    body: { exchange: 'binance', symbol: 'BTC/USDT', timeframe, horizonMinutes, modelType: 'naive' },
  });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const jobId = started.body.id as string;
  return waitFor(
    `forecast job ${jobId}`,
    async () => {
      const job = (await api(baseUrl, token, `/api/v1/jobs/${jobId}`)).body;
      if (job.state === 'failed') throw new Error(JSON.stringify(job.error));
      return job.state === 'succeeded' ? job : null;
    },
    120_000,
  );
}

describe('dashboard usability in Chromium against runecast up --offline', { skip, timeout: 900_000 }, () => {
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
    await waitFor(
      'every component to be ready',
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
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await logIn(page, baseUrl, ADMIN.email, ADMIN.password);
  });

  after(async () => {
    await context?.close();
    await stopServer(server);
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  test('on a phone, a menu button opens the navigation', async () => {
    const baseUrl = server!.baseUrl;
    await page.setViewportSize(PHONE);
    try {
      await page.goto(`${baseUrl}/`);
      const menu = page.locator('button[aria-label="Menu"]');
      await menu.waitFor({ state: 'visible' });
      assert.equal(await menu.getAttribute('aria-expanded'), 'false');
      const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(pageWidth <= PHONE.width, `the page fits the screen (${pageWidth} px wide)`);
      await menu.click();
      const jobsLink = page.locator('nav[aria-label=Main] a:has-text("Jobs")');
      await jobsLink.waitFor({ state: 'visible' });
      const box = await jobsLink.boundingBox();
      assert.ok(
        box !== null && box.width > 40 && box.x >= 0 && box.x + box.width <= PHONE.width,
        'the link is on screen',
      );
      await screenshot(page, 'usability-01-phone-menu');
      await jobsLink.click();
      await page.waitForURL((url) => url.pathname === '/jobs');
      await jobsLink.waitFor({ state: 'hidden' });
      assert.equal(await menu.getAttribute('aria-expanded'), 'false', 'choosing a page closes the menu');
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  test('on a phone, the market chart opens with the latest candles at its right edge', async () => {
    const baseUrl = server!.baseUrl;
    await page.setViewportSize(PHONE);
    try {
      await page.goto(`${baseUrl}/markets/binance/BTC-USDT?tf=1m`);
      await page.waitForSelector('[data-testid=market-chart][data-state=ready]', { timeout: 60_000 });
      await page.waitForTimeout(300);
      const rightmost = (await page.evaluate(RIGHTMOST_CANDLE_SCRIPT)) as number;
      await screenshot(page, 'usability-02-phone-market');
      assert.ok(
        rightmost > 0.9,
        `the newest candle is drawn at the right edge (at ${(rightmost * 100).toFixed(0)}% of the width)`,
      );
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  test('the overview says the timeframe and horizon of every forecast', async () => {
    const baseUrl = server!.baseUrl;
    const token = await sessionToken(page);
    await forecastNow(baseUrl, token, '1m', 15);
    await forecastNow(baseUrl, token, '1h', 240);
    await page.goto(`${baseUrl}/`);
    await waitFor(
      'forecasts of both timeframes on the overview',
      async () => (await page.locator('[data-testid=overview-forecast]').count()) >= 2,
      30_000,
    );
    const rows = await page.$$eval('[data-testid=overview-forecast]', (elements) =>
      elements.map((element) => element.textContent ?? ''),
    );
    assert.ok(
      rows.some((text) => /1m candles · 15m ahead/.test(text)),
      rows.join(' | '),
    );
    assert.ok(
      rows.some((text) => /1h candles · 4h ahead/.test(text)),
      rows.join(' | '),
    );
    await screenshot(page, 'usability-03-overview-forecasts');
  });

  test('the 1W and All ranges of a 1m chart cover the whole range', async () => {
    const baseUrl = server!.baseUrl;
    await page.goto(`${baseUrl}/markets/binance/BTC-USDT?tf=1m`);
    await page.waitForSelector('[data-testid=market-chart][data-state=ready]', { timeout: 60_000 });
    const token = await sessionToken(page);
    const coverage = await api(baseUrl, token, '/api/v1/coverage?series=binance:BTC/USDT:1m');
    const ranges = coverage.body.ranges as { startMs: number; state: string }[];
    const firstStoredSeconds = ranges.find((range) => range.state !== 'missing')!.startMs / 1000;

    await page.click('[aria-label=Range] button:has-text("1W")');
    await page.waitForTimeout(500);
    let from = await chartNumber(page, 'data-visible-from');
    let to = await chartNumber(page, 'data-visible-to');
    const weekSeconds = 7 * 86_400;
    // The e2e home backfills one week: the range shows it all, up to the newest candle.
    const expectedFrom = Math.max(firstStoredSeconds, to - weekSeconds);
    assert.ok(
      from <= expectedFrom + 120,
      `1W starts at ${new Date(from * 1000).toISOString()}, not later than ${new Date(expectedFrom * 1000).toISOString()}`,
    );
    assert.ok((to - from) / 86_400 > 6.5, `1W shows ${((to - from) / 86_400).toFixed(2)} days`);
    assert.ok(
      (await chartNumber(page, 'data-empty-right')) <= 0.1 * (await chartNumber(page, 'data-visible-bars')),
    );
    await screenshot(page, 'usability-04-market-1w');

    await page.click('[aria-label=Range] button:has-text("All")');
    await page.waitForTimeout(500);
    from = await chartNumber(page, 'data-visible-from');
    to = await chartNumber(page, 'data-visible-to');
    assert.ok(
      from <= firstStoredSeconds + 60,
      `All starts at the first stored candle (${new Date(from * 1000).toISOString()})`,
    );
    const footer = (await page.textContent('[data-testid=chart-footer]')) ?? '';
    assert.match(footer, /1m candles/);
  });

  test('the chart footer follows the live candles, and the legend shows the candle under the cursor', async () => {
    const baseUrl = server!.baseUrl;
    await page.goto(`${baseUrl}/markets/binance/BTC-USDT?tf=1m`);
    await page.waitForSelector('[data-testid=market-chart][data-state=ready]', { timeout: 60_000 });
    const first = await page.textContent('[data-testid=chart-footer]');
    await waitFor(
      'the footer to change with a live candle',
      async () => (await page.textContent('[data-testid=chart-footer]')) !== first,
      150_000,
    );
    const newestTime = Number(await page.getAttribute('[data-testid=candle-ohlcv]', 'data-time'));
    const box = (await page.locator('[data-testid=candle-chart]').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
    await page.waitForSelector('[data-testid=candle-ohlcv][data-hovered=true]');
    const hoveredTime = Number(await page.getAttribute('[data-testid=candle-ohlcv]', 'data-time'));
    assert.ok(hoveredTime < newestTime, 'the values are those of the candle under the cursor');
    assert.match((await page.textContent('[data-testid=candle-ohlcv]')) ?? '', /O.*H.*L.*C.*V/);
    await screenshot(page, 'usability-05-market-hover');
  });

  test('toggling RSI draws it in a pane under the candles, served by the indicator API', async () => {
    const baseUrl = server!.baseUrl;
    if (!page.url().includes('/markets/binance/BTC-USDT')) {
      await page.goto(`${baseUrl}/markets/binance/BTC-USDT?tf=1m`);
      await page.waitForSelector('[data-testid=market-chart][data-state=ready]', { timeout: 60_000 });
    }
    const chart = page.locator('[data-testid=candle-chart]');
    await page.waitForSelector('[data-testid=candle-chart][data-panes="1"]');
    const canvasesBefore = await chart.locator('canvas').count();
    const served = page.waitForResponse(
      (response) => response.url().includes('/api/v1/candles/indicators?') && response.status() === 200,
    );
    const rsiButton = page.locator('[aria-label=Indicators] button:has-text("RSI")');
    await rsiButton.click();
    await served;
    await page.waitForSelector('[data-testid=candle-chart][data-panes="2"][data-indicators=rsi]');
    assert.equal(await rsiButton.getAttribute('aria-pressed'), 'true');
    assert.ok((await chart.locator('canvas').count()) > canvasesBefore, 'the pane has canvases of its own');
    assert.match(page.url(), /ind=[^&]*rsi/, 'the choice is in the address');
    await screenshot(page, 'usability-05b-market-rsi');
    await rsiButton.click();
    await page.waitForSelector('[data-testid=candle-chart][data-panes="1"]');
  });

  test('the chart says whether its candles are stored or derived from 1m', async () => {
    const baseUrl = server!.baseUrl;
    await page.goto(`${baseUrl}/markets/binance/BTC-USDT?tf=15m`);
    await page.waitForSelector('[data-testid=market-chart][data-state=ready]', { timeout: 60_000 });
    assert.match(
      (await page.textContent('[data-testid=candle-source]')) ?? '',
      /derived from stored 1m candles/,
    );
    // The 1h forecast above backfilled 1h candles of its own: those are stored, and the chart says so.
    await page.click('[aria-label=Timeframe] button:has-text("1h")');
    await page.waitForSelector('[data-testid=market-chart][data-timeframe="1h"][data-state=ready]');
    assert.match(
      (await page.textContent('[data-testid=candle-source]')) ?? '',
      /stored 1h candles|derived from stored 1m candles/,
    );
  });

  test('the training form refuses too little history before sending, in plain words', async () => {
    const baseUrl = server!.baseUrl;
    await page.goto(`${baseUrl}/training`);
    await page.selectOption('select[name=timeframe]', '1h');
    assert.ok(
      Number(await page.inputValue('input[name=days]')) > 1,
      'the default window is longer than a day',
    );
    const horizons = await page.$$eval('select[name=horizon] option', (options) =>
      options.map((option) => (option as HTMLOptionElement).value),
    );
    assert.deepEqual(horizons, ['240', '1440']);
    await page.selectOption('select[name=modelType]', 'lstm');
    await page.selectOption('select[name=horizon]', '1440');
    await page.fill('input[name=days]', '14');
    await page.click('[data-testid=training-form] button[type=submit]');
    const problem = (await page.textContent('[data-testid=training-form-problem]')) ?? '';
    assert.match(problem, /An LSTM on 1h candles over 14 days has 336 samples .*needs at least \d+/);
    assert.equal(new URL(page.url()).searchParams.get('job'), null, 'no job was started');
    await screenshot(page, 'usability-06-training-refused');
  });

  test('the API docs page is branded Runecast and breaks no content security policy', async () => {
    const baseUrl = server!.baseUrl;
    const docs = await context.newPage();
    const problems: string[] = [];
    docs.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    try {
      const answer = await docs.goto(`${baseUrl}/docs`);
      const policy = answer?.headers()['content-security-policy'] ?? '';
      assert.doesNotMatch(policy, /unsafe-inline/, policy);
      await docs.waitForSelector('.swagger-ui .opblock', { timeout: 30_000 });
      await docs.waitForTimeout(500);
      assert.equal(await docs.title(), 'Runecast API');
      const logo = await docs.getAttribute('.swagger-ui .topbar a img', 'src');
      assert.match(logo ?? '', /^data:image\/svg\+xml;base64,/);
      assert.match(Buffer.from(logo!.split(',')[1]!, 'base64').toString(), /Runecast API/);
      const icon = await docs.getAttribute('link[rel=icon]', 'href');
      assert.match(icon ?? '', /favicon\.svg$/);
      assert.deepEqual(
        problems,
        [],
        'no errors in the console (a content security policy error names the hash it wants)',
      );
      await docs.screenshot({ path: join(ARTIFACTS, 'usability-07-docs.png') });
    } finally {
      await docs.close();
    }
  });

  test('the logs page shows what ingestion, jobs and the scheduler do, filterable by component', async () => {
    const baseUrl = server!.baseUrl;
    const token = await sessionToken(page);
    // A forecast job of its own, so its start and end are logged while this test watches.
    await forecastNow(baseUrl, token, '5m', 15);
    await page.goto(`${baseUrl}/logs`);
    await page.waitForSelector('[data-testid=log-row]');
    const components = await waitFor(
      'log lines of ingestion and jobs',
      async () => {
        const seen = await page.$$eval('[data-testid=log-row] td:nth-child(3)', (cells) =>
          cells.map((cell) => cell.textContent ?? ''),
        );
        return seen.includes('ingest') && seen.includes('jobs') ? seen : null;
      },
      30_000,
    );
    assert.ok(components.length >= 8, `${components.length} lines: ${components.join(', ')}`);
    const messages = (
      await page.$$eval('[data-testid=log-row]', (rows) => rows.map((row) => row.textContent ?? ''))
    ).join('\n');
    assert.match(messages, /forecast-on-demand job started/);
    assert.match(messages, /forecast-on-demand job succeeded/);
    assert.match(messages, /live ingestion: trusted/);
    await page.selectOption('select[name=component]', 'jobs');
    await waitFor(
      'only job lines',
      async () => {
        const shown = await page.$$eval('[data-testid=log-row] td:nth-child(3)', (cells) =>
          cells.map((cell) => cell.textContent ?? ''),
        );
        return shown.length > 0 && shown.every((name) => name === 'jobs');
      },
      15_000,
    );
    await screenshot(page, 'usability-08-logs');
  });
});
