/**
 * Peak resident memory of `runecast up` tracking two markets live (offline: the built-in
 * emulator replaying RUNECAST_REPLAY_DIR, or a simulated market), read from /proc while it
 * runs, beside a bare Node process measured the same way in the same run. Target: under 300 MB.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { printBenchTable } from './bench-support.ts';

const RUN_SECONDS = Number(process.env.BENCH_MEMORY_SECONDS ?? 90);
const BIN = fileURLToPath(new URL('../apps/server/bin/runecast.js', import.meta.url));

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

async function measure(args: string[], environment: NodeJS.ProcessEnv, seconds: number): Promise<number> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
  let peak = 0;
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline && child.exitCode === null) {
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 1000));
    if (child.pid !== undefined && child.exitCode === null)
      peak = Math.max(peak, await peakRssMb(child.pid).catch(() => 0));
  }
  if (child.exitCode !== null) throw new Error(`process exited early:\n${output.slice(-2000)}`);
  child.kill('SIGTERM');
  await exited;
  return peak;
}

export async function runMemoryBench(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'runecast-memory-'));
  try {
    const bare = await measure(['-e', 'setInterval(() => {}, 1000)'], {}, 3);
    const environment = {
      RUNECAST_HOME: home,
      RUNECAST_LOG_LEVEL: 'warn',
      RUNECAST_EMULATOR_SPEED: '60',
      RUNECAST_ADMIN_PASSWORD: 'bench-password-1234',
    };
    // The first start also creates the embedded database (initdb), a one-time peak.
    const firstStart = await measure([BIN, 'up', '--offline', '--port', '0'], environment, RUN_SECONDS);
    const restart = await measure([BIN, 'up', '--offline', '--port', '0'], environment, RUN_SECONDS);
    printBenchTable(
      `Memory: peak RSS of runecast up --offline tracking binance BTC/USDT and ETH/USDT live for ${RUN_SECONDS} s (emulator at 60x)`,
      ['process', 'peak RSS'],
      [
        [
          'runecast up, restarted on its data (all roles, PGlite, in-process bus)',
          `${restart.toFixed(0)} MB`,
        ],
        ['runecast up, first start (creates the embedded database)', `${firstStart.toFixed(0)} MB`],
        ['bare node process', `${bare.toFixed(0)} MB`],
      ],
    );
    process.stdout.write('target: runecast up under 300 MB\n');
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runMemoryBench();
