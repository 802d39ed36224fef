import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ValidationError } from '@runecast/market';

/**
 * Reads a key file, or creates it with `byteLength` random bytes when it does not exist yet.
 * The file holds base64url text, readable by its owner only. Two processes starting together
 * agree on one key: the loser of the exclusive create reads the winner's file.
 */
export async function loadOrCreateKeyFile(path: string, byteLength: number): Promise<Buffer> {
  try {
    return decodeKeyFile(await readFile(path, 'utf8'), path, byteLength);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(byteLength);
  try {
    await writeFile(path, `${key.toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return decodeKeyFile(await readFile(path, 'utf8'), path, byteLength);
  }
}

function decodeKeyFile(text: string, path: string, byteLength: number): Buffer {
  const key = Buffer.from(text.trim(), 'base64url');
  if (key.length !== byteLength) {
    throw new ValidationError(`key file ${path} does not hold ${byteLength} bytes of base64url text`);
  }
  return key;
}

/**
 * A 32-byte key given as 64 hex characters or as base64 / base64url (43 or 44 characters).
 * `variable` names the setting in the error.
 */
export function parseKey32(text: string, variable: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed.replace(/\+/g, '-').replace(/\//g, '_').replace(/=$/, ''), 'base64url');
    if (key.length === 32) return key;
  }
  throw new ValidationError(`${variable} must be 32 bytes as 64 hex characters or base64`);
}
