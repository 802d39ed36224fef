import type { Config } from '../config/config.ts';
import { securePrivateHome } from '../config/private-files.ts';
import { openStore, type Store } from '../store/store.ts';

/** Opens (and migrates) the store the config names: PostgreSQL when a URL is set, else PGlite in the home folder. */
export function openConfiguredStore(config: Config): Promise<Store> {
  securePrivateHome(config.home, (message) => process.stderr.write(`runecast: warning: ${message}\n`));
  return config.databaseUrl
    ? openStore({ url: config.databaseUrl })
    : openStore({ dataDir: config.pgliteDir });
}

/** Runs `work` with an open store and always closes it. */
export async function withStore<T>(config: Config, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openConfiguredStore(config);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
