import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generatePassword, PasswordHasher } from './password-hasher.ts';

test('passwords are hashed with argon2id and checked', async () => {
  const hasher = new PasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
  const hash = await hasher.hash('correct horse battery staple');
  assert.match(hash, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
  assert.equal(await hasher.verify(hash, 'correct horse battery staple'), true);
  assert.equal(await hasher.verify(hash, 'Correct horse battery staple'), false);
  assert.equal(await hasher.verify('not a hash', 'anything'), false);
  await hasher.verifyDummy('anything');
  const defaults = await new PasswordHasher().hash('x'.repeat(12));
  assert.match(defaults, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  const generated = new Set(Array.from({ length: 20 }, generatePassword));
  assert.equal(generated.size, 20);
  for (const password of generated) assert.match(password, /^[A-Za-z0-9_-]{24}$/);
});
