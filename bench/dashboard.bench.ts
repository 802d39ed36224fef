/**
 * How long the market page takes to show its chart when opened by its address, in Debian's
 * Chromium against `runecast up --offline` holding a week of 1m candles per market. Each visit
 * is a new browser context (empty HTTP cache, a new log-in), then the market page by URL; the
 * time is from navigation start to the page's `runecast:market-interactive` mark (candles drawn,
 * chart ready for the pointer). Beside it, in the same run and the same way: the account page's
 * heading, the floor any page of the dashboard pays (the app shell, the session and the page's
 * code). Target: the market page within 1 s of navigation.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  ADMIN,
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  ensureDashboardBuilt,
  logIn,
  START_TIMEOUT_MS,
  startServer,
  stopServer,
  waitFor,
  type RunningServer,
} from '../apps/web/e2e/e2e-harness.ts';
import { printBenchTable } from './bench-support.ts';

const VISITS = Number(process.env.BENCH_DASHBOARD_VISITS ?? 6);
const MARKETS = ['BTC-USDT', 'ETH-USDT'] as const;
const WEEK_MS = 7 * 86_400_000;
const MINUTE_MS = 60_000;

async function accessToken(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  if (!response.ok) throw new Error(`log-in answered ${response.status}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** Minutes of the last week the coverage ledger holds as complete or empty for a 1m series. */
async function coveredMinutes(baseUrl: string, token: string, market: string): Promise<number> {
  const series = `binance:${market.replace('-', '/')}:1m`;
  const headers = { authorization: `Bearer ${token}` };
  // Replayed data runs on the emulator's clock: the week is the one before the newest candle.
  const latest = await fetch(`${baseUrl}/api/v1/candles/latest?series=${encodeURIComponent(series)}`, {
    headers,
  });
  if (!latest.ok) return 0;
  const newest = ((await latest.json()) as { candle: { openTimeMs: number } | null }).candle;
  if (newest === null) return 0;
  const to = newest.openTimeMs;
  const response = await fetch(
    `${baseUrl}/api/v1/coverage?series=${encodeURIComponent(series)}&from=${to - WEEK_MS}&to=${to}`,
    { headers },
  );
  if (!response.ok) return 0;
  const body = (await response.json()) as { ranges: { startMs: number; endMs: number; state: string }[] };
  return body.ranges
    .filter((range) => range.state !== 'missing')
    .reduce((sum, range) => sum + (range.endMs - range.startMs) / MINUTE_MS, 0);
}

/** Milliseconds from navigation start until `selector` is on the page (read in the page). */
async function openAndTime(page: Page, url: string, selector: string, mark?: string): Promise<number> {
  await page.goto(url);
  await page.waitForSelector(selector, { timeout: 60_000 });
  if (mark !== undefined) {
    const marked = await page.evaluate(
      (name) => performance.getEntriesByName(name).at(-1)?.startTime ?? null,
      mark,
    );
    if (marked !== null) return marked;
  }
  return page.evaluate(() => performance.now());
}

async function visit(browser: Browser, baseUrl: string, path: string, selector: string, mark?: string) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    const page = await context.newPage();
    await logIn(page, baseUrl, ADMIN.email, ADMIN.password);
    return await openAndTime(page, `${baseUrl}${path}`, selector, mark);
  } finally {
    await context.close();
  }
}

function summary(label: string, samples: readonly number[]): string[] {
  const sorted = [...samples].sort((left, right) => left - right);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return [
    label,
    String(samples.length),
    `${Math.round(samples[0]!)} ms`,
    `${Math.round(median)} ms`,
    `${Math.round(sorted.at(-1)!)} ms`,
    sorted.at(-1)! < 1000 ? 'yes' : 'no',
    samples.map((sample) => Math.round(sample)).join(' '),
  ];
}

export async function runDashboardBench(): Promise<void> {
  if (!existsSync(CHROMIUM_PATH)) {
    process.stdout.write(
      `Chromium is not installed at ${CHROMIUM_PATH}; skipped (apt-get install -y chromium)\n`,
    );
    return;
  }
  ensureDashboardBuilt();
  let server: RunningServer | null = null;
  let browser: Browser | null = null;
  try {
    server = await startServer();
    const { baseUrl } = server;
    await waitFor(
      'runecast up to be ready',
      async () => ((await (await fetch(`${baseUrl}/ready`)).json()) as { status: string }).status === 'ok',
      START_TIMEOUT_MS,
    );
    const token = await accessToken(baseUrl);
    const held: Record<string, number> = {};
    for (const market of MARKETS) {
      // The backfill of the week is done when the ledger covers it (all but the open minutes).
      held[market] = await waitFor(
        `a week of ${market} 1m candles`,
        async () => {
          const minutes = await coveredMinutes(baseUrl, token, market);
          return minutes >= WEEK_MS / MINUTE_MS - 30 ? minutes : null;
        },
        START_TIMEOUT_MS,
      );
    }
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    const rows: string[][] = [];
    const account: number[] = [];
    for (let index = 0; index < VISITS; index += 1)
      account.push(await visit(browser, baseUrl, '/account', 'main h1'));
    rows.push(summary('account page heading (app shell, session, page code)', account));
    for (const market of MARKETS) {
      const samples: number[] = [];
      for (let index = 0; index < VISITS; index += 1) {
        samples.push(
          await visit(
            browser,
            baseUrl,
            `/markets/binance/${market}?tf=1m`,
            '[data-testid=market-chart][data-state=ready]',
            'runecast:market-interactive',
          ),
        );
      }
      rows.push(
        summary(
          `market page ${market.replace('-', '/')} 1m (${Math.round(held[market]!).toLocaleString('en-US')} minutes held)`,
          samples,
        ),
      );
    }
    printBenchTable(
      `Dashboard: navigation start to a usable page, each visit in a new browser context (${VISITS} visits; target: market page within 1 s)`,
      ['page', 'visits', 'first', 'median', 'worst', 'all under 1 s', 'each visit (ms)'],
      rows,
    );
  } finally {
    await browser?.close();
    await stopServer(server);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runDashboardBench();
