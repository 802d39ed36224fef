import { SqlCandleRepository } from './candle.repository.ts';
import { SqlCoverageRepository } from './coverage.repository.ts';
import { openDatabase, type OpenDatabaseOptions } from './db.ts';
import { type LeaderLockName, takeLeaderLock } from './leader-lock.ts';
import { SqlMarketRepository } from './market.repository.ts';
import { SqlInstrumentRepository } from './instrument.repository.ts';
import { SqlMetricPointRepository } from './metric-point.repository.ts';
import { runMigrations } from './migrate.ts';
import type {
  Database,
  InstrumentRepository,
  MetricPointRepository,
  TextItemRepository,
} from './store.port.ts';
import { SqlTextItemRepository } from './text-item.repository.ts';
import { SqlTopOfBookRepository } from './top-of-book.repository.ts';
import { SqlTradeRepository } from './trade.repository.ts';

/** Every repository over one database. Services receive these, never SQL. */
export interface Store {
  readonly db: Database;
  readonly candles: SqlCandleRepository;
  readonly markets: SqlMarketRepository;
  readonly trades: SqlTradeRepository;
  readonly topOfBook: SqlTopOfBookRepository;
  readonly coverage: SqlCoverageRepository;
  readonly metricPoints: MetricPointRepository;
  readonly textItems: TextItemRepository;
  readonly instruments: InstrumentRepository;
  /** Runs `work` in one transaction, on a store bound to that transaction's connection. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
  /**
   * Inside `transaction`: takes the named leader lock until the transaction ends; true when this
   * process leads (always on the embedded store, where one process holds the only connection).
   */
  leaderLock(name: LeaderLockName): Promise<boolean>;
  /** Answers when the database does; throws with the reason when it does not. */
  ping(): Promise<{ state: 'ok'; reason: null }>;
}

/** Wires the repositories over an open, migrated database. */
export function createStore(db: Database): Store {
  return {
    db,
    candles: new SqlCandleRepository(db),
    markets: new SqlMarketRepository(db),
    trades: new SqlTradeRepository(db),
    topOfBook: new SqlTopOfBookRepository(db),
    coverage: new SqlCoverageRepository(db),
    metricPoints: new SqlMetricPointRepository(db),
    textItems: new SqlTextItemRepository(db),
    instruments: new SqlInstrumentRepository(db),
    transaction: (work) => db.transaction((transaction) => work(createStore(transaction))),
    leaderLock: (name) => takeLeaderLock(db, name),
    ping: async () => {
      await db.query('SELECT 1');
      return { state: 'ok', reason: null };
    },
  };
}

/** Opens the database, applies pending migrations and wires the store; close it with `store.db.close()`. */
export async function openStore(options: OpenDatabaseOptions = {}): Promise<Store> {
  const db = await openDatabase(options);
  try {
    await runMigrations(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return createStore(db);
}
