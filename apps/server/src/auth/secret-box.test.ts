import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SecretBox, SecretUnsealError } from './secret-box.ts';

test('a sealed secret opens with its key and name, and only with them', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key);
  const sealed = box.seal('webhook https://example.com/hook?token=abc', 'discord.webhook');
  assert.doesNotMatch(sealed, /example\.com/);
  assert.match(sealed, /^v1\.[0-9a-f]{8}\./);
  assert.equal(
    new SecretBox(key).open(sealed, 'discord.webhook'),
    'webhook https://example.com/hook?token=abc',
  );
  assert.notEqual(box.seal('same', 'n'), box.seal('same', 'n'), 'a fresh IV every time');

  assert.throws(() => box.open(sealed, 'other.name'), SecretUnsealError);
  assert.throws(
    () => new SecretBox(randomBytes(32)).open(sealed, 'discord.webhook'),
    /sealed with another key/,
  );
  const parts = sealed.split('.');
  const ciphertext = Buffer.from(parts[4]!, 'base64url');
  ciphertext[0] = ciphertext[0]! ^ 1;
  parts[4] = ciphertext.toString('base64url');
  assert.throws(() => box.open(parts.join('.'), 'discord.webhook'), /altered/);
  assert.throws(() => box.open('plain text', 'discord.webhook'), /unknown format/);
  assert.throws(() => new SecretBox(randomBytes(16)), /32-byte key/);
});
