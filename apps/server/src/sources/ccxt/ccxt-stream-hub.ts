import type { Exchange } from 'ccxt';

export interface StreamHubOptions {
  /** A new websocket client: one connection to the exchange, markets set. */
  createClient(): Exchange;
  /**
   * Subscribes these markets on the client with one ccxt call (one subscribe message, e.g. one
   * Binance SUBSCRIBE listing every stream). Its answer is not used; its failure shows in the
   * markets' own watch calls.
   */
  subscribe(client: Exchange, symbols: readonly string[]): Promise<unknown>;
  /** Most markets on one connection (the exchange's limit of streams per connection, or less). */
  symbolsPerConnection: number;
  /** Shortest spacing of subscribe messages on one connection (the exchange's message rate limit). */
  subscribeIntervalMs: number;
  closeClient(client: Exchange): Promise<void>;
}

/** A market's place on a shared connection, held while its stream runs. */
export interface HubSlot {
  /** The shared client; watching the market on it sends nothing more (it is subscribed). */
  client: Exchange;
  /**
   * Gives the place up. `failed`: the connection failed under this market's stream, so no market
   * joins it any more; it closes once its last market has left.
   */
  release(failed: boolean): void;
}

/** One websocket connection carrying the streams of up to `symbolsPerConnection` markets. */
class HubConnection {
  readonly client: Exchange;
  /** Markets subscribed or about to be, so none is subscribed twice. */
  private readonly known = new Set<string>();
  private pending: { symbol: string; sent: () => void }[] = [];
  private users = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private lastSubscribeAtMs = Number.NEGATIVE_INFINITY;
  failed = false;
  closed = false;

  constructor(private readonly options: StreamHubOptions) {
    this.client = options.createClient();
  }

  /** True when the market can join: subscribed here already, or room left, and not failed. */
  accepts(symbol: string): boolean {
    if (this.failed || this.closed) return false;
    return this.known.has(symbol) || this.known.size < this.options.symbolsPerConnection;
  }

  /** Resolves once the market's subscribe message is out (at once when it was before). */
  join(symbol: string): Promise<void> {
    this.users += 1;
    if (this.known.has(symbol) && !this.pending.some((item) => item.symbol === symbol))
      return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.pending.push({ symbol, sent: resolve });
      this.known.add(symbol);
      this.scheduleFlush();
    });
  }

  /** Answers true once the connection is closed (its last market left). */
  leave(failed: boolean): boolean {
    this.users -= 1;
    if (failed) this.failed = true;
    if (this.users > 0) return false;
    this.close();
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    // Whoever still waits for a subscription goes on and meets the closed client's error.
    for (const item of this.pending) item.sent();
    this.pending = [];
    void this.options.closeClient(this.client);
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== null || this.closed) return;
    // Markets asked for within one interval go out in one subscribe message.
    const delayMs = Math.max(0, this.lastSubscribeAtMs + this.options.subscribeIntervalMs - Date.now());
    this.flushTimer = setTimeout(() => this.flush(), delayMs);
    this.flushTimer.unref();
  }

  private flush(): void {
    this.flushTimer = null;
    if (this.closed || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.lastSubscribeAtMs = Date.now();
    // ccxt records the subscriptions before this call returns, so the markets' own watch calls
    // that follow find them and send nothing.
    this.options
      .subscribe(this.client, [...new Set(batch.map((item) => item.symbol))])
      .catch(() => undefined);
    for (const item of batch) item.sent();
  }
}

/**
 * Carries the streams of one kind (candles, trades or top of book) of many markets over few
 * websocket connections: each connection takes up to `symbolsPerConnection` markets, and the
 * markets asked for within one `subscribeIntervalMs` are subscribed with one message (Binance:
 * one SUBSCRIBE with many streams), so 200 markets cost one connection and a message or two
 * rather than 200 of each. ccxt has the batched calls (watchOHLCVForSymbols,
 * watchTradesForSymbols, watchBidsAsks) but neither spreads markets over connections nor spaces
 * subscriptions; and each market is still read through its own watch call on the shared client,
 * because a call watching many markets answers only the first that moved and can starve the
 * others. A failed connection fails every stream on it; each reconnects (with its own backoff)
 * onto a new connection.
 */
export class StreamHub {
  private readonly connections = new Set<HubConnection>();

  constructor(private readonly options: StreamHubOptions) {}

  /** Connections open now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** A place for the market on a shared connection, once its subscription is out. */
  async join(symbol: string): Promise<HubSlot> {
    const connection = this.connectionFor(symbol);
    await connection.join(symbol);
    let released = false;
    return {
      client: connection.client,
      release: (failed) => {
        if (released) return;
        released = true;
        if (connection.leave(failed)) this.connections.delete(connection);
      },
    };
  }

  /** Closes every connection; the streams on them fail with the clients' errors. */
  close(): void {
    for (const connection of this.connections) connection.close();
    this.connections.clear();
  }

  private connectionFor(symbol: string): HubConnection {
    for (const connection of this.connections) {
      if (connection.closed) {
        this.connections.delete(connection);
        continue;
      }
      if (connection.accepts(symbol)) return connection;
    }
    const connection = new HubConnection(this.options);
    this.connections.add(connection);
    return connection;
  }
}
