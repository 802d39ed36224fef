import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm } from '@node-rs/argon2';

/** `Algorithm.Argon2id`; the package's enum is a const enum, which isolated modules cannot read. */
const ARGON2ID = 2 as Algorithm;

/** argon2id cost settings. */
export interface PasswordHashOptions {
  /** KiB of memory per hash. */
  memoryCost: number;
  /** Passes over the memory. */
  timeCost: number;
  parallelism: number;
}

/** OWASP's recommended argon2id settings (19 MiB, 2 passes, 1 lane). */
export const DEFAULT_PASSWORD_HASH_OPTIONS: PasswordHashOptions = {
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

/** Hashes and checks passwords with argon2id. */
export class PasswordHasher {
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly options: PasswordHashOptions = DEFAULT_PASSWORD_HASH_OPTIONS) {}

  hash(password: string): Promise<string> {
    return hash(password, { ...this.options, algorithm: ARGON2ID });
  }

  /** False for a wrong password and for a stored hash that is not a valid argon2 string. */
  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  /**
   * Spends as long as a real check, so a log-in for an unknown email cannot be told apart from
   * a wrong password by its timing.
   */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash(randomBytes(24).toString('base64url'));
    await this.verify(await this.dummyHash, password);
  }
}

/** A random password of 24 URL-safe characters (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
