#!/usr/bin/env node
// Compiles the server, its worker threads and the exchange emulator from TypeScript into
// JavaScript bundles in apps/server/dist, which `runecast` runs. Loading the sources through the
// TypeScript loader at run time kept about 65 MB more resident memory in `runecast up` (233 MB
// against 168 MB after loading the CLI; measured with process.memoryUsage), in every worker
// thread again, and slowed every start. Third-party packages stay outside the bundles and load
// from node_modules as usual; only the workspace packages (@runecast/*) are compiled in.
//
// `ensureServerBuild()` rebuilds when a source file is newer than the last build, so a changed
// checkout never runs stale code. Builds are written to a private folder and renamed into place
// file by file, so processes starting at the same moment can each build without harm.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const serverRoot = fileURLToPath(new URL('..', import.meta.url));
const repositoryRoot = join(serverRoot, '..', '..');
export const distDir = join(serverRoot, 'dist');
const STAMP_FILE = join(distDir, 'build-stamp.json');

const WORKSPACES = ['apps/server', 'apps/exchange-emulator', 'packages/contracts', 'packages/market-files'];

/** Bundles and the source each starts from. */
const ENTRY_POINTS = {
  runecast: join(serverRoot, 'src/cli/main.ts'),
  'compute-thread': join(serverRoot, 'src/jobs/compute/compute.thread.ts'),
  'gradient-worker': join(serverRoot, 'src/models/deep/gradient.worker.ts'),
  'exchange-emulator': join(repositoryRoot, 'apps/exchange-emulator/src/main.ts'),
};

function readPackage(workspace) {
  return JSON.parse(readFileSync(join(repositoryRoot, workspace, 'package.json'), 'utf8'));
}

/** Newest modification time and count of the files a build is made from. */
function sourceState() {
  let newestMs = 0;
  let files = 0;
  const visit = (path) => {
    const stats = statSync(path);
    if (stats.isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name));
      return;
    }
    files += 1;
    newestMs = Math.max(newestMs, stats.mtimeMs);
  };
  for (const workspace of WORKSPACES) {
    visit(join(repositoryRoot, workspace, 'src'));
    visit(join(repositoryRoot, workspace, 'package.json'));
  }
  visit(fileURLToPath(import.meta.url));
  return { newestMs, files };
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(STAMP_FILE, 'utf8'));
  } catch {
    return null;
  }
}

/** True when the bundles exist and no source changed since they were built. */
export function serverBuildIsCurrent() {
  const stamp = readStamp();
  if (stamp === null) return false;
  const state = sourceState();
  return (
    stamp.newestMs === state.newestMs &&
    stamp.files === state.files &&
    Object.keys(ENTRY_POINTS).every((name) => {
      try {
        return statSync(join(distDir, `${name}.js`)).isFile();
      } catch {
        return false;
      }
    })
  );
}

/** Compiles every bundle into dist/. */
export async function buildServer() {
  const { build } = await import('esbuild');
  const state = sourceState();
  const external = new Set();
  for (const workspace of WORKSPACES) {
    const manifest = readPackage(workspace);
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {
      if (!name.startsWith('@runecast/')) external.add(name);
    }
  }
  const scratch = join(distDir, `.build-${process.pid}-${randomUUID()}`);
  mkdirSync(scratch, { recursive: true });
  try {
    await build({
      entryPoints: ENTRY_POINTS,
      outdir: scratch,
      absWorkingDir: repositoryRoot,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: [...external].flatMap((name) => [name, `${name}/*`]),
      // Error and class names are part of messages and checks; keep them as written.
      keepNames: true,
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'error',
    });
    for (const name of readdirSync(scratch)) renameSync(join(scratch, name), join(distDir, name));
    const stampScratch = join(scratch, 'build-stamp.json');
    writeFileSync(stampScratch, JSON.stringify(state));
    renameSync(stampScratch, STAMP_FILE);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Builds when the bundles are missing or older than the sources; returns the CLI bundle's path. */
export async function ensureServerBuild() {
  if (!serverBuildIsCurrent()) await buildServer();
  return join(distDir, 'runecast.js');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildServer();
}
