import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const STUCK = fileURLToPath(new URL('../../test/support/stuck-shutdown.ts', import.meta.url));

async function startStuck(timeoutMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', STUCK, String(timeoutMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  while (!output.includes('ready')) await once(child.stdout, 'data');
  return { child, output: () => output };
}

test('a process stuck in shutdown still exits on SIGTERM within the shutdown timeout', async () => {
  const { child, output } = await startStuck(1_000);
  const sentMs = Date.now();
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  const elapsedMs = Date.now() - sentMs;
  assert.equal(code, 1);
  assert.ok(elapsedMs >= 900 && elapsedMs < 5_000, `exited after ${elapsedMs} ms`);
  assert.match(output(), /did not stop within 1 s; exiting/);
});

test('a second SIGTERM exits at once, however long the timeout', async () => {
  const { child, output } = await startStuck(600_000);
  child.kill('SIGTERM');
  while (!output().includes('stopping')) await once(child.stdout!, 'data');
  const sentMs = Date.now();
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 1);
  assert.ok(Date.now() - sentMs < 5_000);
  assert.match(output(), /SIGTERM again; exiting now/);
});
