import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { SERVER_HEAP_FLAGS } from './heap-settings.ts';

/** Fails unless every `--name=value` flag is a V8 option of this Node.js (an unknown one is ignored without a word). */
function assertKnownV8Flags(flags: readonly string[]): void {
  const known = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
  for (const flag of flags) {
    const name = flag.replace(/=.*$/, '');
    assert.ok(new RegExp(`^\\s+${name}\\b`, 'm').test(known), `${name} is a V8 option of this Node.js`);
  }
}

describe('server heap settings', () => {
  test('every flag is one this Node.js knows (an unknown V8 flag would be ignored without a word)', () => {
    assertKnownV8Flags(SERVER_HEAP_FLAGS);
  });

  test('the runecast command starts Node.js with a small young generation, and runs when executed itself', () => {
    const bin = fileURLToPath(new URL('../../bin/runecast.js', import.meta.url));
    const firstLine = readFileSync(bin, 'utf8').split('\n')[0]!;
    const match = /^#!\/usr\/bin\/env -S node( --[a-z-]+=\S+)+$/.exec(firstLine);
    assert.ok(match, `first line "${firstLine}" starts node with options`);
    const options = firstLine.split(' ').slice(3);
    assert.ok(options.includes('--max-semi-space-size=2'));
    assertKnownV8Flags(options);
    // Executed the way npm's bin link runs it: the system's env reads the first line.
    assert.match(execFileSync(bin, ['--version'], { encoding: 'utf8' }), /^\d+\.\d+\.\d+/);
  });

  test('flags the user gave on the command line or in NODE_OPTIONS are left as given', () => {
    const script = `
      import { applyServerHeapSettings } from ${JSON.stringify(new URL('./heap-settings.ts', import.meta.url).href)};
      process.stdout.write(JSON.stringify(applyServerHeapSettings()));
    `;
    const run = (args: string[], nodeOptions: string): string[] =>
      JSON.parse(
        execFileSync(process.execPath, [...args, '--import', 'tsx', '--input-type=module', '-e', script], {
          encoding: 'utf8',
          env: { ...process.env, NODE_OPTIONS: nodeOptions },
        }),
      ) as string[];
    assert.deepEqual(run([], ''), [...SERVER_HEAP_FLAGS]);
    assert.deepEqual(run(['--heap-growing-percent=50'], ''), [
      '--max-semi-space-size=4',
      '--semi-space-growth-factor=1',
      '--wasm-num-compilation-tasks=1',
    ]);
    // Sizing the young generation also keeps it free to grow to that size.
    assert.deepEqual(run([], '--max_semi_space_size=8'), [
      '--heap-growing-percent=10',
      '--wasm-num-compilation-tasks=1',
    ]);
    assert.deepEqual(run(['--wasm-num-compilation-tasks=4'], ''), SERVER_HEAP_FLAGS.slice(0, 3));
  });

  test('a process with them applied still runs and collects garbage', () => {
    const script = `
      const v8 = require('node:v8');
      for (const flag of ${JSON.stringify(SERVER_HEAP_FLAGS)}) v8.setFlagsFromString(flag);
      let kept = 0;
      for (let round = 0; round < 200; round++) kept += new Array(100000).fill(round).length;
      process.stdout.write(String(kept));
    `;
    assert.equal(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }), String(200 * 100000));
  });
});
