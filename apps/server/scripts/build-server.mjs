#!/usr/bin/env node
// Compiles the server, its worker threads and the exchange emulator from TypeScript into
// JavaScript bundles in apps/server/dist, which `runecast` runs. Loading the sources through the
// TypeScript loader at run time kept about 65 MB more resident memory in `runecast up` (233 MB
// against 168 MB after loading the CLI; measured with process.memoryUsage), in every worker
// thread again, and slowed every start.
//
// Third-party packages written in plain JavaScript are compiled in as well: Node.js pays for
// every module file it loads (its source, compiled code, module records and resolution caches),
// in every thread again, and some packages are hundreds of small files (zod, @stdlib, ajv,
// trading-signals). A worker thread importing @stdlib's Student t CDF grew by 9.8 MB from
// node_modules and by 1.2 MB from one bundled file. Packages that read their own files at run
// time (WebAssembly, native binaries, static assets, worker scripts) or that Runecast loads
// file by file (ccxt) stay in node_modules: KEEP_EXTERNAL. The build fails if a compiled-in
// package refers to its own location (__dirname, __filename), which a bundle would change.
//
// The build also makes an empty embedded database (`dist/pglite-template`, with the PGlite
// version that made it in `dist/pglite-template.json`), which a first start copies instead of
// creating one: PGlite's initdb peaks near 800 MB resident and takes about 4 s (see
// src/store/db.ts). It is made again only when PGlite's version changes.
//
// `ensureServerBuild()` rebuilds when a source file is newer than the last build, so a changed
// checkout never runs stale code. Builds are written to a private folder and renamed into place
// file by file, so processes starting at the same moment can each build without harm.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const serverRoot = fileURLToPath(new URL('..', import.meta.url));
const repositoryRoot = join(serverRoot, '..', '..');
export const distDir = join(serverRoot, 'dist');
const STAMP_FILE = join(distDir, 'build-stamp.json');

const WORKSPACES = [
  'apps/server',
  'apps/exchange-emulator',
  'packages/market',
  'packages/contracts',
  'packages/market-files',
];

/** Bundles and the source each starts from. */
const ENTRY_POINTS = {
  runecast: join(serverRoot, 'src/cli/main.ts'),
  'compute-thread': join(serverRoot, 'src/jobs/compute/compute.thread.ts'),
  'gradient-worker': join(serverRoot, 'src/models/deep/gradient.worker.ts'),
  'exchange-emulator': join(repositoryRoot, 'apps/exchange-emulator/src/main.ts'),
};

/**
 * Packages loaded from node_modules rather than compiled in, each for a reason of its own:
 * native binaries, WebAssembly or other files read beside their code, worker scripts started by
 * path, or loaded a file at a time by Runecast itself. Optional packages that are not installed
 * are listed too, so their guarded requires stay requires.
 */
const KEEP_EXTERNAL = [
  '@node-rs/argon2', // native binary
  'koffi', // native binary
  'esbuild', // native binary, build time only
  '@electric-sql/pglite', // WebAssembly and data files
  'libsvm-js', // WebAssembly file
  'arima', // WebAssembly file
  'wabt', // WebAssembly module
  '@tensorflow/tfjs', // WebAssembly backend files
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  'ccxt', // loaded one exchange file at a time (sources/ccxt/ccxt-library.ts)
  'pino', // starts transports and destinations as worker scripts by path
  'thread-stream',
  '@fastify/swagger-ui', // serves its static files from its own folder
  '@fastify/static',
  '@fastify/swagger', // reads its own package.json
  'commander', // finds executable subcommands beside itself
  'ioredis', // refers to its own folder
  '@discordjs/ws', // starts its worker sharding strategy from a script beside itself
  'zlib-sync', // optional native inflate of @discordjs/ws
  'pg-native', // optional native driver of pg
  'bufferutil', // optional native helpers of ws
  'utf-8-validate',
];

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

/**
 * Writes characters esbuild leaves as they are (inside regular expression literals) as \\u
 * escapes, which mean the same there and in strings and names, so the whole bundle is ASCII:
 * V8 stores a source with any other character at two bytes per character.
 */
