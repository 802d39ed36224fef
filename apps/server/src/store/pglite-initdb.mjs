// Creates an embedded PGlite database in the folder given as the first argument, with the
// settings given as the second, and exits. It runs as a short-lived child process because
// creating a database (initdb) peaks at about 400 MB more than running one, and a process
// keeps its peak memory until it ends.
import { PGlite } from '@electric-sql/pglite';

const [dataDir, settings] = process.argv.slice(2);
if (!dataDir) {
  process.stderr.write('usage: pglite-initdb.mjs DATA_DIR [POSTGRESQL_CONF]\n');
  process.exit(2);
}
const database = await PGlite.create({ dataDir, postgresqlconf: settings ?? '' });
await database.close();
