import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { RunecastError } from '@runecast/market';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value could not be opened: wrong key, or tampered with. */
export class SecretUnsealError extends RunecastError {
  constructor(message: string) {
    super('secret_unreadable', message);
  }
}

/**
 * AES-256-GCM sealing of small secrets. A sealed value is
 * `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts); the key id (a hash prefix of the key)
 * tells a wrong key apart from tampering. `context` (e.g. the secret's name) is bound in as
 * associated data, so a sealed value moved to another name does not open.
 */
export class SecretBox {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new RangeError('AES-256-GCM needs a 32-byte key');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      this.keyId,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION)
      throw new SecretUnsealError('sealed value has an unknown format');
    const [, keyId, ivText, tagText, ciphertextText] = parts as [string, string, string, string, string];
    if (keyId !== this.keyId) {
      throw new SecretUnsealError(`sealed with another key (${keyId}); this server has key ${this.keyId}`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(ivText, 'base64url'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tagText, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertextText, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretUnsealError('sealed value does not open: it was altered or belongs to another name');
    }
  }
}
