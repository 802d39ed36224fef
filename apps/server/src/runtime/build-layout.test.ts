import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  buildServer,
  distDir,
  ensureServerBuild,
  serverBuildIsCurrent,
} from '../../scripts/build-server.mjs';
import { MIGRATIONS_DIRECTORY } from '../store/migrate.ts';
import { bundleFile, runningFromBundle, serverFile, serverRoot } from './build-layout.ts';

describe('build layout', () => {
  test('from the sources, files read at run time are found under the server root', () => {
    assert.equal(runningFromBundle, false);
    assert.ok(existsSync(join(serverRoot, 'package.json')));
    assert.ok(existsSync(serverFile('src', 'store', 'pglite-initdb.mjs')));
    assert.ok(existsSync(new URL('0001_market_data.sql', MIGRATIONS_DIRECTORY)));
    assert.equal(bundleFile('compute-thread'), join(distDir, 'compute-thread.js'));
  });

  test('the bundles compile the workspace packages in and leave third-party packages outside', async () => {
    const cli = await ensureServerBuild();
    assert.equal(cli, bundleFile('runecast'));
    const code = await readFile(cli, 'utf8');
    // esbuild heads each compiled module with a comment naming its path from the repository root.
    assert.ok(!/^\/\/ (\.\.\/)*node_modules\//m.test(code), 'no third-party module is compiled in');
    assert.ok(code.includes('from "@electric-sql/pglite"'), 'third-party packages are imported');
    assert.ok(/^\/\/ packages\/contracts\/src\//m.test(code), 'the contracts package is compiled in');
    for (const name of ['compute-thread', 'gradient-worker', 'exchange-emulator']) {
      assert.ok(existsSync(bundleFile(name)), `${name} bundle exists`);
    }
    const bundle = (await import(pathToFileURL(cli).href)) as { runCli?: unknown };
    assert.equal(typeof bundle.runCli, 'function');
  });

  test('a source newer than the bundles makes them stale, and the next start rebuilds them', async () => {
    await ensureServerBuild();
    assert.equal(serverBuildIsCurrent(), true);
    const source = serverFile('src', 'runtime', 'build-layout.ts');
    const before = await stat(source);
    const touched = new Date(Date.now() + 60_000);
    await utimes(source, before.atime, touched);
    try {
      assert.equal(serverBuildIsCurrent(), false);
      await ensureServerBuild();
      assert.equal(serverBuildIsCurrent(), true);
    } finally {
      await utimes(source, before.atime, before.mtime);
      await buildServer();
    }
    assert.equal(serverBuildIsCurrent(), true);
  });
});
