import type { WebSocket } from 'ws';
import type { EmulatorContext } from '../emulator-context.ts';
import { FaultyConnection } from '../faults/faulty-connection.ts';
import type { BookLevel } from '../market/market-types.ts';
import { gridFloor, type SymbolMarket } from '../market/symbol-market.ts';
import { KRAKEN_INTERVAL_MINUTES, bookChecksum, wsCandle, wsTicker, wsTrade } from './kraken-payloads.ts';

const DAY_MS = 86_400_000;
const OHLC_SNAPSHOT_CANDLES = 120;
const TRADE_SNAPSHOT_TRADES = 50;
const MAXIMUM_CLOSED_CANDLES_PER_TICK = 1000;
const MAXIMUM_TRADES_PER_MESSAGE = 1000;
const HEARTBEAT_MS = 1000;
const BOOK_DEPTHS = [10, 25, 100, 500, 1000];

type Channel = 'ohlc' | 'trade' | 'book' | 'ticker';

interface Subscription {
  channel: Channel;
  market: SymbolMarket;
  ready: boolean;
  snapshot: boolean;
  intervalMinutes: number;
  depth: number;
  eventTrigger: 'trades' | 'bbo';
  lastClosedOpenMs: number;
  lastPartialText: string;
  lastTradeTimeMs: number;
  lastTradeId: number;
  lastBook: { bids: BookLevel[]; asks: BookLevel[] };
  lastTickerText: string;
}

interface SubscribeParams {
  channel?: unknown;
  symbol?: unknown;
  interval?: unknown;
  depth?: unknown;
  snapshot?: unknown;
  event_trigger?: unknown;
}

function isoNow(): string {
  return new Date().toISOString();
}

function bookChanges(before: readonly BookLevel[], after: readonly BookLevel[]): BookLevel[] {
  const old = new Map(before.map((level) => [level.price, level.quantity]));
  const fresh = new Set(after.map((level) => level.price));
  const changes = after.filter((level) => old.get(level.price) !== level.quantity);
  for (const level of before) if (!fresh.has(level.price)) changes.push({ price: level.price, quantity: 0 });
  return changes;
}

const asQtyLevels = (levels: readonly BookLevel[]): unknown[] =>
  levels.map((level) => ({ price: level.price, qty: level.quantity }));

/**
 * One client of Kraken's websocket v2 public channels (ohlc, trade, book, ticker) with
 * subscribe / unsubscribe / ping requests, as ccxt's kraken pro client uses them.
 */
export class KrakenStreamSession {
  private readonly connection: FaultyConnection;
  private readonly subscriptions = new Map<string, Subscription>();
  private lastHeartbeatWallMs = 0;

  constructor(
    socket: WebSocket,
    private readonly context: EmulatorContext,
    connectionId: number,
  ) {
    this.connection = new FaultyConnection(socket, 'kraken', context.faults);
    socket.on('message', (data) => this.handleRequest(data.toString()));
    this.connection.reply({
      channel: 'status',
      type: 'update',
      data: [{ api_version: 'v2', connection_id: connectionId, system: 'online', version: '2.0.10' }],
    });
  }

  get isOpen(): boolean {
    return this.connection.isOpen;
  }

