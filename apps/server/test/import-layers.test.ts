import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const depcruise = join(repositoryRoot, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const config = join(repositoryRoot, '.dependency-cruiser.cjs');

/** Runs the import check of `npm run lint` on a tree of its own. */
function checkImports(root: string): { code: number | null; output: string } {
  const result = spawnSync(process.execPath, [depcruise, '--config', config, 'apps/server/src', 'packages'], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the import check of npm run lint', () => {
  let root: string;
  const write = async (path: string, text: string) => {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'runecast-layers-'));
    await write('packages/market/src/index.ts', 'export const minuteMs = 60_000;\n');
    await write(
      'apps/server/src/http/app.ts',
      "import { pingStore } from '../store/store.ts';\nexport const app = pingStore;\n",
    );
    await write('apps/server/src/store/store.ts', 'export const pingStore = () => 1;\n');
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('passes imports that point down the layers', () => {
    const result = checkImports(root);
    assert.equal(result.code, 0, result.output);
  });

  test('fails on an upward import, naming the rule and the files', async () => {
    await write(
      'apps/server/src/store/store.ts',
      "import { app } from '../http/app.ts';\nexport const pingStore = () => app;\n",
    );
    const result = checkImports(root);
    assert.notEqual(result.code, 0);
    assert.match(
      result.output,
      /upward-import-from-store-bus-cache-sources: apps\/server\/src\/store\/store\.ts → apps\/server\/src\/http\/app\.ts/,
    );
    assert.match(result.output, /no-cycles/, 'the two files now import each other');
  });

  test('fails on a folder that belongs to no layer, and on the vocabulary importing an app', async () => {
    await write('apps/server/src/store/store.ts', 'export const pingStore = () => 1;\n');
    await write(
      'apps/server/src/gadgets/gadget.ts',
      "import { pingStore } from '../store/store.ts';\nexport const g = pingStore;\n",
    );
    await write(
      'packages/market/src/index.ts',
      "import { app } from '../../../apps/server/src/http/app.ts';\nexport const a = app;\n",
    );
    const result = checkImports(root);
    assert.notEqual(result.code, 0);
    assert.match(result.output, /server-room-unknown: apps\/server\/src\/gadgets\/gadget\.ts/);
    assert.match(result.output, /market-vocabulary-stands-alone: packages\/market\/src\/index\.ts/);
  });

  test('fails when a room outside store/ takes the database handle', async () => {
    await write('packages/market/src/index.ts', 'export const minuteMs = 60_000;\n');
    await rm(join(root, 'apps/server/src/gadgets'), { recursive: true, force: true });
    await write('apps/server/src/store/database.port.ts', 'export interface Database { query(): void }\n');
    await write(
      'apps/server/src/http/app.ts',
      "import type { Database } from '../store/database.port.ts';\nexport const app = (db: Database) => db;\n",
    );
    const result = checkImports(root);
    assert.notEqual(result.code, 0);
    assert.match(
      result.output,
      /database-stays-in-store: apps\/server\/src\/http\/app\.ts → apps\/server\/src\/store\/database\.port\.ts/,
    );
  });
});
