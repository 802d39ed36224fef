import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

// What the dashboard's browser tests share: a real `runecast up --offline` on a temporary home,
// Chromium's path and flags, log-in, waiting and reading the chart's canvas.

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const WEB_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const ARTIFACTS = join(REPOSITORY_ROOT, 'test-artifacts', 'dashboard');
export const ADMIN = { email: 'admin@runecast.local', password: 'e2e-admin-password-0001' };
export const START_TIMEOUT_MS = 180_000;

export const skip = existsSync(CHROMIUM_PATH)
  ? false
  : `Chromium is not installed at ${CHROMIUM_PATH} (Debian: apt-get install -y chromium)`;

export interface RunningServer {
  process: ChildProcess;
  baseUrl: string;
  home: string;
  output: string[];
}

/** Newest modification time of the dashboard's sources (src/, index.html, public/). */
function newestSourceMs(): number {
  let newest = 0;
  const visit = (path: string) => {
    const stats = statSync(path);
    if (stats.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, stats.mtimeMs);
  };
  for (const name of ['src', 'public', 'index.html']) {
    if (existsSync(join(WEB_ROOT, name))) visit(join(WEB_ROOT, name));
  }
  return newest;
}

/** Builds the dashboard when it is missing or older than its sources, so tests never see a stale build. */
export function ensureDashboardBuilt(): void {
  const index = join(WEB_ROOT, 'dist', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestSourceMs()) return;
  const build = spawnSync(
    process.execPath,
    [join(REPOSITORY_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'],
    {
      cwd: WEB_ROOT,
      encoding: 'utf8',
    },
  );
  if (build.status !== 0) throw new Error(`building the dashboard failed:\n${build.stdout}\n${build.stderr}`);
}

export async function startServer(extraEnvironment: Record<string, string> = {}): Promise<RunningServer> {
  const home = await mkdtemp(join(tmpdir(), 'runecast-e2e-'));
  const child = spawn(process.execPath, ['apps/server/bin/runecast.js', 'up', '--offline', '--port', '0'], {
    cwd: REPOSITORY_ROOT,
    env: {
      ...process.env,
      RUNECAST_HOME: home,
      RUNECAST_ADMIN_EMAIL: ADMIN.email,
      RUNECAST_ADMIN_PASSWORD: ADMIN.password,
      // One week of 1m candles, the load the market page is measured with.
      RUNECAST_BACKFILL_DAYS: '7',
      RUNECAST_LOG_LEVEL: 'info',
      // The worker runs only what the tests start, so progress is theirs to watch.
      RUNECAST_DEFAULT_MODEL: 'none',
      ...extraEnvironment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`runecast up did not start within ${START_TIMEOUT_MS} ms:\n${output.join('')}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output.push(text);
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runecast up exited with ${code}:\n${output.join('')}`));
    });
  });
  return { process: child, baseUrl, home, output };
}

export async function stopServer(server: RunningServer | null): Promise<void> {
  if (server === null) return;
  const exited = new Promise<void>((resolve) => {
    if (server.process.exitCode !== null) resolve();
    else server.process.once('exit', () => resolve());
  });
  server.process.kill('SIGTERM');
  const timer = setTimeout(() => server.process.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  await rm(server.home, { recursive: true, force: true });
}

export async function waitFor<Value>(
  what: string,
  probe: () => Promise<Value | null | undefined | false>,
  timeoutMs: number,
): Promise<Value> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null && value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export async function logIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 20_000 });
}

export async function logOut(page: Page): Promise<void> {
  await page.click('button:has-text("Log out")');
  await page.waitForURL((url) => url.pathname.startsWith('/login'));
}

/**
 * Counts pixels of the given CSS colour variables in the chart's canvases (0 for a blank
 * chart). Sent as text: the test's own compiled functions carry helpers the page lacks.
 */
export const COUNT_PIXELS_SCRIPT = `(variables) => {
  const style = getComputedStyle(document.documentElement);
  const targets = variables.map((name) => {
    const hex = style.getPropertyValue(name).trim().replace('#', '');
    return [0, 2, 4].map((offset) => parseInt(hex.slice(offset, offset + 2), 16));
  });
  let count = 0;
  for (const canvas of document.querySelectorAll('[data-testid="candle-chart"] canvas')) {
    const context = canvas.getContext('2d');
    if (context === null || canvas.width === 0 || canvas.height === 0) continue;
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let index = 0; index < data.length; index += 4) {
      for (const [red, green, blue] of targets) {
        if (Math.abs(data[index] - red) < 24 && Math.abs(data[index + 1] - green) < 24 && Math.abs(data[index + 2] - blue) < 24) {
          count += 1;
          break;
        }
      }
    }
  }
  return count;
}`;

export function countPixels(page: Page, variables: readonly string[]): Promise<number> {
  return page.evaluate(`(${COUNT_PIXELS_SCRIPT})(${JSON.stringify(variables)})`) as Promise<number>;
}

export function countCandlePixels(page: Page): Promise<number> {
  return countPixels(page, ['--up', '--down']);
}

/** Pixels tinted by the forecast's amber bands over the dark chart background. */
export const COUNT_BAND_PIXELS_SCRIPT = `(() => {
  let count = 0;
  for (const canvas of document.querySelectorAll('[data-testid="candle-chart"] canvas')) {
    const context = canvas.getContext('2d');
    if (context === null || canvas.width === 0 || canvas.height === 0) continue;
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let index = 0; index < data.length; index += 4) {
      const red = data[index], green = data[index + 1], blue = data[index + 2];
      if (red - blue > 25 && green - blue > 15 && red < 200) count += 1;
    }
  }
  return count;
})()`;

/** Samples a number from the page until `done` says so, returning every distinct value seen. */
export async function sampleUntil(
  page: Page,
  read: () => Promise<number | null>,
  done: () => Promise<boolean>,
  timeoutMs: number,
): Promise<number[]> {
  const seen: number[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const finished = await done();
    // Read after the check, so the last value seen is the final one.
    const value = await read();
    if (value !== null && seen.at(-1) !== value) seen.push(value);
    if (finished) return seen;
    await page.waitForTimeout(100);
  }
  throw new Error(`not finished within ${timeoutMs} ms; saw ${seen.join(', ')}`);
}
