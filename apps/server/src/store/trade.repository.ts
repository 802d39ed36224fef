import { type TimeRange, type Trade, ValidationError } from '@runecast/market';
import { assertLimit, assertTimeRange } from './argument-checks.ts';
import { BinaryCopyWriter, TextEncodingCache } from './copy-binary.ts';
import type { Database } from './database.port.ts';
import type { TradeRepository } from './store.port.ts';
import { appendRows, mergeStagedRows } from './bulk-write.ts';

export const TRADE_COLUMNS = [
  'exchange',
  'symbol',
  'trade_id',
  'timestamp_ms',
  'price',
  'amount',
  'side',
] as const;
const TRADE_COLUMN_LIST = TRADE_COLUMNS.join(', ');

const CREATE_STAGING_TABLE = `
  CREATE TEMPORARY TABLE IF NOT EXISTS trade_staging (
    exchange text NOT NULL,
    symbol text NOT NULL,
    trade_id text NOT NULL,
    timestamp_ms bigint NOT NULL,
    price double precision NOT NULL,
    amount double precision NOT NULL,
    side text
  ) ON COMMIT DELETE ROWS`;

// A trade never changes once printed, so the first stored copy stays.
const MERGE_STAGED_TRADES = `
  WITH inserted AS (
    INSERT INTO trades (${TRADE_COLUMN_LIST})
    SELECT ${TRADE_COLUMN_LIST} FROM trade_staging
    ON CONFLICT (exchange, symbol, trade_id) DO NOTHING
    RETURNING 1
  )
  SELECT count(*) AS written FROM inserted`;

const TRADE_STAGING = {
  createStaging: CREATE_STAGING_TABLE,
  table: 'trade_staging',
  columns: TRADE_COLUMNS,
  merge: MERGE_STAGED_TRADES,
};

interface TradeRow {
  exchange: string;
  symbol: string;
  trade_id: string;
  timestamp_ms: number;
  price: number;
  amount: number;
  side: Trade['side'];
}

/** Throws ValidationError naming the first problem; a bad trade is never stored. */
export function assertValidTrade(trade: Trade): void {
  const where = `trade ${String(trade.exchange)}:${String(trade.symbol)}#${String(trade.tradeId)}`;
  for (const field of ['exchange', 'symbol', 'tradeId'] as const) {
    if (typeof trade[field] !== 'string' || trade[field] === '') {
      throw new ValidationError(`${where}: ${field} must be a non-empty string`, { field });
    }
  }
  if (!Number.isSafeInteger(trade.timestampMs)) {
    throw new ValidationError(`${where}: timestampMs must be integer epoch milliseconds`, {
      field: 'timestampMs',
    });
  }
  if (!Number.isFinite(trade.price) || trade.price <= 0) {
    throw new ValidationError(`${where}: price must be a positive finite number (${String(trade.price)})`, {
      field: 'price',
    });
  }
  if (!Number.isFinite(trade.amount) || trade.amount < 0) {
    throw new ValidationError(
      `${where}: amount must be a non-negative finite number (${String(trade.amount)})`,
      {
        field: 'amount',
      },
    );
  }
  if (trade.side !== null && trade.side !== 'buy' && trade.side !== 'sell') {
    throw new ValidationError(`${where}: side must be buy, sell or null (${String(trade.side)})`, {
      field: 'side',
    });
  }
}

/** Bytes per trade row in binary COPY: 7 fields, short ids and text. */
const TRADE_ROW_BYTES_ESTIMATE = 2 + 7 * 4 + 48 + 3 * 8;

/** Each distinct trade once, as binary COPY data for `TRADE_COLUMNS`, and how many there are. */
export function tradesToCopyData(trades: readonly Trade[]): { rows: Buffer; count: number } {
  const writer = new BinaryCopyWriter(trades.length * TRADE_ROW_BYTES_ESTIMATE);
  const texts = new TextEncodingCache();
  const seen = new Set<string>();
  for (const trade of trades) {
    const key = `${trade.exchange}\u0000${trade.symbol}\u0000${trade.tradeId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    writer
      .row(TRADE_COLUMNS.length)
      .encodedText(texts.encode(trade.exchange))
      .encodedText(texts.encode(trade.symbol))
      .text(trade.tradeId)
      .int64(trade.timestampMs)
      .float64(trade.price)
      .float64(trade.amount)
      .nullableText(trade.side);
  }
  return { rows: writer.finish(), count: seen.size };
}

/** Trades on the `trades` table, unique per exchange, symbol and trade id. */
export class SqlTradeRepository implements TradeRepository {
  constructor(private readonly database: Database) {}

  /** Validates all, then stores the trades not stored yet; returns how many were new. */
  async insertTrades(trades: readonly Trade[]): Promise<number> {
    for (const trade of trades) assertValidTrade(trade);
    if (trades.length === 0) return 0;
    const { rows, count } = tradesToCopyData(trades);
    // New trades (nearly every live batch) go straight into the table in one COPY; if any of
    // them is stored already it fails on the key and the merge skips the stored ones.
    if (await appendRows(this.database, 'trades', TRADE_COLUMNS, rows)) return count;
    return mergeStagedRows(this.database, TRADE_STAGING, rows);
  }

  /** Trades with `timestampMs` in the range, oldest first (ties by trade id). */
  async listTrades(exchange: string, symbol: string, range: TimeRange, limit?: number): Promise<Trade[]> {
    assertTimeRange(range);
    assertLimit(limit);
    const rows = await this.database.query<TradeRow>(
      `SELECT ${TRADE_COLUMN_LIST} FROM trades
       WHERE exchange = $1 AND symbol = $2 AND timestamp_ms >= $3 AND timestamp_ms < $4
       ORDER BY timestamp_ms, trade_id
       ${limit === undefined ? '' : 'LIMIT $5'}`,
      [exchange, symbol, range.startMs, range.endMs, ...(limit === undefined ? [] : [limit])],
    );
    return rows.map((row) => ({
      exchange: row.exchange,
      symbol: row.symbol,
      tradeId: row.trade_id,
      timestampMs: row.timestamp_ms,
      price: row.price,
      amount: row.amount,
      side: row.side,
    }));
  }
}
