#!/usr/bin/env node
// Runs every *.test.ts / *.test.tsx in the workspaces with Node's test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [path-filter ...]
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = ['apps', 'packages', 'bench', 'deploy', 'scripts'];
const skip = new Set(['node_modules', 'dist', '.runecast', 'test-artifacts']);

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (/\.test\.tsx?$/.test(name)) out.push(relative(root, path));
  }
  return out;
}

const filters = process.argv.slice(2);
/**
 * The chaos run takes minutes of mostly waiting, so it runs in a test process of its own beside
 * the others (Node's runner sorts the files it is given, so order alone cannot start it first).
 */
const LONG_RUNNING = /chaos/;
const files = roots
  .flatMap((name) => {
    try {
      return collect(join(root, name), []);
    } catch {
      return [];
    }
  })
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const testArguments = [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  // Three files at a time on two cores: most files spend their time waiting on servers they start
  // (runecast up, Chromium, private PostgreSQL/NATS/Redis), and the suite also passed with the
  // machine several times over-committed.
  '--test-concurrency=3',
  '--test-timeout=300000',
];
const environment = { ...process.env, NODE_ENV: 'test' };

/** Runs files in one test process; its output goes straight through, or is kept to print after. */
function runFiles(group, keepOutput) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...testArguments, ...group], {
      cwd: root,
      stdio: keepOutput ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      env: environment,
    });
    const output = [];
    if (keepOutput) {
      child.stdout.on('data', (chunk) => output.push(chunk));
      child.stderr.on('data', (chunk) => output.push(chunk));
    }
    child.once('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

const long = files.filter((file) => LONG_RUNNING.test(file));
const rest = files.filter((file) => !LONG_RUNNING.test(file));
const [main, beside] = await Promise.all([
  rest.length > 0 ? runFiles(rest, false) : null,
  long.length > 0 ? runFiles(long, rest.length > 0) : null,
]);
if (beside !== null && beside.output.length > 0) {
  process.stdout.write(`\n── run beside the others: ${long.join(', ')}\n`);
  process.stdout.write(Buffer.concat(beside.output));
}
const failed = [main, beside].some((result) => result !== null && result.code !== 0);
if (beside !== null && main !== null) {
  const state = (result) => (result.code === 0 ? 'passed' : 'FAILED');
  process.stdout.write(
    `\n── ${rest.length} files ${state(main)}; ${long.length} beside them ${state(beside)}\n`,
  );
}
process.exit(failed ? 1 : 0);
