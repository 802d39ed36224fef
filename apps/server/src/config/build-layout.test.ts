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
  pgliteTemplateIsCurrent,
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

  test('the bundles compile the workspace and plain JavaScript packages in, and import those that read their own files', async () => {
    const cli = await ensureServerBuild();
    assert.equal(cli, bundleFile('runecast'));
    const code = await readFile(cli, 'utf8');
    assert.ok(/from ?"@electric-sql\/pglite"/.test(code), 'PGlite is imported from node_modules');
    assert.ok(!/from ?"zod"/.test(code), 'zod is compiled in');
    assert.ok(!/from ?"@runecast\//.test(code), 'the workspace packages are compiled in');
    for (const name of ['runecast', 'compute-thread', 'gradient-worker', 'exchange-emulator']) {
      const text = await readFile(bundleFile(name), 'utf8');
      // V8 keeps a source with any other character at two bytes per character.
      assert.ok(!/[\u0080-\uffff]/.test(text), `${name} bundle is ASCII only`);
    }
    assert.equal(pgliteTemplateIsCurrent(), true, 'the empty database template is made with the bundles');
    const bundle = (await import(pathToFileURL(cli).href)) as { runCli?: unknown };
    assert.equal(typeof bundle.runCli, 'function');
  });

  test('a source newer than the bundles makes them stale, and the next start rebuilds them', async () => {
    await ensureServerBuild();
    assert.equal(serverBuildIsCurrent(), true);
    const source = serverFile('src', 'config', 'build-layout.ts');
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
