import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RUNECAST_BIN } from './support/cli.ts';

const MB = 1024 * 1024;
/** The largest RUNECAST_DISK_MIN_FREE_MB accepted. */
const MAX_MIN_FREE_MB = 10_000_000;

interface ReadyBody {
  status: string;
  components: { name: string; state: string; reason: string | null; details?: Record<string, unknown> }[];
}

describe('runecast up on a nearly full disk', () => {
  const folders: string[] = [];
  after(async () => {
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  });

  test('answers reads, refuses writes with 503, pauses ingestion, and stops at once on SIGTERM', async (t) => {
    const home = await mkdtemp(join(tmpdir(), 'runecast-disk-'));
    folders.push(home);
    // Filling the real disk is not an option: the minimum is set just above what is free instead.
    const stats = await statfs(home);
    const freeMegabytes = Math.ceil((Number(stats.bavail) * Number(stats.bsize)) / MB);
    const minimum = freeMegabytes + 1024;
    if (minimum > MAX_MIN_FREE_MB) {
      t.skip(`${freeMegabytes} MB free is more than the largest minimum that can be set`);
      return;
    }
    const child = spawn(process.execPath, [RUNECAST_BIN, 'up', '--offline', '--port', '0'], {
      env: {
        ...process.env,
        RUNECAST_HOME: home,
        RUNECAST_REPLAY_DIR: '',
        RUNECAST_BACKFILL_DAYS: '1',
        RUNECAST_RUNES_PROVIDERS: 'none',
        RUNECAST_NEWS_FEEDS: 'none',
        RUNECAST_LOG_LEVEL: 'warn',
        RUNECAST_LOG_FORMAT: 'json',
        RUNECAST_ADMIN_PASSWORD: 'a-long-test-password',
        RUNECAST_DISK_MIN_FREE_MB: String(minimum),
        RUNECAST_DISK_CHECK_SECONDS: '1',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const baseUrl = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`did not start:\n${stdout}\n${stderr}`)), 60_000);
        const poll = setInterval(() => {
          const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(stdout);
          if (match?.[1]) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(match[1]);
          }
        }, 100);
        void exited.then(({ code }) => {
          clearInterval(poll);
          clearTimeout(timer);
          reject(new Error(`exited with ${code}:\n${stdout}\n${stderr}`));
        });
      });

      const ready = (await (await fetch(`${baseUrl}/ready`)).json()) as ReadyBody;
      const disk = ready.components.find((component) => component.name === 'disk');
      assert.equal(disk?.state, 'degraded', JSON.stringify(ready));
      assert.match(disk?.reason ?? '', /MB free for (home|store) .*below the [\d,]+ MB minimum.*read-only/);
      assert.equal(ready.status, 'degraded');
      assert.ok(
        !ready.components.some((component) => component.name.startsWith('candles:')),
        'ingestion has not started',
      );

      const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@runecast.local', password: 'a-long-test-password' }),
      });
      assert.equal(login.status, 200, await login.clone().text());
      const { accessToken } = (await login.json()) as { accessToken: string };
      const authorization = { authorization: `Bearer ${accessToken}` };
      const read = await fetch(`${baseUrl}/api/v1/markets`, { headers: authorization });
      assert.equal(read.status, 200);
      const write = await fetch(`${baseUrl}/api/v1/markets`, {
        method: 'POST',
        headers: { ...authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ exchange: 'binance', symbol: 'SOL/USDT' }),
      });
      assert.equal(write.status, 503);
      assert.equal(write.headers.get('retry-after'), '1');
      assert.equal(((await write.json()) as { error: { code: string } }).error.code, 'read_only');

      // Readings every second for a while, and still one line saying the process turned read-only.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
      assert.match(metrics, /runecast_disk_read_only 1/);
      assert.equal(stderr.match(/disk nearly full; read-only/g)?.length, 1, stderr);

      const signalledAtMs = Date.now();
      child.kill('SIGTERM');
      const { code } = await exited;
      const stopMs = Date.now() - signalledAtMs;
      assert.equal(code, 0, stderr);
      assert.ok(stopMs < 5_000, `stopped ${stopMs} ms after SIGTERM`);
      t.diagnostic(`stopped ${stopMs} ms after SIGTERM`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
