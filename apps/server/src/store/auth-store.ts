import { SqlApiKeyRepository, type ApiKeyRepository } from './api-key.repository.ts';
import { SqlAuditLogRepository, type AuditLogRepository } from './audit-log.repository.ts';
import { SqlLogRepository, type LogRepository } from './log.repository.ts';
import { SqlMarketTrackerRepository, type MarketTrackerRepository } from './market-tracker.repository.ts';
import { SqlSecretRepository, type SecretRepository } from './secret.repository.ts';
import type { Database } from './store.port.ts';
import { SqlUserRepository, type UserRepository } from './user.repository.ts';

/** Repositories of accounts, API keys, the audit log, logs and secrets, over one migrated database. */
export interface AuthStore {
  readonly users: UserRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly auditLog: AuditLogRepository;
  readonly logs: LogRepository;
  readonly secrets: SecretRepository;
  readonly marketTrackers: MarketTrackerRepository;
}

export function createAuthStore(db: Database): AuthStore {
  return {
    users: new SqlUserRepository(db),
    apiKeys: new SqlApiKeyRepository(db),
    auditLog: new SqlAuditLogRepository(db),
    logs: new SqlLogRepository(db),
    secrets: new SqlSecretRepository(db),
    marketTrackers: new SqlMarketTrackerRepository(db),
  };
}
