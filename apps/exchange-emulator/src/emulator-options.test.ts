import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ccxt, { type Exchange } from 'ccxt';
import { EmulatorOptionsError, emulatorOverrides, startEmulator } from './index.ts';
import { SimulatedSeriesGenerator } from './market/simulated-series.ts';

const MAIN_PATH = fileURLToPath(new URL('./main.ts', import.meta.url));

function everyUrl(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') found.push(value);
  else if (value !== null && typeof value === 'object')
    for (const item of Object.values(value)) everyUrl(item, found);
  return found;
}

describe('options', () => {
  test('bad options are refused with the name of each wrong option', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ speed: 0 }, /speed/],
      [{ speed: 20_000 }, /speed/],
      [{ port: -1 }, /port/],
      [{ startTime: 'yesterday' }, /startTime: must be epoch milliseconds or an ISO date/],
      [{ simulatedSymbols: ['btc-usdt'] }, /simulatedSymbols.0: must look like BTC\/USDT/],
      [{ colour: 'blue' }, /colour|Unrecognized/],
      [{ faults: [{ kind: 'http-429', probability: -1 }] }, /faults.0.probability/],
    ];
    for (const [options, pattern] of cases) {
      await assert.rejects(
        startEmulator(options as never),
        (error: unknown) => {
          return error instanceof EmulatorOptionsError && pattern.test(error.message);
        },
        JSON.stringify(options),
      );
    }
  });

  test('a replay folder that is missing or holds no kline files is a clear error', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'runecast-emulator-empty-'));
    try {
      await writeFile(join(folder, 'readme.txt'), 'no candles here');
      await assert.rejects(startEmulator({ replayDir: folder }), /holds no kline files/);
      await assert.rejects(
        startEmulator({ replayDir: join(folder, 'missing') }),
        /cannot read replay folder/,
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('simulated market', () => {
  test('says it is simulated on every status surface', async () => {
    const emulator = await startEmulator({
      startTime: '2025-03-03T00:00:00Z',
      simulatedHistoryDays: 1,
      seed: 2,
    });
    try {
      assert.equal(emulator.simulated, true);
      const status = (await (await fetch(`${emulator.url}/__emulator/status`)).json()) as Record<
        string,
        unknown
      >;
      assert.equal(status.simulated, true);
      assert.deepEqual(status.symbols, ['BTC/USDT', 'ETH/USDT', 'SOL/USDT']);
      const info = (await (await fetch(`${emulator.url}/binance/api/v3/exchangeInfo`)).json()) as Record<
        string,
        unknown
      >;
      assert.equal(info.simulated, true);
      const system = (await (await fetch(`${emulator.url}/kraken/0/public/SystemStatus`)).json()) as {
        result: Record<string, unknown>;
      };
      assert.equal(system.result.simulated, true);
      assert.equal(
        ((await (await fetch(`${emulator.url}/health`)).json()) as Record<string, unknown>).simulated,
        true,
      );
    } finally {
      await emulator.close();
    }
  });

  test('the same seed gives the same market; volatility clusters and volume follows the day', () => {
    const originMs = Date.UTC(2025, 0, 6);
    const first = new SimulatedSeriesGenerator('BTC/USDT', 'BTC', 9, originMs).generateUntil(
      originMs + 28 * 86_400_000,
    );
    const second = new SimulatedSeriesGenerator('BTC/USDT', 'BTC', 9, originMs).generateUntil(
      originMs + 28 * 86_400_000,
    );
    assert.deepEqual(first.slice(-5), second.slice(-5));
    const returns = first.slice(1).map((row, index) => Math.log(row.close / first[index]!.close));
    const magnitudes = returns.map(Math.abs);
    const mean = magnitudes.reduce((sum, value) => sum + value, 0) / magnitudes.length;
    let lagged = 0;
    let spread = 0;
    for (let index = 1; index < magnitudes.length; index += 1) {
      lagged += (magnitudes[index]! - mean) * (magnitudes[index - 1]! - mean);
      spread += (magnitudes[index]! - mean) ** 2;
    }
    assert.ok(
      lagged / spread > 0.05,
      `absolute returns are autocorrelated (${(lagged / spread).toFixed(3)})`,
    );
    const meanVolumeAtHour = (hour: number): number => {
      const rows = first.filter((row) => new Date(row.openTimeMs).getUTCHours() === hour);
      return rows.reduce((sum, row) => sum + row.volume, 0) / rows.length;
    };
    assert.ok(
      meanVolumeAtHour(15) > 1.5 * meanVolumeAtHour(3),
      'busier in the afternoon (UTC) than at night',
    );
    for (const row of first) {
      assert.ok(
        row.low <= Math.min(row.open, row.close) && row.high >= Math.max(row.open, row.close) && row.low > 0,
      );
    }
  });
});

describe('ccxt URL overrides', () => {
  test('every REST and websocket URL of binance and kraken points at the emulator', () => {
    const base = 'http://127.0.0.1:45678';
    for (const id of ['binance', 'kraken'] as const) {
      for (const exchange of [
        new ccxt[id](emulatorOverrides(id, base)),
        new ccxt.pro[id](emulatorOverrides(id, base)),
      ] as Exchange[]) {
        const urls = everyUrl(exchange.urls.api);
        assert.ok(urls.length > 5);
        for (const url of urls)
          assert.ok(
            url.startsWith('http://127.0.0.1:45678/') || url.startsWith('ws://127.0.0.1:45678/'),
            url,
          );
      }
    }
    assert.throws(() => emulatorOverrides('coinbase' as never, base), /binance and kraken/);
    assert.throws(() => emulatorOverrides('binance', 'not a url'), /not a URL/);
    assert.equal(emulatorOverrides('binance', 'https://emulator.example').httpAgent, undefined);
  });
});

describe('command line', () => {
  function run(args: string[]): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', MAIN_PATH, ...args], {
        env: { ...process.env, RUNECAST_REPLAY_DIR: '' },
      });
      let output = '';
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('control ')) child.kill('SIGTERM');
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
  }

  test('starts on the given port and says the market is simulated; bad flags stop it', async () => {
    const started = await run([
      '--port',
      '0',
      '--speed',
      '50',
      '--start',
      '2025-02-01T00:00:00Z',
      '--paused',
    ]);
    assert.match(started.output, /Runecast exchange emulator on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(started.output, /SIMULATED market/);
    assert.match(started.output, /emulated now 2025-02-01T00:00:00.000Z, speed 50x, paused/);
    const refused = await run(['--speed', 'fast']);
    assert.equal(refused.code, 1);
    assert.match(refused.output, /--speed: "fast" is not a number/);
    const tooFast = await run(['--speed', '99999']);
    assert.equal(tooFast.code, 1);
    assert.match(tooFast.output, /speed/);
  });
});
