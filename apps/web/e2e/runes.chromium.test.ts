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
  countCandlePixels,
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

// The runes pages in Chromium against `runecast up --offline`, whose emulator speaks the runes
// providers. A day of exchange backfill is enough here: the runes come from the providers' polls.

const DOG = 'DOG•GO•TO•THE•MOON';

describe('runes pages in Chromium against runecast up --offline', { skip, timeout: 300_000 }, () => {
  let server: RunningServer | null = null;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  const pageErrors: string[] = [];

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    ensureDashboardBuilt();
    // Each provider's top twelve runes (DOG•GO•TO•THE•MOON leads them): a rate-limited provider's
    // first poll of its default top fifty takes a minute.
    server = await startServer({ RUNECAST_BACKFILL_DAYS: '1', RUNECAST_SNAPSHOT_TOP: '12' });
    const baseUrl = server.baseUrl;
    await waitFor(
      'the server to be ready',
      async () => ((await (await fetch(`${baseUrl}/ready`)).json()) as { status: string }).status === 'ok',
      START_TIMEOUT_MS,
    );
    // Ready means no provider has failed, not that each has finished its first poll (a provider's
    // rate limit spreads that over a minute): the pages below need every provider's first poll.
    await waitFor(
      "every runes provider's first poll",
      async () => {
        const ready = (await (await fetch(`${baseUrl}/ready`)).json()) as {
          components: { name: string; details?: { kind?: string; lastSuccessAtMs?: number | null } }[];
        };
        const providers = ready.components.filter(
          (component) => component.name.startsWith('source:') && component.details?.kind === 'snapshots',
        );
        return providers.length > 0 && providers.every((component) => component.details?.lastSuccessAtMs);
      },
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

  test('the runes page lists the emulated runes and sorts a column', async () => {
    await page.click('nav[aria-label=Main] a:has-text("Runes")');
    await page.waitForURL((url) => url.pathname === '/runes');
    await page.waitForSelector(`[data-testid=rune-row][data-rune="${DOG}"]`, { timeout: 90_000 });
    assert.ok((await page.locator('[data-testid=rune-row]').count()) > 1, 'more runes than one');
    assert.ok(
      (await page.locator('[data-testid=rune-row] [data-testid=simulated]').count()) > 0,
      'emulated data is labelled simulated',
    );

    const holders = page.locator('th[data-column=holders] button');
    await holders.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('th[data-column=holders][aria-sort=descending]');
    const read = async () =>
      (
        await page.$$eval('[data-testid=rune-row] td[data-column=holders]', (cells) =>
          cells.map((cell) => cell.textContent ?? ''),
        )
      )
        .filter((text) => text !== '—')
        .map((text) => Number(text.replaceAll(',', '')));
    const descending = await read();
    assert.ok(descending.length > 1, 'runes with holders');
    assert.deepEqual(
      descending,
      [...descending].sort((a, b) => b - a),
      'most holders first',
    );
    await holders.click();
    await page.waitForSelector('th[data-column=holders][aria-sort=ascending]');
    const ascending = await read();
    assert.deepEqual(ascending, [...descending].reverse(), 'fewest holders first');

    await page.fill('input[aria-label="Filter runes"]', 'dog.go');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=rune-row]').length === 1);
    await screenshot(page, 'runes-01-list');
  });

  test('tracking a rune shows the server refusing a bad name and accepting any spelling', async () => {
    await page.fill('#track-rune-name', 'dog1');
    await page.click('[data-testid=track-rune-form] button[type=submit]');
    const refusal = await page.waitForSelector('[data-testid=track-rune-form] [role=alert]');
    assert.match((await refusal.textContent()) ?? '', /^name: /);

    await page.fill('#track-rune-name', 'dog.go.to.the.moon');
    await page.click('[data-testid=track-rune-form] button[type=submit]');
    await page.waitForSelector('[data-testid=rune-tracked]');
    await page.waitForSelector(`[data-testid=rune-row][data-rune="${DOG}"] .badge.ok:has-text("tracked")`);
    await screenshot(page, 'runes-02-tracked');
  });

  test('the rune page draws the price chart and shows the providers, their health and coverage', async () => {
    await page.click(`[data-testid=rune-row][data-rune="${DOG}"] a:has-text("${DOG}")`);
    await page.waitForURL((url) => url.pathname === '/runes/DOG.GO.TO.THE.MOON');
    assert.equal(await page.textContent('[data-testid=rune-name]'), DOG);
    await page.waitForSelector('[data-testid=rune-price-chart][data-state=ready]');
    assert.ok((await countCandlePixels(page)) > 0, 'the price chart shows candles');
    assert.ok((await page.locator('[data-testid=rune-stats-row]').count()) >= 1);
    await page.waitForSelector('[data-testid=health-light][data-component^="source:"]');
    await page.waitForSelector('[data-testid=coverage-strip], [data-testid=empty-state]');
    await page.waitForSelector(
      '[data-testid=metric-chart][data-metric=holders], [data-testid=metric-single-point][data-metric=holders]',
    );
    await screenshot(page, 'runes-03-rune');
  });

  test('forecasting a rune now runs a job that says how long until its series is long enough', async () => {
    await page.click('section[aria-label="Forecast now"] button:has-text("4 h ahead")');
    const finished = await page.waitForSelector(
      'section[aria-label="Forecast now"] [data-testid=job-view][data-state=failed], section[aria-label="Forecast now"] [data-testid=job-view][data-state=succeeded]',
      { timeout: 60_000 },
    );
    // A rune first polled minutes ago has a handful of 5m candles: far fewer than 4 h needs.
    assert.equal(await finished.getAttribute('data-state'), 'failed');
    await page.waitForSelector('section[aria-label="Forecast now"] :text("gives no history")');
    await screenshot(page, 'runes-04-forecast-now');
    assert.deepEqual(pageErrors, []);
  });
});
