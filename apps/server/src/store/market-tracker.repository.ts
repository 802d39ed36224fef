import type { Database } from './database.port.ts';

/** Which user asked to track each market added through the API (for per-user quotas). */
export interface MarketTrackerRepository {
  record(exchange: string, symbol: string, userId: string, nowMs: number): Promise<void>;
  countByUser(userId: string): Promise<number>;
}

export class SqlMarketTrackerRepository implements MarketTrackerRepository {
  constructor(private readonly database: Database) {}

  async record(exchange: string, symbol: string, userId: string, nowMs: number): Promise<void> {
    await this.database.query(
      `INSERT INTO market_trackers (exchange, symbol, user_id, added_at_ms) VALUES ($1, $2, $3, $4)
       ON CONFLICT (exchange, symbol) DO NOTHING`,
      [exchange, symbol, userId, nowMs],
    );
  }

  async countByUser(userId: string): Promise<number> {
    const [row] = await this.database.query<{ total: number }>(
      'SELECT count(*) AS total FROM market_trackers WHERE user_id = $1',
      [userId],
    );
    return row?.total ?? 0;
  }
}
