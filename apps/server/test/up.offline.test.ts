import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RUNECAST_BIN } from './support/cli.ts';
import { REPLAY_DIR, replayDataSkip } from './support/replay-data.ts';

interface RunningUp {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  baseUrl: string;
}

/** Starts `runecast up --offline` on a free port and waits until it says where it listens. */
async function startUp(environment: NodeJS.ProcessEnv): Promise<RunningUp> {
  const child = spawn(process.execPath, [RUNECAST_BIN, 'up', '--offline', '--port', '0'], {
    env: {
      ...process.env,
      RUNECAST_LOG_LEVEL: 'warn',
      RUNECAST_ADMIN_PASSWORD: 'a-long-test-password',
      ...environment,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const baseUrl = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`runecast up did not start:\n${stdout}\n${stderr}`)),
      60_000,
    );
    const poll = setInterval(() => {
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(stdout);
      if (match?.[1]) {
        clearInterval(poll);
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`runecast up exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
  return { child, stdout: () => stdout, baseUrl };
}

async function logIn(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@runecast.local', password: 'a-long-test-password' }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { accessToken: string }).accessToken;
}

async function stopUp(running: RunningUp): Promise<number | null> {
  const exited = new Promise<number | null>((resolvePromise) => running.child.once('exit', resolvePromise));
  running.child.kill('SIGTERM');
  return exited;
}

interface ReadyBody {
  status: string;
  dataMode: { mode: string };
  components: { name: string; state: string; details?: Record<string, unknown> }[];
}

async function waitForCandles(baseUrl: string): Promise<ReadyBody> {
  const deadline = Date.now() + 90_000;
  let body: ReadyBody | null = null;
  while (Date.now() < deadline) {
    body = (await (await fetch(`${baseUrl}/ready`)).json()) as ReadyBody;
    const candleChecks = body.components.filter((component) => component.name.startsWith('candles:'));
    if (candleChecks.length > 0 && candleChecks.every((component) => component.state === 'ok')) return body;
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 500));
  }
  throw new Error(`candles never arrived: ${JSON.stringify(body)}`);
}

describe('runecast up --offline', () => {
  const folders: string[] = [];
  after(async () => {
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  });

  test(
    'replays the real data, says so first, reports health per component, stops cleanly',
    { skip: replayDataSkip },
    async () => {
      const home = await mkdtemp(join(tmpdir(), 'runecast-up-'));
      folders.push(home);
      const running = await startUp({
        RUNECAST_HOME: home,
        RUNECAST_REPLAY_DIR: REPLAY_DIR ?? '',
        RUNECAST_BACKFILL_DAYS: '1',
        RUNECAST_LOG_LEVEL: 'info',
      });
      try {
        const firstLines = running.stdout().split('\n').slice(0, 3).join('\n');
        assert.match(firstLines, /OFFLINE \(replay\).*replaying real data/);
        const health = (await (await fetch(`${running.baseUrl}/health`)).json()) as { status: string };
        assert.equal(health.status, 'ok');
        const ready = await waitForCandles(running.baseUrl);
        assert.equal(ready.dataMode.mode, 'replay');
        const names = ready.components.map((component) => component.name);
        for (const name of [
          'store',
          'bus',
          'source:binance',
          'candles:binance:BTC/USDT:1m',
          'candles:binance:ETH/USDT:1m',
        ]) {
          assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
        }

        // Ingest counters reach /metrics, and structured logs reach the store's log table.
        const candleCounter = /runecast_ingest_messages_total\{exchange="binance",kind="candles"\} [1-9]/;
        const metricsDeadline = Date.now() + 60_000;
        let metricsText = '';
        while (Date.now() < metricsDeadline) {
          metricsText = await (await fetch(`${running.baseUrl}/metrics`)).text();
          if (candleCounter.test(metricsText)) break;
          await new Promise((resolvePromise) => setTimeout(resolvePromise, 1_000));
        }
        assert.match(metricsText, candleCounter);
        const token = await logIn(running.baseUrl);
        const logs = (await (
          await fetch(`${running.baseUrl}/api/v1/logs?limit=50`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).json()) as { entries: unknown[] };
        assert.ok(logs.entries.length > 0, 'logs are stored and queryable');

        // Runes: the providers' collectors fill the list from the emulator, a rune's poll series
        // holds candles, and the daily rune history of the replay folder is imported and forecast.
        const authorized = { headers: { authorization: `Bearer ${token}` } };
        const runes = (await (await fetch(`${running.baseUrl}/api/v1/runes`, authorized)).json()) as {
          runes: { name: string; seriesKey: string; priceSats: number | null; simulated: boolean }[];
        };
        assert.ok(runes.runes.length >= 50, `${runes.runes.length} runes listed`);
        const dog = runes.runes.find((rune) => rune.name === 'DOG•GO•TO•THE•MOON');
        assert.ok(dog && dog.priceSats !== null && dog.simulated, JSON.stringify(dog));
        const latestRuneCandle = (await (
          await fetch(
            `${running.baseUrl}/api/v1/candles/latest?series=${encodeURIComponent(dog.seriesKey)}`,
            authorized,
          )
        ).json()) as { candle: { close: number } | null };
        assert.ok(latestRuneCandle.candle !== null, `a candle of ${dog.seriesKey}`);
        const runeHealth = ((await (await fetch(`${running.baseUrl}/ready`)).json()) as ReadyBody).components;
        for (const provider of ['ordiscan', 'unisat', 'geniidata']) {
          assert.ok(
            runeHealth.some((component) => component.name === `source:${provider}`),
            `source:${provider} health`,
          );
        }
        const dailySeries = encodeURIComponent('dogdata:DOG•GO•TO•THE•MOON/USD:1d');
        const forecastDeadline = Date.now() + 120_000;
        let horizons: number[] = [];
        while (Date.now() < forecastDeadline && horizons.length < 2) {
          const latest = (await (
            await fetch(`${running.baseUrl}/api/v1/forecasts/latest?series=${dailySeries}`, authorized)
          ).json()) as { forecasts: { horizonMinutes: number; lower80: number; upper80: number }[] };
          horizons = latest.forecasts.map((forecast) => forecast.horizonMinutes).sort((a, b) => a - b);
          if (horizons.length < 2) await new Promise((resolvePromise) => setTimeout(resolvePromise, 1_000));
        }
        assert.deepEqual(horizons, [1440, 10080], 'the daily DOG series is forecast 1 and 7 days ahead');
      } finally {
        assert.equal(await stopUp(running), 0);
      }
    },
  );

  test('without a replay folder the market is simulated and labelled so', async () => {
    const home = await mkdtemp(join(tmpdir(), 'runecast-up-sim-'));
    folders.push(home);
    const running = await startUp({
      RUNECAST_HOME: home,
      RUNECAST_REPLAY_DIR: '',
      RUNECAST_BACKFILL_DAYS: '1',
    });
    try {
      assert.match(running.stdout(), /SIMULATED/);
      assert.match(running.stdout(), /dashboard: open http/);
      const ready = await waitForCandles(running.baseUrl);
      assert.equal(ready.dataMode.mode, 'simulated');

      // A market added through the API is ingested without a restart.
      const accessToken = await logIn(running.baseUrl);
      const added = await fetch(`${running.baseUrl}/api/v1/markets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ exchange: 'binance', symbol: 'SOL/USDT' }),
      });
      assert.equal(added.status, 201, await added.text());
      const deadline = Date.now() + 120_000;
      let candle: unknown = null;
      while (Date.now() < deadline && candle === null) {
        const latest = await fetch(`${running.baseUrl}/api/v1/candles/latest?series=binance:SOL/USDT:1m`, {
          headers: { authorization: `Bearer ${accessToken}` },
        });
        assert.equal(latest.status, 200);
        candle = ((await latest.json()) as { candle: unknown }).candle;
        if (candle === null) await new Promise((resolvePromise) => setTimeout(resolvePromise, 1_000));
      }
      assert.notEqual(candle, null, 'candles of the added market arrive');
    } finally {
      assert.equal(await stopUp(running), 0);
    }
  });
});
