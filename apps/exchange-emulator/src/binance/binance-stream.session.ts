import type { WebSocket } from 'ws';
import type { EmulatorContext } from '../emulator-context.ts';
import { FaultyConnection } from '../faults/faulty-connection.ts';
import type { BookLevel } from '../market/market-types.ts';
import { gridFloor, type SymbolMarket } from '../market/symbol-market.ts';
import {
  BINANCE_INTERVAL_MS,
  aggregateTradeEvent,
  binanceSymbolId,
  bookTickerEvent,
  depthPayload,
  depthUpdateEvent,
  klineEvent,
  miniTickerEvent,
  tickerEvent,
  tradeEvent,
} from './binance-payloads.ts';

const DAY_MS = 86_400_000;
const MAXIMUM_CLOSED_CANDLES_PER_TICK = 1000;
const MAXIMUM_TRADES_PER_TICK = 5000;
const QUIET_RESEND_MS = 1000;

type StreamKind =
  'kline' | 'trade' | 'aggTrade' | 'bookTicker' | 'depth' | 'partialDepth' | 'ticker' | 'miniTicker';

interface StreamSpec {
  kind: StreamKind;
  symbolId: string;
  intervalName?: string;
  intervalMs?: number;
  levels?: number;
  /** Diff streams: minimum wall time between messages. */
  throttleMs: number;
}

interface Subscription {
  name: string;
  spec: StreamSpec;
  market: SymbolMarket | null;
  ready: boolean;
  lastClosedOpenMs: number;
  lastPartialText: string;
  lastTradeTimeMs: number;
  lastTradeId: number;
  lastUpdateId: number;
  lastSentWallMs: number;
}

const STREAM_PATTERN =
  /^([a-z0-9]+)@(kline_(\w+)|trade|aggTrade|bookTicker|ticker|miniTicker|depth(5|10|20)?(?:@(100ms|1000ms))?)$/;

/** Reads a stream name like `btcusdt@kline_1m`; null when it is not one the emulator serves. */
export function parseBinanceStreamName(name: string): StreamSpec | null {
  const match = STREAM_PATTERN.exec(name);
  if (!match) return null;
  const [, symbol = '', channel = '', interval, levels, speed] = match;
  const symbolId = symbol.toUpperCase();
  if (channel.startsWith('kline_')) {
    const intervalMs = interval ? BINANCE_INTERVAL_MS[interval] : undefined;
    if (!interval || intervalMs === undefined) return null;
    return { kind: 'kline', symbolId, intervalName: interval, intervalMs, throttleMs: 0 };
  }
  if (channel.startsWith('depth')) {
    const throttleMs = speed === '100ms' ? 100 : 1000;
    if (levels) return { kind: 'partialDepth', symbolId, levels: Number(levels), throttleMs };
    return { kind: 'depth', symbolId, throttleMs };
  }
  return { kind: channel as StreamKind, symbolId, throttleMs: 0 };
}

function faultStreamOf(kind: StreamKind): string {
  return kind === 'partialDepth' ? 'depth' : kind;
}

function mergeChanges(target: Map<number, number>, levels: readonly BookLevel[]): void {
  for (const level of levels) target.set(level.price, level.quantity);
}

/**
 * One websocket client of the Binance market streams: raw (`/ws`) or combined (`/stream`, each
 * event wrapped as `{ stream, data }`), with streams from the URL and SUBSCRIBE / UNSUBSCRIBE /
 * LIST_SUBSCRIPTIONS / SET_PROPERTY / GET_PROPERTY requests, as ccxt's binance pro client uses them.
 */
export class BinanceStreamSession {
  private readonly connection: FaultyConnection;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly marketsById: Map<string, SymbolMarket>;
  private combined: boolean;

  constructor(
    socket: WebSocket,
    private readonly context: EmulatorContext,
    options: { combined: boolean; streams: readonly string[] },
  ) {
    this.connection = new FaultyConnection(socket, 'binance', context.faults);
    this.marketsById = new Map(context.universe.markets.map((market) => [binanceSymbolId(market), market]));
    this.combined = options.combined;
    for (const name of options.streams) this.subscribe(name);
    socket.on('message', (data) => this.handleRequest(data.toString()));
  }

