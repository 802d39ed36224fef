import { type TopOfBook, ValidationError } from '@runecast/market';
import type { Database } from './database.port.ts';
import type { TopOfBookRepository } from './store.port.ts';

interface TopOfBookRow {
  exchange: string;
  symbol: string;
  timestamp_ms: number;
  bid_price: number;
  bid_size: number;
  ask_price: number;
  ask_size: number;
}

/** Throws ValidationError naming the first problem; a crossed or broken book is never stored. */
export function assertValidTopOfBook(sample: TopOfBook): void {
  const where = `top of book ${String(sample.exchange)}:${String(sample.symbol)}@${String(sample.timestampMs)}`;
  for (const field of ['exchange', 'symbol'] as const) {
    if (typeof sample[field] !== 'string' || sample[field] === '') {
      throw new ValidationError(`${where}: ${field} must be a non-empty string`, { field });
    }
  }
  if (!Number.isSafeInteger(sample.timestampMs)) {
    throw new ValidationError(`${where}: timestampMs must be integer epoch milliseconds`, {
      field: 'timestampMs',
    });
  }
  for (const field of ['bidPrice', 'askPrice'] as const) {
    if (!Number.isFinite(sample[field]) || sample[field] <= 0) {
      throw new ValidationError(
        `${where}: ${field} must be a positive finite number (${String(sample[field])})`,
        {
          field,
        },
      );
    }
  }
  for (const field of ['bidSize', 'askSize'] as const) {
    if (!Number.isFinite(sample[field]) || sample[field] < 0) {
      throw new ValidationError(
        `${where}: ${field} must be a non-negative finite number (${String(sample[field])})`,
        { field },
      );
    }
  }
  if (sample.bidPrice > sample.askPrice) {
    throw new ValidationError(`${where}: bid ${sample.bidPrice} is above ask ${sample.askPrice}`, {
      field: 'bidPrice',
    });
  }
}

/** Best bid and ask samples on the `top_of_book` table, one per market and millisecond. */
export class SqlTopOfBookRepository implements TopOfBookRepository {
  constructor(private readonly database: Database) {}

  /** Validates all, then stores samples not stored yet (first one per timestamp stays); returns how many were new. */
  async insertSamples(samples: readonly TopOfBook[]): Promise<number> {
    for (const sample of samples) assertValidTopOfBook(sample);
    if (samples.length === 0) return 0;
    // Samples are few (about one a minute per market), so parameter arrays beat a COPY round trip.
    const [row] = await this.database.query<{ inserted: number }>(
      `WITH inserted AS (
         INSERT INTO top_of_book (exchange, symbol, timestamp_ms, bid_price, bid_size, ask_price, ask_size)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::double precision[],
                              $5::double precision[], $6::double precision[], $7::double precision[])
         ON CONFLICT (exchange, symbol, timestamp_ms) DO NOTHING
         RETURNING 1
       )
       SELECT count(*) AS inserted FROM inserted`,
      [
        samples.map((sample) => sample.exchange),
        samples.map((sample) => sample.symbol),
        samples.map((sample) => sample.timestampMs),
        samples.map((sample) => sample.bidPrice),
        samples.map((sample) => sample.bidSize),
        samples.map((sample) => sample.askPrice),
        samples.map((sample) => sample.askSize),
      ],
    );
    return row?.inserted ?? 0;
  }

  async latest(exchange: string, symbol: string): Promise<TopOfBook | null> {
    const [row] = await this.database.query<TopOfBookRow>(
      `SELECT exchange, symbol, timestamp_ms, bid_price, bid_size, ask_price, ask_size FROM top_of_book
       WHERE exchange = $1 AND symbol = $2
       ORDER BY timestamp_ms DESC LIMIT 1`,
      [exchange, symbol],
    );
    if (!row) return null;
    return {
      exchange: row.exchange,
      symbol: row.symbol,
      timestampMs: row.timestamp_ms,
      bidPrice: row.bid_price,
      bidSize: row.bid_size,
      askPrice: row.ask_price,
      askSize: row.ask_size,
    };
  }
}
