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

// The Community page in Chromium against `runecast up --offline`, whose emulator serves the
// replayed Reddit threads as Discord channels and the bundled news as a feed. Needs the replay
// folder (RUNECAST_REPLAY_DIR): without it the emulator has no channels to serve.

const PHONE = { width: 390, height: 844 };
const replaySkip = skip || (process.env.RUNECAST_REPLAY_DIR ? false : 'RUNECAST_REPLAY_DIR is not set');

describe(
  'community page in Chromium against runecast up --offline',
  { skip: replaySkip, timeout: 420_000 },
  () => {
    let server: RunningServer | null = null;
    let context: BrowserContext;
    let page: Page;
    let profileDir: string;
    const pageErrors: string[] = [];

    before(async () => {
      await mkdir(ARTIFACTS, { recursive: true });
      ensureDashboardBuilt();
      server = await startServer({ RUNECAST_BACKFILL_DAYS: '1' });
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

    test('the navigation opens the Community page with summaries and messages of the replayed channels', async () => {
      const baseUrl = server!.baseUrl;
      await page.goto(`${baseUrl}/`);
      await page.locator('nav[aria-label=Main] a:has-text("Community")').click();
      await page.waitForURL((url) => url.pathname === '/community');
      await page.getByRole('heading', { name: 'Community', level: 1 }).waitFor();
      // The channels are backfilled from the emulator after start; the page shows them once stored.
      await waitFor(
        'summaries of the replayed channels',
        async () => {
          await page.reload();
          await page.locator('[data-testid=community-summary]').first().waitFor();
          const filled = page.locator('[data-testid=community-summary]:not([data-sentences="0"])');
          return (await filled.count()) > 0;
        },
        240_000,
      );
      const summary = page.locator('[data-testid=community-summary]:not([data-sentences="0"])').first();
      assert.match((await summary.locator('h3').textContent()) ?? '', /replayed Reddit/);
      const sentences = summary.locator('ol.summary-sentences > li');
      assert.ok((await sentences.count()) >= 1);
      const link = await sentences.first().locator('a').getAttribute('href');
      assert.match(link ?? '', /^https:\/\/discord\.com\/channels\/\d+\/\d+\/\d+$/);

      const messages = page.locator('[data-testid=community-message]');
      await messages.first().waitFor();
      assert.ok((await messages.count()) >= 1);
      assert.match((await messages.first().textContent()) ?? '', /replayed Reddit/);
      await page.locator('[data-testid=sentiment-chart] .uplot-box').waitFor();
      await page.locator('[data-testid=health-light][data-component="source:discord"]').waitFor();
      await screenshot(page, 'community-01-page');
    });

    test('on a phone the Community page fits the screen', async () => {
      await page.setViewportSize(PHONE);
      try {
        await page.reload();
        await page.locator('[data-testid=community-summary]').first().waitFor();
        await page.locator('[data-testid=community-message]').first().waitFor();
        await screenshot(page, 'community-02-phone');
        const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        // Names the elements reaching past the screen, so a failure says where to look.
        const wide = await page.evaluate((width) => {
          const found: string[] = [];
          for (const element of document.querySelectorAll('main *')) {
            const box = element.getBoundingClientRect();
            if (box.right > width + 0.5)
              found.push(`${element.tagName}.${element.className} ${Math.round(box.right)}`);
          }
          return found.slice(0, 8);
        }, PHONE.width);
        assert.ok(
          pageWidth <= PHONE.width,
          `the page fits the screen (${pageWidth} px wide): ${wide.join(', ')}`,
        );
      } finally {
        await page.setViewportSize({ width: 1440, height: 900 });
      }
      assert.deepEqual(pageErrors, []);
    });
  },
);