  get isOpen(): boolean {
    return this.connection.isOpen;
  }

  private subscribe(name: string): boolean {
    const spec = parseBinanceStreamName(name);
    if (!spec) return false;
    if (this.subscriptions.has(name)) return true;
    const subscription: Subscription = {
      name,
      spec,
      market: this.marketsById.get(spec.symbolId) ?? null,
      ready: false,
      lastClosedOpenMs: 0,
      lastPartialText: '',
      lastTradeTimeMs: 0,
      lastTradeId: -1,
      lastUpdateId: 0,
      lastSentWallMs: 0,
    };
    this.subscriptions.set(name, subscription);
    // Unknown symbols are accepted and stay silent, as on Binance.
    const market = subscription.market;
    if (market) {
      void this.context.ready(market).then(() => {
        const nowMs = this.context.clock.nowMs();
        const intervalMs = spec.intervalMs ?? 0;
        subscription.lastClosedOpenMs = intervalMs > 0 ? gridFloor(nowMs, intervalMs) - intervalMs : 0;
        subscription.lastTradeTimeMs = nowMs;
        subscription.lastTradeId = market.lastTrade(nowMs)?.id ?? -1;
        subscription.lastUpdateId = market.bookAt(nowMs).updateId;
        subscription.ready = true;
      });
    }
    return true;
  }

  private handleRequest(text: string): void {
    let request: { method?: unknown; params?: unknown; id?: unknown };
    try {
      request = JSON.parse(text) as typeof request;
    } catch (error) {
      this.connection.reply({
        error: { code: 3, msg: `Invalid JSON: ${(error as Error).message}` },
        id: null,
      });
      return;
    }
    const id = request.id ?? null;
    const params = Array.isArray(request.params) ? request.params : [];
    switch (request.method) {
      case 'SUBSCRIBE': {
        const invalid = params.find(
          (name) => typeof name !== 'string' || parseBinanceStreamName(name) === null,
        );
        if (invalid !== undefined) {
          this.connection.reply({
            error: { code: 2, msg: `Invalid request: unknown stream '${String(invalid)}'` },
            id,
          });
          return;
        }
        for (const name of params as string[]) this.subscribe(name);
        this.connection.reply({ result: null, id });
        return;
      }
      case 'UNSUBSCRIBE':
        for (const name of params) if (typeof name === 'string') this.subscriptions.delete(name);
        this.connection.reply({ result: null, id });
        return;
      case 'LIST_SUBSCRIPTIONS':
        this.connection.reply({ result: [...this.subscriptions.keys()], id });
        return;
      case 'SET_PROPERTY':
        if (params[0] === 'combined' && typeof params[1] === 'boolean') {
          this.combined = params[1];
          this.connection.reply({ result: null, id });
        } else {
          this.connection.reply({ error: { code: 2, msg: 'Invalid request: unknown property' }, id });
        }
        return;
      case 'GET_PROPERTY':
        this.connection.reply({ result: params[0] === 'combined' ? this.combined : null, id });
        return;
      default:
        this.connection.reply({
          error: { code: 2, msg: `Invalid request: unknown method '${String(request.method)}'` },
          id,
        });
    }
  }

  private emit(subscription: Subscription, payload: unknown): boolean {
    const message = this.combined ? { stream: subscription.name, data: payload } : payload;
    return this.connection.send(message, faultStreamOf(subscription.spec.kind));
  }

  /** Pushes everything that happened up to `nowMs` since the last tick. */
  tick(nowMs: number, wallMs: number): void {
    for (const subscription of this.subscriptions.values()) {
      if (!this.connection.isOpen) return;
      if (!subscription.ready || !subscription.market) continue;
      subscription.market.prepare(nowMs);
      this.tickSubscription(subscription, subscription.market, nowMs, wallMs);
    }
  }