  private handleRequest(text: string): void {
    const timeIn = isoNow();
    let request: { method?: unknown; params?: SubscribeParams; req_id?: unknown };
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      this.connection.reply({
        error: 'Malformed request',
        success: false,
        time_in: timeIn,
        time_out: isoNow(),
      });
      return;
    }
    const requestId = request.req_id;
    const answer = (body: Record<string, unknown>): void =>
      this.connection.reply({
        ...body,
        ...(requestId === undefined ? {} : { req_id: requestId }),
        time_in: timeIn,
        time_out: isoNow(),
      });
    switch (request.method) {
      case 'ping':
        answer({ method: 'pong' });
        return;
      case 'subscribe':
      case 'unsubscribe':
        this.handleSubscription(request.method, request.params ?? {}, answer);
        return;
      default:
        answer({ error: 'Method not found', method: request.method, success: false });
    }
  }

  private handleSubscription(
    method: 'subscribe' | 'unsubscribe',
    params: SubscribeParams,
    answer: (body: Record<string, unknown>) => void,
  ): void {
    const channel = params.channel;
    if (channel !== 'ohlc' && channel !== 'trade' && channel !== 'book' && channel !== 'ticker') {
      answer({ error: `Subscription name invalid: ${String(channel)}`, method, success: false });
      return;
    }
    if (!Array.isArray(params.symbol) || params.symbol.some((symbol) => typeof symbol !== 'string')) {
      answer({ error: 'Pair field must be an array', method, success: false });
      return;
    }
    const intervalMinutes = params.interval === undefined ? 1 : Number(params.interval);
    if (channel === 'ohlc' && !(KRAKEN_INTERVAL_MINUTES as readonly number[]).includes(intervalMinutes)) {
      answer({ error: 'Subscription ohlc interval not supported', method, success: false });
      return;
    }
    const depth = params.depth === undefined ? 10 : Number(params.depth);
    if (channel === 'book' && !BOOK_DEPTHS.includes(depth)) {
      answer({ error: 'Subscription depth not supported', method, success: false });
      return;
    }
    const eventTrigger = params.event_trigger === 'bbo' ? 'bbo' : 'trades';
    const snapshot = params.snapshot !== false;
    for (const symbol of params.symbol as string[]) {
      const key = `${channel}:${symbol}:${channel === 'ohlc' ? intervalMinutes : ''}`;
      const market = this.context.universe.find(symbol);
      if (!market) {
        answer({ error: `Currency pair not supported ${symbol}`, method, success: false, symbol });
        continue;
      }
      const result: Record<string, unknown> = { channel, symbol, snapshot };
      if (channel === 'ohlc') result.interval = intervalMinutes;
      if (channel === 'book') result.depth = depth;
      if (channel === 'ticker') result.event_trigger = eventTrigger;
      if (method === 'unsubscribe') {
        this.subscriptions.delete(key);
        answer({ method, result: { channel, symbol }, success: true });
        continue;
      }
      answer({ method, result, success: true });
      if (this.subscriptions.has(key)) continue;
      const subscription: Subscription = {
        channel,
        market,
        ready: false,
        snapshot,
        intervalMinutes,
        depth,
        eventTrigger,
        lastClosedOpenMs: 0,
        lastPartialText: '',
        lastTradeTimeMs: 0,
        lastTradeId: -1,
        lastBook: { bids: [], asks: [] },
        lastTickerText: '',
      };
      this.subscriptions.set(key, subscription);
      void this.context.ready(market).then(() => this.start(subscription));
    }
  }

  private start(subscription: Subscription): void {
    const { market, channel } = subscription;
    const nowMs = this.context.clock.nowMs();
    const symbol = market.symbol;
    switch (channel) {
      case 'ohlc': {
        const intervalMs = subscription.intervalMinutes * 60_000;
        subscription.lastClosedOpenMs = gridFloor(nowMs, intervalMs) - intervalMs;
        if (subscription.snapshot) {
          const candles = market.candles({ timeframeMs: intervalMs, limit: OHLC_SNAPSHOT_CANDLES, nowMs });
          subscription.lastPartialText = JSON.stringify(candles[candles.length - 1] ?? null);
          this.connection.send(
            {
              channel: 'ohlc',
              type: 'snapshot',
              timestamp: new Date(nowMs).toISOString(),
              data: candles.map((candle) => wsCandle(symbol, candle, subscription.intervalMinutes)),
            },
            'ohlc',
          );
        }
        break;
      }
      case 'trade': {
        const recent = market.recentTrades(nowMs, TRADE_SNAPSHOT_TRADES);
        subscription.lastTradeTimeMs = nowMs;
        subscription.lastTradeId = recent[recent.length - 1]?.id ?? -1;
        if (subscription.snapshot && recent.length > 0) {
          this.connection.send(
            { channel: 'trade', type: 'snapshot', data: recent.map((trade) => wsTrade(symbol, trade)) },
            'trade',
          );
        }
        break;
      }
      case 'book': {
        const version = market.bookAt(nowMs);
        const bids = version.bids.slice(0, subscription.depth);
        const asks = version.asks.slice(0, subscription.depth);
        subscription.lastBook = { bids, asks };
        this.connection.send(
          {
            channel: 'book',
            type: 'snapshot',
            data: [
              {
                symbol,
                bids: asQtyLevels(bids),
                asks: asQtyLevels(asks),
                checksum: bookChecksum(bids, asks),
                timestamp: new Date(nowMs).toISOString(),
              },
            ],
          },
          'book',
        );
        break;
      }
      case 'ticker': {
        const payload = this.tickerPayload(subscription, nowMs);
        if (payload) {
          subscription.lastTickerText = this.tickerTrigger(subscription, payload);
          this.connection.send({ channel: 'ticker', type: 'snapshot', data: [payload] }, 'ticker');
        }
        break;
      }
    }
    subscription.ready = true;
  }

  /** The ticker fields whose change triggers an update: best bid/ask (bbo) or last trade (trades). */
  private tickerTrigger(subscription: Subscription, payload: Record<string, unknown>): string {
    return JSON.stringify(
      subscription.eventTrigger === 'bbo'
        ? [payload.bid, payload.bid_qty, payload.ask, payload.ask_qty]
        : [payload.last, payload.volume],
    );
  }

  private tickerPayload(subscription: Subscription, nowMs: number): Record<string, unknown> | null {
    const stats = subscription.market.rollingStats(nowMs, DAY_MS);
    if (!stats) return null;
    const book = subscription.market.bookAt(nowMs);
    return wsTicker(subscription.market.symbol, stats, book.bids[0], book.asks[0]) as Record<string, unknown>;
  }

  /** Pushes everything that happened up to `nowMs` since the last tick. */
  tick(nowMs: number, wallMs: number): void {
    if (this.subscriptions.size > 0 && wallMs - this.lastHeartbeatWallMs >= HEARTBEAT_MS) {
      this.lastHeartbeatWallMs = wallMs;
      this.connection.reply({ channel: 'heartbeat' });
    }
    for (const subscription of this.subscriptions.values()) {
      if (!this.connection.isOpen) return;
      if (!subscription.ready) continue;
      subscription.market.prepare(nowMs);
      this.tickSubscription(subscription, nowMs);
    }
  }

  private tickSubscription(subscription: Subscription, nowMs: number): void {
    const { market } = subscription;
    const symbol = market.symbol;
    const timestamp = new Date(nowMs).toISOString();
    switch (subscription.channel) {
      case 'ohlc': {
        const intervalMs = subscription.intervalMinutes * 60_000;
        for (const candle of market.closedCandlesAfter(
          intervalMs,
          subscription.lastClosedOpenMs,
          nowMs,
          MAXIMUM_CLOSED_CANDLES_PER_TICK,
        )) {
          const message = {
            channel: 'ohlc',
            type: 'update',
            timestamp,
            data: [wsCandle(symbol, candle, subscription.intervalMinutes)],
          };
          if (!this.connection.send(message, 'ohlc')) return;
          subscription.lastClosedOpenMs = candle.openTimeMs;
        }
        subscription.lastClosedOpenMs = Math.max(
          subscription.lastClosedOpenMs,
          gridFloor(nowMs, intervalMs) - intervalMs * MAXIMUM_CLOSED_CANDLES_PER_TICK,
        );
        const current = market.currentCandle(intervalMs, nowMs);
        if (!current) return;
        const text = JSON.stringify(current);
        if (text === subscription.lastPartialText) return;
        subscription.lastPartialText = text;
        this.connection.send(
          {
            channel: 'ohlc',
            type: 'update',
            timestamp,
            data: [wsCandle(symbol, current, subscription.intervalMinutes)],
          },
          'ohlc',
        );
        return;
      }
      case 'trade': {
        const trades = market
          .tradesBetween(subscription.lastTradeTimeMs, nowMs, MAXIMUM_TRADES_PER_MESSAGE, nowMs)
          .filter((trade) => trade.id > subscription.lastTradeId);
        const last = trades[trades.length - 1];
        if (!last) {
          subscription.lastTradeTimeMs = Math.max(subscription.lastTradeTimeMs, nowMs);
          return;
        }
        if (
          !this.connection.send(
            { channel: 'trade', type: 'update', data: trades.map((trade) => wsTrade(symbol, trade)) },
            'trade',
          )
        )
          return;
        subscription.lastTradeId = last.id;
        subscription.lastTradeTimeMs =
          trades.length < MAXIMUM_TRADES_PER_MESSAGE ? Math.max(last.timeMs, nowMs) : last.timeMs;
        return;
      }
      case 'book': {
        const version = market.bookAt(nowMs);
        const bids = version.bids.slice(0, subscription.depth);
        const asks = version.asks.slice(0, subscription.depth);
        const changedBids = bookChanges(subscription.lastBook.bids, bids);
        const changedAsks = bookChanges(subscription.lastBook.asks, asks);
        if (changedBids.length === 0 && changedAsks.length === 0) return;
        subscription.lastBook = { bids, asks };
        this.connection.send(
          {
            channel: 'book',
            type: 'update',
            data: [
              {
                symbol,
                bids: asQtyLevels(changedBids),
                asks: asQtyLevels(changedAsks),
                checksum: bookChecksum(bids, asks),
                timestamp,
              },
            ],
          },
          'book',
        );
        return;
      }
      case 'ticker': {
        const payload = this.tickerPayload(subscription, nowMs);
        if (!payload) return;
        const text = this.tickerTrigger(subscription, payload);
        if (text === subscription.lastTickerText) return;
        subscription.lastTickerText = text;
        this.connection.send({ channel: 'ticker', type: 'update', data: [payload] }, 'ticker');
        return;
      }
    }
  }
}
