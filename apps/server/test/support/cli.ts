import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const RUNECAST_BIN = fileURLToPath(new URL('../../bin/runecast.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `runecast` binary in a child process. */
export function runRunecast(
  args: readonly string[],
  environment: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [RUNECAST_BIN, ...args], {
      env: { ...process.env, RUNECAST_LOG_LEVEL: 'warn', ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}
