import { type LeaseRepository, SqlLeaseRepository } from './lease.repository.ts';
import { SqlUserPreferenceRepository, type UserPreferenceRepository } from './user-preference.repository.ts';
import { type AlertRepository, SqlAlertRepository } from './alert.repository.ts';
import type { ApiKeyRepository } from './api-key.repository.ts';
import { SqlApiKeyRepository } from './api-key.repository.ts';
import type { AuditLogRepository } from './audit-log.repository.ts';
import { SqlAuditLogRepository } from './audit-log.repository.ts';
import { SqlCandleRepository } from './candle.repository.ts';
import { SqlCoverageRepository } from './coverage.repository.ts';
import { openDatabase, type OpenDatabaseOptions } from './db.ts';
import type { ForecastRepository } from './forecast.port.ts';
import { SqlForecastRepository } from './forecast.repository.ts';
import type { JobRepository } from './job.port.ts';
import { SqlJobRepository } from './job.repository.ts';
import { type LeaderLockName, takeLeaderLock } from './leader-lock.ts';
import type { LogRepository } from './log.repository.ts';
import { SqlLogRepository } from './log.repository.ts';
import { SqlMarketRepository } from './market.repository.ts';
import { SqlInstrumentRepository } from './instrument.repository.ts';
import { SqlMetricPointRepository } from './metric-point.repository.ts';
import { SqlTextItemRepository } from './text-item.repository.ts';
import type { MarketTrackerRepository } from './market-tracker.repository.ts';
import { SqlMarketTrackerRepository } from './market-tracker.repository.ts';
import { runMigrations } from './migrate.ts';
import type { ModelRepository } from './model.port.ts';
import { SqlModelRepository } from './model.repository.ts';
import type { SecretRepository } from './secret.repository.ts';
import { SqlSecretRepository } from './secret.repository.ts';
import type { Database, DatabaseEngine } from './database.port.ts';
import type {
  CandleRepository,
  CoverageRepository,
  InstrumentRepository,
  MarketRepository,
  MetricPointRepository,
  TextItemRepository,
  TopOfBookRepository,
  TradeRepository,
} from './store.port.ts';
import { SqlTopOfBookRepository } from './top-of-book.repository.ts';
import { SqlTradeRepository } from './trade.repository.ts';
import type { UserRepository } from './user.repository.ts';
import { SqlUserRepository } from './user.repository.ts';

/**
 * Every repository over one database, each behind its port. Services receive this (or a part of
 * it), never SQL and never the database handle, which stays inside `store/`.
 */
export interface Store {
  /** Which engine holds the data (for health and start-up messages). */
  readonly engine: DatabaseEngine;
  readonly candles: CandleRepository;
  readonly markets: MarketRepository;
  readonly trades: TradeRepository;
  readonly topOfBook: TopOfBookRepository;
  readonly coverage: CoverageRepository;
  /** Instrument stats from snapshot sources, at poll resolution. */
  readonly metricPoints: MetricPointRepository;
  /** Text items from text sources. */
  readonly textItems: TextItemRepository;
  /** The newest state of each instrument snapshot sources poll. */
  readonly instruments: InstrumentRepository;
  /** The model registry's versions, promotions and tuning trials. */
  readonly models: ModelRepository;
  /** The durable job queue. */
  readonly jobs: JobRepository;
  /** The forecast ledger. */
  readonly forecasts: ForecastRepository;
  readonly users: UserRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly auditLog: AuditLogRepository;
  readonly logs: LogRepository;
  readonly secrets: SecretRepository;
  readonly marketTrackers: MarketTrackerRepository;
  /** Alert channels, rules, firings and their deliveries. */
  readonly alerts: AlertRepository;
  /** Each user's saved workspace. */
  readonly preferences: UserPreferenceRepository;
  /** Who owns which piece of shared work (for example a market's ingestion), until when. */
  readonly leases: LeaseRepository;
  /** Runs `work` in one transaction, on a store bound to that transaction's connection. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
  /**
   * Inside `transaction`: takes the named leader lock until the transaction ends; true when this
   * process leads (always on the embedded store, where one process holds the only connection).
   */
  leaderLock(name: LeaderLockName): Promise<boolean>;
  /** Answers when the database does; throws with the reason when it does not. */
  ping(): Promise<{ state: 'ok'; reason: null }>;
  /**
   * PostgreSQL: the server's data directory as the server names it, when this user may read
   * the setting; null otherwise and on the embedded store (whose folder the caller knows).
   */
  dataDirectory(): Promise<string | null>;
  /** Closes the database (rejects on a store bound to a transaction). */
  close(): Promise<void>;
}

/** The part of the store accounts, keys, the audit log, logs and secrets live in. */
export type AuthStore = Pick<Store, 'users' | 'apiKeys' | 'auditLog' | 'logs' | 'secrets' | 'marketTrackers'>;

/** The part of the store the model registry, the job queue and the forecast ledger live in. */
export type ForecastingStore = Pick<Store, 'models' | 'jobs' | 'forecasts'>;

/** Wires the repositories over an open, migrated database; `close()` closes that database. */
export function createStore(db: Database): Store {
  return {
    engine: db.engine,
    candles: new SqlCandleRepository(db),
    markets: new SqlMarketRepository(db),
    trades: new SqlTradeRepository(db),
    topOfBook: new SqlTopOfBookRepository(db),
    coverage: new SqlCoverageRepository(db),
    metricPoints: new SqlMetricPointRepository(db),
    textItems: new SqlTextItemRepository(db),
    instruments: new SqlInstrumentRepository(db),
    models: new SqlModelRepository(db),
    jobs: new SqlJobRepository(db),
    forecasts: new SqlForecastRepository(db),
    users: new SqlUserRepository(db),
    apiKeys: new SqlApiKeyRepository(db),
    auditLog: new SqlAuditLogRepository(db),
    logs: new SqlLogRepository(db),
    secrets: new SqlSecretRepository(db),
    marketTrackers: new SqlMarketTrackerRepository(db),
    alerts: new SqlAlertRepository(db),
    preferences: new SqlUserPreferenceRepository(db),
    // Renewals must not queue behind ingestion's writes for a pooled connection, or leases lapse.
    leases: new SqlLeaseRepository(db.reserved?.() ?? db),
    transaction: (work) => db.transaction((transaction) => work(createStore(transaction))),
    leaderLock: (name) => takeLeaderLock(db, name),
    ping: async () => {
      await db.query('SELECT 1');
      return { state: 'ok', reason: null };
    },
    dataDirectory: async () => {
      if (db.engine !== 'postgres') return null;
      try {
        const rows = await db.query<{ directory: string | null }>(
          "SELECT current_setting('data_directory', true) AS directory",
        );
        return rows[0]?.directory ?? null;
      } catch (error) {
        // Reading it needs pg_read_all_settings (42501 without it): then the folder stays unknown.
        if ((error as { code?: unknown }).code === '42501') return null;
        throw error;
      }
    },
    close: () => db.close(),
  };
}

/** Opens the database and applies pending migrations; closes it again when they fail. */
export async function openMigratedDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const db = await openDatabase(options);
  try {
    await runMigrations(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** Opens the database, applies pending migrations and wires the store; close it with `store.close()`. */
export async function openStore(options: OpenDatabaseOptions = {}): Promise<Store> {
  return createStore(await openMigratedDatabase(options));
}
