#!/usr/bin/env node
// Runs every *.test.ts / *.test.tsx in the workspaces with Node's test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [path-filter ...]
import { spawnSync } from 'node:child_process';
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
/** The chaos run takes minutes of mostly waiting: it starts first, and other files run beside it. */
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
  .sort()
  // The longest files start first, so the others run beside them instead of after them.
  .sort((left, right) => Number(LONG_RUNNING.test(right)) - Number(LONG_RUNNING.test(left)));

if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-concurrency=2',
    '--test-timeout=300000',
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
