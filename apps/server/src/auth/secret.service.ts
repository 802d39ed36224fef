import { NotFoundError } from '@runecast/market';
import type { SecretRepository } from '../store/secret.repository.ts';
import type { SecretBox } from './secret-box.ts';

/**
 * Secrets Runecast keeps (exchange API keys, bot tokens, webhook URLs), sealed with AES-256-GCM
 * before they reach the store. Plain values go only to code that needs them (`reveal`), never
 * to an API answer.
 */
export class SecretService {
  constructor(
    private readonly repository: SecretRepository,
    private readonly box: SecretBox,
    private readonly now: () => number = Date.now,
  ) {}

  async put(name: string, value: string): Promise<void> {
    await this.repository.putSecret(name, this.box.seal(value, name), this.now());
  }

  /** The plain value, or null when no secret has this name. */
  async reveal(name: string): Promise<string | null> {
    const record = await this.repository.getSecret(name);
    return record === null ? null : this.box.open(record.sealed, name);
  }

  list(): Promise<{ name: string; createdAtMs: number; updatedAtMs: number }[]> {
    return this.repository.listSecrets();
  }

  async delete(name: string): Promise<void> {
    if (!(await this.repository.deleteSecret(name))) throw new NotFoundError(`no secret named ${name}`);
  }
}