function escapeNonAscii(file) {
  const text = readFileSync(file, 'utf8');
  if (!/[\u0080-\uffff]/.test(text)) return;
  // Without the u flag the pattern matches UTF-16 code units, so a pair becomes two escapes.
  const escaped = text.replace(
    /[\u0080-\uffff]/g,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  writeFileSync(file, escaped);
}

/** Fails the build when a compiled-in package file refers to its own location. */
const refuseOwnLocation = {
  name: 'refuse-own-location',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(text)) return undefined;
      return {
        errors: [
          {
            text: `${args.path} refers to its own location (__dirname or __filename); add its package to KEEP_EXTERNAL`,
          },
        ],
      };
    });
  },
};

/** Compiles every bundle into dist/. */
export async function buildServer() {
  const { build } = await import('esbuild');
  const state = sourceState();
  const external = new Set(KEEP_EXTERNAL);
  for (const workspace of WORKSPACES) {
    // Development tools never reach the bundles; if one did, it would load from node_modules.
    for (const name of Object.keys(readPackage(workspace).devDependencies ?? {})) external.add(name);
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
      // CommonJS packages compiled into an ES module still call require() for Node's modules.
      banner: {
        js: "import { createRequire as __runecastCreateRequire } from 'node:module'; const require = __runecastCreateRequire(import.meta.url);",
      },
      plugins: [refuseOwnLocation],
      // Without comments and indentation the code is about half the size, and with no comment
      // left in other scripts (– or µ), V8 keeps each source as one byte per character.
      minifyWhitespace: true,
      charset: 'ascii',
      legalComments: 'linked',
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'error',
    });
    for (const name of readdirSync(scratch)) {
      if (name.endsWith('.js')) escapeNonAscii(join(scratch, name));
      renameSync(join(scratch, name), join(distDir, name));
    }
    const stampScratch = join(scratch, 'build-stamp.json');
    writeFileSync(stampScratch, JSON.stringify(state));
    renameSync(stampScratch, STAMP_FILE);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const TEMPLATE_DIR = join(distDir, 'pglite-template');
const TEMPLATE_STAMP = join(distDir, 'pglite-template.json');

/** The installed PGlite's version. */
function pgliteVersion() {
  const require = createRequire(import.meta.url);
  let folder = dirname(require.resolve('@electric-sql/pglite'));
  while (!statSync(join(folder, 'package.json'), { throwIfNoEntry: false })) folder = dirname(folder);
  return JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).version;
}

/** True when the empty database template exists and the installed PGlite made it. */
export function pgliteTemplateIsCurrent() {
  try {
    const stamp = JSON.parse(readFileSync(TEMPLATE_STAMP, 'utf8'));
    return stamp.pgliteVersion === pgliteVersion() && statSync(join(TEMPLATE_DIR, 'PG_VERSION')).isFile();
  } catch {
    return false;
  }
}

/** Makes the empty database template with PGlite's initdb, in a child process (its peak ends with it). */
export function buildPgliteTemplate() {
  const version = pgliteVersion();
  const scratch = join(distDir, `.template-${process.pid}-${randomUUID()}`);
  mkdirSync(scratch, { recursive: true });
  try {
    const initdb = join(serverRoot, 'src', 'store', 'pglite-initdb.mjs');
    const result = spawnSync(process.execPath, [initdb, join(scratch, 'pglite-template')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      throw new Error(
        `could not make the empty database template: ${(result.stderr ?? '').trim().slice(-1000)}`,
      );
    }
    writeFileSync(join(scratch, 'pglite-template.json'), JSON.stringify({ pgliteVersion: version }));
    // Stamp first, so a half-replaced template is never taken for a current one.
    rmSync(TEMPLATE_STAMP, { force: true });
    rmSync(TEMPLATE_DIR, { recursive: true, force: true });
    try {
      renameSync(join(scratch, 'pglite-template'), TEMPLATE_DIR);
    } catch (error) {
      // Another build, started at the same moment, put its template in place first.
      if (pgliteTemplateIsCurrent()) return;
      throw error;
    }
    renameSync(join(scratch, 'pglite-template.json'), TEMPLATE_STAMP);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Builds when the bundles are missing or older than the sources, and makes the empty database
 * template when it is missing or from another PGlite version; returns the CLI bundle's path.
 */
export async function ensureServerBuild() {
  if (!serverBuildIsCurrent()) await buildServer();
  if (!pgliteTemplateIsCurrent()) buildPgliteTemplate();
  return join(distDir, 'runecast.js');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildServer();
  if (!pgliteTemplateIsCurrent()) buildPgliteTemplate();
}
