import { type Market, ValidationError } from '@runecast/market';
import type { Database } from './database.port.ts';
import type { MarketRepository } from './store.port.ts';

const MARKET_TYPES: ReadonlySet<string> = new Set(['spot', 'swap', 'future', 'option', 'other']);

interface MarketRow {
  exchange: string;
  symbol: string;
  base: string;
  quote: string;
  type: Market['type'];
  active: boolean;
  price_precision: number | null;
  amount_precision: number | null;
  added_at_ms: number;
}

const MARKET_COLUMNS = `exchange, symbol, base, quote, type, active, price_precision, amount_precision,
  (extract(epoch FROM added_at) * 1000)::bigint AS added_at_ms`;

function assertValidMarket(market: Market): void {
  const where = `market ${String(market.exchange)}:${String(market.symbol)}`;
  for (const field of ['exchange', 'symbol', 'base', 'quote'] as const) {
    if (typeof market[field] !== 'string' || market[field].trim() === '') {
      throw new ValidationError(`${where}: ${field} must be a non-empty string`, { field });
    }
  }
  if (!MARKET_TYPES.has(market.type)) {
    throw new ValidationError(
      `${where}: type "${String(market.type)}" is not one of ${[...MARKET_TYPES].join(', ')}`,
      {
        field: 'type',
      },
    );
  }
  if (typeof market.active !== 'boolean') {
    throw new ValidationError(`${where}: active must be true or false`, { field: 'active' });
  }
  for (const field of ['pricePrecision', 'amountPrecision'] as const) {
    const value = market[field];
    if (value !== null && (!Number.isFinite(value) || value < 0)) {
      throw new ValidationError(`${where}: ${field} must be a non-negative number or null`, { field });
    }
  }
  if (!Number.isSafeInteger(market.addedAtMs)) {
    throw new ValidationError(`${where}: addedAtMs must be integer epoch milliseconds`, {
      field: 'addedAtMs',
    });
  }
}

/** Markets Runecast knows about, on the `markets` table. */
export class SqlMarketRepository implements MarketRepository {
  constructor(private readonly database: Database) {}

  /** Inserts or updates; a market keeps the time it was first added. */
  async upsertMarkets(markets: readonly Market[]): Promise<void> {
    for (const market of markets) assertValidMarket(market);
    if (markets.length === 0) return;
    // One statement may not touch a row twice, so a market listed twice keeps its last entry.
    const unique = [
      ...new Map(markets.map((market) => [`${market.exchange}\u0000${market.symbol}`, market])).values(),
    ];
    await this.database.query(
      `INSERT INTO markets AS stored
         (exchange, symbol, base, quote, type, active, price_precision, amount_precision, added_at)
       SELECT exchange, symbol, base, quote, type, active, price_precision, amount_precision,
              to_timestamp(added_at_ms / 1000.0)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[],
                   $7::double precision[], $8::double precision[], $9::bigint[])
         AS incoming (exchange, symbol, base, quote, type, active, price_precision, amount_precision, added_at_ms)
       ON CONFLICT (exchange, symbol) DO UPDATE SET
         base = excluded.base,
         quote = excluded.quote,
         type = excluded.type,
         active = excluded.active,
         price_precision = excluded.price_precision,
         amount_precision = excluded.amount_precision,
         added_at = least(stored.added_at, excluded.added_at),
         updated_at = now()`,
      [
        unique.map((market) => market.exchange),
        unique.map((market) => market.symbol),
        unique.map((market) => market.base),
        unique.map((market) => market.quote),
        unique.map((market) => market.type),
        unique.map((market) => market.active),
        unique.map((market) => market.pricePrecision),
        unique.map((market) => market.amountPrecision),
        unique.map((market) => market.addedAtMs),
      ],
    );
  }

  async listMarkets(filter: { exchange?: string } = {}): Promise<Market[]> {
    const rows =
      filter.exchange === undefined
        ? await this.database.query<MarketRow>(
            `SELECT ${MARKET_COLUMNS} FROM markets ORDER BY exchange, symbol`,
          )
        : await this.database.query<MarketRow>(
            `SELECT ${MARKET_COLUMNS} FROM markets WHERE exchange = $1 ORDER BY symbol`,
            [filter.exchange],
          );
    return rows.map(toMarket);
  }

  async getMarket(exchange: string, symbol: string): Promise<Market | null> {
    const [row] = await this.database.query<MarketRow>(
      `SELECT ${MARKET_COLUMNS} FROM markets WHERE exchange = $1 AND symbol = $2`,
      [exchange, symbol],
    );
    return row ? toMarket(row) : null;
  }

  async removeMarket(exchange: string, symbol: string): Promise<boolean> {
    const rows = await this.database.query(
      'DELETE FROM markets WHERE exchange = $1 AND symbol = $2 RETURNING symbol',
      [exchange, symbol],
    );
    return rows.length > 0;
  }
}

function toMarket(row: MarketRow): Market {
  return {
    exchange: row.exchange,
    symbol: row.symbol,
    base: row.base,
    quote: row.quote,
    type: row.type,
    active: row.active,
    pricePrecision: row.price_precision,
    amountPrecision: row.amount_precision,
    addedAtMs: row.added_at_ms,
  };
}
