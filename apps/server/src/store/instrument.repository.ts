import { ValidationError } from '@runecast/market';
import type { Database } from './database.port.ts';
import type { InstrumentRepository, InstrumentState } from './store.port.ts';

interface InstrumentRow {
  source: string;
  symbol: string;
  instrument_id: string | null;
  name: string;
  simulated: boolean;
  first_seen_at_ms: number;
  observed_at_ms: number;
  price: number | null;
  metrics: Record<string, number> | string;
}

const COLUMNS =
  'source, symbol, instrument_id, name, simulated, first_seen_at_ms, observed_at_ms, price, metrics';

const fromRow = (row: InstrumentRow): InstrumentState => ({
  source: row.source,
  symbol: row.symbol,
  instrumentId: row.instrument_id,
  name: row.name,
  simulated: row.simulated,
  firstSeenAtMs: Number(row.first_seen_at_ms),
  observedAtMs: Number(row.observed_at_ms),
  price: row.price,
  metrics:
    typeof row.metrics === 'string' ? (JSON.parse(row.metrics) as Record<string, number>) : row.metrics,
});

/** The newest state of each instrument of each snapshot source, on `source_instruments`. */
export class SqlInstrumentRepository implements InstrumentRepository {
  constructor(private readonly database: Database) {}

  /**
   * Records the newest poll of each instrument; an older poll than the stored one changes
   * nothing, and the first-seen time stays.
   */
  async record(states: readonly Omit<InstrumentState, 'firstSeenAtMs'>[]): Promise<void> {
    if (states.length === 0) return;
    for (const state of states) {
      if (!Number.isSafeInteger(state.observedAtMs)) {
        throw new ValidationError(
          `instrument ${state.source}:${state.symbol}: observedAtMs must be epoch milliseconds`,
        );
      }
    }
    await this.database.query(
      `INSERT INTO source_instruments (${COLUMNS})
       SELECT source, symbol, instrument_id, name, simulated, observed_at_ms, observed_at_ms, price, metrics
       FROM jsonb_to_recordset($1::jsonb) AS state(
         source text, symbol text, instrument_id text, name text, simulated boolean,
         observed_at_ms bigint, price double precision, metrics jsonb)
       ON CONFLICT (source, symbol) DO UPDATE SET
         instrument_id = COALESCE(EXCLUDED.instrument_id, source_instruments.instrument_id),
         name = EXCLUDED.name, simulated = EXCLUDED.simulated, observed_at_ms = EXCLUDED.observed_at_ms,
         price = EXCLUDED.price, metrics = EXCLUDED.metrics
       WHERE EXCLUDED.observed_at_ms >= source_instruments.observed_at_ms`,
      [
        JSON.stringify(
          states.map((state) => ({
            source: state.source,
            symbol: state.symbol,
            instrument_id: state.instrumentId,
            name: state.name,
            simulated: state.simulated,
            observed_at_ms: state.observedAtMs,
            price: state.price,
            metrics: state.metrics,
          })),
        ),
      ],
    );
  }

  async list(sources?: readonly string[]): Promise<InstrumentState[]> {
    const rows = await this.database.query<InstrumentRow>(
      `SELECT ${COLUMNS} FROM source_instruments
       WHERE $1::text[] IS NULL OR source = ANY($1::text[]) ORDER BY source, symbol`,
      [sources === undefined ? null : [...sources]],
    );
    return rows.map(fromRow);
  }

  async get(source: string, symbol: string): Promise<InstrumentState | null> {
    const [row] = await this.database.query<InstrumentRow>(
      `SELECT ${COLUMNS} FROM source_instruments WHERE source = $1 AND symbol = $2`,
      [source, symbol],
    );
    return row ? fromRow(row) : null;
  }
}