  private tickSubscription(
    subscription: Subscription,
    market: SymbolMarket,
    nowMs: number,
    wallMs: number,
  ): void {
    const { spec } = subscription;
    switch (spec.kind) {
      case 'kline': {
        const intervalMs = spec.intervalMs!;
        for (const candle of market.closedCandlesAfter(
          intervalMs,
          subscription.lastClosedOpenMs,
          nowMs,
          MAXIMUM_CLOSED_CANDLES_PER_TICK,
        )) {
          if (
            !this.emit(subscription, klineEvent(spec.symbolId, spec.intervalName!, intervalMs, candle, nowMs))
          )
            return;
          subscription.lastClosedOpenMs = candle.openTimeMs;
        }
        // After a long pause (or a clock jump) skip to the present rather than replaying everything.
        subscription.lastClosedOpenMs = Math.max(
          subscription.lastClosedOpenMs,
          gridFloor(nowMs, intervalMs) - intervalMs * MAXIMUM_CLOSED_CANDLES_PER_TICK,
        );
        const current = market.currentCandle(intervalMs, nowMs);
        if (!current) return;
        const text = JSON.stringify(current);
        if (
          text !== subscription.lastPartialText ||
          wallMs - subscription.lastSentWallMs >= QUIET_RESEND_MS
        ) {
          subscription.lastPartialText = text;
          subscription.lastSentWallMs = wallMs;
          this.emit(subscription, klineEvent(spec.symbolId, spec.intervalName!, intervalMs, current, nowMs));
        }
        return;
      }
      case 'trade':
      case 'aggTrade': {
        const trades = market
          .tradesBetween(subscription.lastTradeTimeMs, nowMs, MAXIMUM_TRADES_PER_TICK, nowMs)
          .filter((trade) => trade.id > subscription.lastTradeId);
        for (const trade of trades) {
          const event =
            spec.kind === 'trade'
              ? tradeEvent(spec.symbolId, trade, trade.timeMs)
              : aggregateTradeEvent(spec.symbolId, trade, trade.timeMs);
          if (!this.emit(subscription, event)) return;
          subscription.lastTradeId = trade.id;
          subscription.lastTradeTimeMs = trade.timeMs;
        }
        // Everything up to now was sent, so the next search can start at now even across data gaps.
        if (trades.length < MAXIMUM_TRADES_PER_TICK)
          subscription.lastTradeTimeMs = Math.max(subscription.lastTradeTimeMs, nowMs);
        return;
      }
      case 'bookTicker': {
        const version = market.bookAt(nowMs);
        if (version.updateId <= subscription.lastUpdateId) return;
        subscription.lastUpdateId = version.updateId;
        this.emit(subscription, bookTickerEvent(spec.symbolId, version));
        return;
      }
      case 'depth': {
        if (wallMs - subscription.lastSentWallMs < spec.throttleMs) return;
        market.bookAt(nowMs);
        const versions = market.bookVersionsAfter(subscription.lastUpdateId);
        const last = versions[versions.length - 1];
        if (!last) return;
        const bids = new Map<number, number>();
        const asks = new Map<number, number>();
        for (const version of versions) {
          mergeChanges(bids, version.changedBids);
          mergeChanges(asks, version.changedAsks);
        }
        const toLevels = (changes: Map<number, number>): BookLevel[] =>
          [...changes.entries()].map(([price, quantity]) => ({ price, quantity }));
        const firstUpdateId = subscription.lastUpdateId + 1;
        subscription.lastUpdateId = last.updateId;
        subscription.lastSentWallMs = wallMs;
        this.emit(
          subscription,
          depthUpdateEvent(spec.symbolId, firstUpdateId, last, toLevels(bids), toLevels(asks)),
        );
        return;
      }
      case 'partialDepth': {
        if (wallMs - subscription.lastSentWallMs < spec.throttleMs) return;
        subscription.lastSentWallMs = wallMs;
        this.emit(subscription, depthPayload(market.bookAt(nowMs), spec.levels ?? 5));
        return;
      }
      case 'ticker':
      case 'miniTicker': {
        if (wallMs - subscription.lastSentWallMs < QUIET_RESEND_MS) return;
        const stats = market.rollingStats(nowMs, DAY_MS);
        if (!stats) return;
        subscription.lastSentWallMs = wallMs;
        this.emit(
          subscription,
          spec.kind === 'ticker'
            ? tickerEvent(spec.symbolId, stats, market.bookAt(nowMs), nowMs)
            : miniTickerEvent(spec.symbolId, stats, nowMs),
        );
        return;
      }
    }
  }
}
