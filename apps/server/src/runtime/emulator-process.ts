import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../observability/logger.ts';
import { bundleFile, runningFromBundle } from '../config/build-layout.ts';

/** The compiled emulator, or its TypeScript entry through tsx when running from the sources. */
function emulatorCommand(): string[] {
  if (runningFromBundle) return [bundleFile('exchange-emulator')];
  const main = fileURLToPath(
    import.meta.resolve('@runecast/exchange-emulator').replace(/index\.ts$/, 'main.ts'),
  );
  return ['--import', import.meta.resolve('tsx'), main];
}
/** Loading and indexing a large replay folder takes a while on a busy machine. */
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 5_000;

export interface EmulatorProcessOptions {
  speed?: number;
  /** Real kline files to replay; absent: a simulated market. */
  replayDir?: string;
  /** More `runecast emulator` options, e.g. `['--paused', '--seed', '7']`. */
  extraArgs?: readonly string[];
  /** Receives what the emulator says on stderr once started; absent, it is dropped. */
  logger?: Logger;
}

export interface EmulatorProcess {
  url: string;
  pid: number;
  close(): Promise<void>;
}

/**
 * Starts the exchange emulator as its own process, as an exchange would be: its replay data
 * and its work stay out of Runecast's memory and event loop (in one process, replaying the
 * bundled data took `runecast up` from about 400 MB to 850 MB resident). It stops with us,
 * even when we are killed, because it exits when its standard input closes.
 */
export async function startEmulatorProcess(options: EmulatorProcessOptions): Promise<EmulatorProcess> {
  const args = [
    ...emulatorCommand(),
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    ...(options.speed === undefined ? [] : ['--speed', String(options.speed)]),
    '--exit-with-stdin',
    ...(options.replayDir === undefined ? ['--simulated'] : ['--replay-dir', options.replayDir]),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `the exchange emulator did not start within ${START_TIMEOUT_MS / 1000} s: ${output.slice(-500)}`,
        ),
      );
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /emulator on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `the exchange emulator exited (${signal ?? code}) before it started: ${output.slice(-500)}`,
        ),
      );
    });
  });
  // From here on its output is diagnostics only.
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => {
    const line = chunk.toString().trim();
    if (line !== '') options.logger?.warn({ emulator: line.slice(0, 2000) }, 'exchange emulator says');
  });
  let stopping = false;
  child.removeAllListeners('exit');
  child.once('exit', (code, signal) => {
    if (!stopping) options.logger?.error({ code, signal }, 'the exchange emulator process ended');
  });
  return {
    url,
    pid: child.pid!,
    close: () => {
      stopping = true;
      return stopChild(child);
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
