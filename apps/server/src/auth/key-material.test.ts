import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveAuthKeys, SECRETS_KEY_FILE, TOKEN_KEY_FILE } from './auth-services.ts';
import { loadOrCreateKeyFile, parseKey32 } from './key-material.ts';

test('keys are generated into the home folder once, private to their owner, and read back', async () => {
  const home = await mkdtemp(join(tmpdir(), 'runecast-keys-'));
  try {
    const first = await resolveAuthKeys({ home, jwtSecret: null, secretsKey: null });
    assert.equal(first.tokenKey.length, 64);
    assert.equal(first.secretsKey.length, 32);
    assert.equal((await stat(join(home, TOKEN_KEY_FILE))).mode & 0o777, 0o600);
    assert.equal((await stat(join(home, SECRETS_KEY_FILE))).mode & 0o777, 0o600);
    const again = await resolveAuthKeys({ home, jwtSecret: null, secretsKey: null });
    assert.deepEqual(again, first);

    const together = await Promise.all([1, 2, 3].map(() => loadOrCreateKeyFile(join(home, 'race.key'), 32)));
    assert.ok(
      together.every((key) => key.equals(together[0]!)),
      'processes starting together agree on one key',
    );

    await writeFile(join(home, 'short.key'), 'abc');
    await assert.rejects(loadOrCreateKeyFile(join(home, 'short.key'), 32), /does not hold 32 bytes/);
    assert.ok((await readFile(join(home, TOKEN_KEY_FILE), 'utf8')).trim().length > 80);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test('configured keys win over generated ones and are checked', async () => {
  const keys = await resolveAuthKeys({
    home: '/nonexistent/never-written',
    jwtSecret: 'a'.repeat(40),
    secretsKey: 'ab'.repeat(32),
  });
  assert.equal(Buffer.from(keys.tokenKey).toString(), 'a'.repeat(40));
  assert.equal(keys.secretsKey.toString('hex'), 'ab'.repeat(32));
  assert.equal(parseKey32(Buffer.alloc(32, 7).toString('base64'), 'X').length, 32);
  assert.throws(
    () => parseKey32('too-short', 'RUNECAST_SECRETS_KEY'),
    /RUNECAST_SECRETS_KEY must be 32 bytes/,
  );
});
