import { join } from 'node:path';
import type { AuthStore } from '../store/store.ts';
import { AccessTokenService } from './access-token.service.ts';
import { AccountService, type AccountPolicy } from './account.service.ts';
import { ApiKeyService } from './api-key.service.ts';
import { AuditService } from './audit.service.ts';
import { Authenticator, type SecurityEvent } from './authenticator.ts';
import type { LoginBurst } from './login-throttle.ts';
import { loadOrCreateKeyFile, parseKey32 } from './key-material.ts';
import { PasswordHasher, type PasswordHashOptions } from './password-hasher.ts';
import { SecretBox } from './secret-box.ts';
import { SecretService } from './secret.service.ts';

/** The keys the auth services need. */
export interface AuthKeys {
  /** HMAC key of access tokens. */
  tokenKey: Uint8Array;
  /** AES-256-GCM key of stored secrets. */
  secretsKey: Buffer;
}

/** File names of generated keys inside RUNECAST_HOME. */
export const TOKEN_KEY_FILE = 'jwt-signing.key';
export const SECRETS_KEY_FILE = 'secrets.key';

/**
 * Keys from the configuration, or generated into `home` on first start (and read back on
 * later starts, so tokens and secrets survive a restart).
 */
export async function resolveAuthKeys(settings: {
  home: string;
  jwtSecret: string | null;
  secretsKey: string | null;
}): Promise<AuthKeys> {
  const tokenKey =
    settings.jwtSecret !== null
      ? Buffer.from(settings.jwtSecret, 'utf8')
      : await loadOrCreateKeyFile(join(settings.home, TOKEN_KEY_FILE), 64);
  const secretsKey =
    settings.secretsKey !== null
      ? parseKey32(settings.secretsKey, 'RUNECAST_SECRETS_KEY')
      : await loadOrCreateKeyFile(join(settings.home, SECRETS_KEY_FILE), 32);
  return { tokenKey, secretsKey };
}

export interface AuthServices {
  accounts: AccountService;
  apiKeys: ApiKeyService;
  audit: AuditService;
  secrets: SecretService;
  authenticator: Authenticator;
  accessTokens: AccessTokenService;
  passwords: PasswordHasher;
}

export interface CreateAuthServicesOptions {
  authStore: AuthStore;
  keys: AuthKeys;
  accessTokenTtlSeconds: number;
  policy?: Partial<AccountPolicy>;
  passwordHashing?: PasswordHashOptions;
  /** How long per-request account state is trusted before asking the store again. */
  stateCacheTtlMs?: number;
  /** Told of each burst of failed log-ins. */
  onLoginBurst?: (burst: LoginBurst) => void;
  onSecurityEvent?: (event: SecurityEvent) => void;
  now?: () => number;
}

/** Wires users, sessions, API keys, the audit log and secrets over the auth store. */
export function createAuthServices(options: CreateAuthServicesOptions): AuthServices {
  const now = options.now ?? Date.now;
  const { authStore } = options;
  const passwords = new PasswordHasher(options.passwordHashing);
  const accessTokens = new AccessTokenService(options.keys.tokenKey, {
    ttlSeconds: options.accessTokenTtlSeconds,
    now,
  });
  const authenticator = new Authenticator({
    users: authStore.users,
    apiKeys: authStore.apiKeys,
    accessTokens,
    stateCacheTtlMs: options.stateCacheTtlMs,
    ...(options.onSecurityEvent ? { onSecurityEvent: options.onSecurityEvent } : {}),
    now,
  });
  const audit = new AuditService(authStore.auditLog, now);
  const apiKeys = new ApiKeyService(authStore.apiKeys, authenticator, authStore.users, now);
  return {
    passwords,
    accessTokens,
    authenticator,
    audit,
    accounts: new AccountService({
      users: authStore.users,
      passwords,
      accessTokens,
      authenticator,
      audit,
      apiKeys,
      policy: options.policy,
      onLoginBurst: options.onLoginBurst,
      now,
    }),
    apiKeys,
    secrets: new SecretService(authStore.secrets, new SecretBox(options.keys.secretsKey), now),
  };
}
