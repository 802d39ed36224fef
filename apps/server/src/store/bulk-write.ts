import type { CopyData } from './db.ts';
import { isUniqueViolation } from './postgres-errors.ts';
import type { Database } from './database.port.ts';

/**
 * Appends rows with one COPY straight into `table`; the COPY commits or fails as a whole on its
 * own. Returns false, having written nothing, when a row's key is stored already (the caller
 * then merges instead). For new data this is one round trip instead of a staged merge's five.
 */
export async function appendRows(
  database: Database,
  table: string,
  columns: readonly string[],
  rows: CopyData,
): Promise<boolean> {
  try {
    await database.copyFrom(table, columns, rows);
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/**
 * Loads rows into a session-local staging table (`createStaging` makes it, ON COMMIT DELETE
 * ROWS) and runs `merge`, one statement answering one row with the count it wrote, in one
 * transaction. Returns that count.
 */
export async function mergeStagedRows(
  database: Database,
  staging: { createStaging: string; table: string; columns: readonly string[]; merge: string },
  rows: CopyData,
): Promise<number> {
  return database.transaction(async (transaction) => {
    await transaction.query(staging.createStaging);
    await transaction.copyFrom(staging.table, staging.columns, rows);
    const [row] = await transaction.query<{ written: number }>(staging.merge);
    return row?.written ?? 0;
  });
}
