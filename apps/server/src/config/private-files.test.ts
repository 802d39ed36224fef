import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createPgliteDataDir } from '../store/db.ts';
import { makeTreePrivate, securePrivateHome } from './private-files.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('private files under RUNECAST_HOME', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'runecast-private-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('a home open to others is made private at start, with a warning naming what was fixed', () => {
    const home = join(scratch, 'home');
    mkdirSync(join(home, 'pg', 'base', '1'), { recursive: true });
    writeFileSync(join(home, 'pg', 'PG_VERSION'), '17');
    writeFileSync(join(home, 'pg', 'base', '1', '1259'), 'rows');
    writeFileSync(join(home, 'secrets.key'), 'key');
    const outside = join(scratch, 'outside.txt');
    writeFileSync(outside, 'not ours to change');
    chmodSync(outside, 0o644);
    symlinkSync(outside, join(home, 'link-out'));
    for (const path of [home, join(home, 'pg'), join(home, 'pg', 'base'), join(home, 'pg', 'base', '1')])
      chmodSync(path, 0o777);
    for (const path of [join(home, 'pg', 'PG_VERSION'), join(home, 'pg', 'base', '1', '1259')])
      chmodSync(path, 0o666);
    chmodSync(join(home, 'secrets.key'), 0o600);

    const warnings: string[] = [];
    const fixed = securePrivateHome(home, (message) => warnings.push(message));
    assert.equal(fixed.length, 6);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^6 files and folders under .* are now private/);
    for (const folder of [home, join(home, 'pg'), join(home, 'pg', 'base'), join(home, 'pg', 'base', '1')])
      assert.equal(modeOf(folder), 0o700, folder);
    for (const file of [
      join(home, 'pg', 'PG_VERSION'),
      join(home, 'pg', 'base', '1', '1259'),
      join(home, 'secrets.key'),
    ])
      assert.equal(modeOf(file), 0o600, file);
    assert.equal(modeOf(outside), 0o644, 'a link out of the home is not followed');

    // Files created from now on by this process are private too.
    writeFileSync(join(home, 'pg', 'new-segment'), 'wal');
    assert.equal(modeOf(join(home, 'pg', 'new-segment')), 0o600);

    const again: string[] = [];
    assert.deepEqual(
      securePrivateHome(home, (message) => again.push(message)),
      [],
    );
    assert.deepEqual(again, [], 'a private home gives no warning');
  });

  test('a missing home is left for its first writer to create', () => {
    assert.deepEqual(
      securePrivateHome(join(scratch, 'not-yet'), () => assert.fail('no warning')),
      [],
    );
  });

  test("the embedded database copied from the build's template is private, whatever the template's modes", async () => {
    const template = { dir: join(scratch, 'template'), stamp: join(scratch, 'template.json') };
    mkdirSync(join(template.dir, 'global'), { recursive: true });
    writeFileSync(join(template.dir, 'PG_VERSION'), '17');
    writeFileSync(join(template.dir, 'global', 'pg_control'), 'control');
    chmodSync(join(template.dir, 'PG_VERSION'), 0o666);
    chmodSync(join(template.dir, 'global', 'pg_control'), 0o666);
    chmodSync(join(template.dir, 'global'), 0o777);
    const require = createRequire(import.meta.url);
    const { version } = JSON.parse(
      readFileSync(join(require.resolve('@electric-sql/pglite'), '..', '..', 'package.json'), 'utf8'),
    ) as { version: string };
    writeFileSync(template.stamp, JSON.stringify({ pgliteVersion: version }));

    const dataDir = join(scratch, 'copied-home', 'pg');
    assert.equal(await createPgliteDataDir(dataDir, template), 'template');
    assert.equal(modeOf(dataDir), 0o700);
    assert.equal(modeOf(join(dataDir, 'global')), 0o700);
    assert.equal(modeOf(join(dataDir, 'PG_VERSION')), 0o600);
    assert.equal(modeOf(join(dataDir, 'global', 'pg_control')), 0o600);
    assert.deepEqual(makeTreePrivate(join(scratch, 'copied-home')), []);
  });
});
