import type { Trade } from '@runecast/market';

/**
 * Trades as ccxt parsed them (`{id, timestamp, price, amount, side, …}`) turned into Runecast
 * trades, oldest first. A trade without an id, a whole positive time, or a positive finite price
 * and amount is left out and counted in `rejected`.
 */
export function tradesFromCcxt(
  exchange: string,
  symbol: string,
  trades: readonly unknown[],
): { trades: Trade[]; rejected: number } {
  const result: Trade[] = [];
  let rejected = 0;
  for (const item of trades) {
    const trade = (typeof item === 'object' && item !== null ? item : {}) as {
      id?: unknown;
      timestamp?: unknown;
      price?: unknown;
      amount?: unknown;
      side?: unknown;
    };
    const id = trade.id === undefined || trade.id === null ? '' : String(trade.id);
    const valid =
      id.length > 0 &&
      id.length <= 100 &&
      typeof trade.timestamp === 'number' &&
      Number.isSafeInteger(trade.timestamp) &&
      trade.timestamp > 0 &&
      typeof trade.price === 'number' &&
      Number.isFinite(trade.price) &&
      trade.price > 0 &&
      typeof trade.amount === 'number' &&
      Number.isFinite(trade.amount) &&
      trade.amount > 0;
    if (!valid) {
      rejected += 1;
      continue;
    }
    result.push({
      exchange,
      symbol,
      tradeId: id,
      timestampMs: trade.timestamp as number,
      price: trade.price as number,
      amount: trade.amount as number,
      side: trade.side === 'buy' || trade.side === 'sell' ? trade.side : null,
    });
  }
  return { trades: result.sort((left, right) => left.timestampMs - right.timestampMs), rejected };
}
