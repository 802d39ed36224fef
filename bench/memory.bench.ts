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

/** A process's resident memory now (VmRSS) and at its peak so far (VmHWM), from /proc. */
async function rssMb(pid: number): Promise<{ nowMb: number; peakMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const read = (field: string): number => {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  };
  return { nowMb: read('VmRSS'), peakMb: read('VmHWM') };
}

/** A child's peak, or 0 while it has none to read (a process that has just exited has no VmHWM). */
async function peakRssMb(pid: number): Promise<number> {
  const { peakMb } = await rssMb(pid);
  return Number.isFinite(peakMb) ? peakMb : 0;
}

/** Processes `pid` started (the offline emulator), read from /proc. */
async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text
    .split(/\s+/)
    .filter((part) => part !== '')
    .map(Number);
}

interface PeakRss {
  /** The runecast process itself. */
  ownMb: number;
  /** The runecast process at the end of the run, once started and settled. */
  ownEndMb: number;
  /** Its child processes, each at its own peak: the exchange emulator, and initdb on a first start without the build's empty database. */
  childrenMb: number;
}

async function measure(
  command: string,
  args: string[],
  environment: NodeJS.ProcessEnv,
  seconds: number,
): Promise<PeakRss> {
  const child = spawn(command, args, {
    env: { ...process.env, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
  let peak = 0;
  let last = 0;
  const childPeaks = new Map<number, number>();
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline && child.exitCode === null) {
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 1000));
    if (child.pid !== undefined && child.exitCode === null) {
      const own = await rssMb(child.pid).catch(() => ({ nowMb: 0, peakMb: 0 }));
      peak = Math.max(peak, own.peakMb);
      last = own.nowMb;
      for (const pid of await childPids(child.pid)) {
        childPeaks.set(pid, Math.max(childPeaks.get(pid) ?? 0, await peakRssMb(pid).catch(() => 0)));
      }
    }
  }
  if (child.exitCode !== null) throw new Error(`process exited early:\n${output.slice(-2000)}`);
  child.kill('SIGTERM');
  await exited;
  return {
    ownMb: peak,
    ownEndMb: last,
    childrenMb: [...childPeaks.values()].reduce((sum, value) => sum + value, 0),
  };
}

export async function runMemoryBench(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'runecast-memory-'));
  try {
    const bare = await measure(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {}, 3);
    const environment = {
      RUNECAST_HOME: home,
      RUNECAST_LOG_LEVEL: 'warn',
      RUNECAST_EMULATOR_SPEED: '60',
      RUNECAST_ADMIN_PASSWORD: 'bench-password-1234',
    };
    // Started as `npx runecast up` starts it: the command file itself, whose first line gives
    // Node.js its options. The first start also creates the embedded database: a copy of the
    // build's empty one, or initdb without it.
    const up = ['up', '--offline', '--port', '0'];
    const firstStart = await measure(BIN, up, environment, RUN_SECONDS);
    const restart = await measure(BIN, up, environment, RUN_SECONDS);
    const row = (label: string, peak: PeakRss): string[] => [
      label,
      `${peak.ownMb.toFixed(0)} MB`,
      `${peak.ownEndMb.toFixed(0)} MB`,
      `${peak.childrenMb.toFixed(0)} MB`,
      `${(peak.ownMb + peak.childrenMb).toFixed(0)} MB`,
    ];
    printBenchTable(
      `Memory: peak RSS of runecast up --offline tracking binance BTC/USDT and ETH/USDT live for ${RUN_SECONDS} s (emulator at 60x, in its own process as an exchange is)`,
      [
        'process',
        'runecast (peak)',
        'runecast (at the end)',
        'child processes (emulator; initdb on a first start without the database template)',
        'together (peaks)',
      ],
      [
        row('runecast up, restarted on its data (all roles, PGlite, in-process bus)', restart),
        row('runecast up, first start (creates the embedded database)', firstStart),
        [
          'bare node process',
          `${bare.ownMb.toFixed(0)} MB`,
          `${bare.ownEndMb.toFixed(0)} MB`,
          '',
          `${(bare.ownMb + bare.childrenMb).toFixed(0)} MB`,
        ],
      ],
    );
    process.stdout.write('target: runecast up under 300 MB (the emulator stands in for the exchange)\n');
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runMemoryBench();
