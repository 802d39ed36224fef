import type { Database } from '../database.port.ts';
import type { OpenDatabaseOptions } from '../db.ts';
import { createStore, openMigratedDatabase, type Store } from '../store.ts';

/**
 * For tests and benchmarks that check rows with their own SQL, hold a lock on a connection of
 * their own or load data around the repositories: a migrated store and the database under it.
 * `store.close()` closes both.
 */
export async function openStoreWithDatabase(
  options: OpenDatabaseOptions = {},
): Promise<{ store: Store; db: Database }> {
  const db = await openMigratedDatabase(options);
  return { store: createStore(db), db };
}
