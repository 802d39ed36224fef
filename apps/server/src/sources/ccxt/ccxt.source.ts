import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Exchange } from 'ccxt';
import { ccxtExchangeClass, ccxtExchangeIds } from './ccxt-library.ts';
import {
  assertValidCandle,
  type Candle,
  InvalidCandleError,
  isValidExchangeId,
  isValidSymbol,
  type Market,
  RateLimitedError,
  RunecastError,
  type Timeframe,
  timeframeMs,
  type TopOfBook,
  type Trade,
  TransientSourceError,
  UnsupportedError,
  ValidationError,
} from '@runecast/market';
import type {
  CandlePage,
  FetchCandlesParams,
  FetchTradesParams,
  MarketDataSource,
  SourceCapabilities,
  WatchParams,
} from '../market-data-source.port.ts';
import { buildCandlePage, decodedCandleRows, type CandleRow } from './ccxt-candles.ts';
import { tradesFromCcxt } from './ccxt-trades.ts';
import { buildCapabilities, exchangeProfile, type ExchangeProfile } from './ccxt-capabilities.ts';
import {
  MalformedResponseError,
  mapCcxtError,
  parseRetryAfterMs,
  SourceAbortedError,
} from './ccxt-errors.ts';
import { emulatorOverrides, isEmulatedExchange } from './emulator-urls.ts';
import { StreamHub, type HubSlot } from './ccxt-stream-hub.ts';

export interface CcxtSourceOptions {
  /** ccxt exchange id: `binance`, `kraken`, `coinbase`, … */
  exchange: string;
  /** Base URL of a running exchange emulator; every REST and websocket URL is pointed at it. */
  emulatorUrl?: string;
  apiKey?: string;
  secret?: string;
  /** True when the data behind the source is simulated (emulator without replay data). */
  simulated?: boolean;
  /** ccxt request timeout. */
  timeoutMs?: number;
  /** ccxt's own request spacing from the exchange's rate limit; off only for benchmarks on the emulator. */
  enableRateLimit?: boolean;
  /** How long after its close a candle may still change on the exchange. */
  settleMs?: number;
  /** How often the exchange clock is read again (for telling closed candles from the open one). */
  clockRefreshMs?: number;
  /**
   * Markets whose streams of one kind share a websocket connection, where ccxt can watch many
   * markets in one call (default 200: ccxt's own limit per Binance stream, below Binance's 1,024
   * streams per connection). 1 gives every market's stream a connection of its own.
   */
  marketsPerConnection?: number;
  /**
   * Shortest spacing of subscribe messages on one connection (default 250 ms, within Binance's
   * 5 incoming messages per second per connection).
   */
  subscribeIntervalMs?: number;
  /** Receives ccxt's websocket diagnostics (they go nowhere by default). */
  onLog?: (line: string) => void;
  /**
   * Last word on each ccxt client made (REST and websocket), after the emulator overrides: a
   * proxy, a sandbox URL, an exchange-specific ccxt option.
   */
  configureExchange?: (client: Exchange, kind: 'rest' | 'websocket') => void;
}

/** Counters of what the source met; they only grow. */
export interface CcxtSourceStats {
  restCalls: number;
  rateLimited: number;
  transientErrors: number;
  malformedResponses: number;
  rejectedCandleRows: number;
  rejectedTrades: number;
  rejectedBookUpdates: number;
  malformedStreamMessages: number;
  /** Candle updates that arrived after a newer one (of a later candle, or fuller of the same). */
  outOfOrderStreamMessages: number;
  streamErrors: number;
  /** Websocket connections open now (every market's streams of one kind may share one). */
  websocketConnections: number;
}

/** Per-call state shared with the instrumented ccxt methods through async context. */
interface CallCapture {
  candleRows: CandleRow[] | null;
  retryAfterHeader: unknown;
  malformed: string | null;
  /** The exchange profile's own reader of candle answers, when it has one. */
  decodeCandleRows?: ((body: string) => number[][] | null) | null;
  /** What that reader made of the answer, so the rows ccxt hands back can be told apart. */
  decodedRows?: number[][] | null;
}

const callCapture = new AsyncLocalStorage<CallCapture>();

function headerValue(response: unknown, name: string): unknown {
  const headers = (response as { headers?: unknown } | null)?.headers;
  if (headers === undefined || headers === null) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function')
    return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, unknown>)[name.toLowerCase()];
}

/**
 * Wraps three ccxt methods so each call of ours learns what ccxt would otherwise hide: every kline
 * row as sent (ccxt silently drops rows without a time), the Retry-After header of a refused
 * request, and a body that was not JSON at all. A candle answer is read by the exchange
 * profile's own reader when it has one (see decimal-rows.ts); ccxt parses everything else.
 */
function instrument(exchange: Exchange): void {
  const parseJson = exchange.parseJson.bind(exchange);
  exchange.parseJson = ((body: unknown) => {
    const capture = callCapture.getStore();
    if (capture?.decodeCandleRows && typeof body === 'string') {
      const rows = capture.decodeCandleRows(body);
      if (rows !== null) {
        capture.decodedRows = rows;
        return rows;
      }
    }
    return (parseJson as (body: unknown) => unknown)(body);
  }) as Exchange['parseJson'];
  const parseOHLCVs = exchange.parseOHLCVs.bind(exchange);
  exchange.parseOHLCVs = ((ohlcvs: unknown, market?: unknown, ...rest: unknown[]) => {
    const capture = callCapture.getStore();
    if (!capture?.candleRows)
      return (parseOHLCVs as (...args: unknown[]) => unknown)(ohlcvs, market, ...rest);
    if (!Array.isArray(ohlcvs)) {
      if (ohlcvs !== undefined && ohlcvs !== null) capture.malformed = 'the candle list is not an array';
      return [];
    }
    if (ohlcvs === capture.decodedRows && (market as { spot?: unknown } | undefined)?.spot === true) {
      // Rows of numbers already in ccxt's order for a spot market: ccxt's parseOHLCV would only
      // copy them, through a string per value.
      const rows = decodedCandleRows(ohlcvs as number[][], (raw) =>
        exchange.parseOHLCV(raw, market as Parameters<Exchange['parseOHLCV']>[1]),
      );
      for (const row of rows) capture.candleRows.push(row);
      return ohlcvs;
    }
    // Our caller reads the captured rows, not ccxt's sorted and filtered copy, so each row is parsed once.
    const parsedRows: unknown[] = [];
    for (const raw of ohlcvs) {
      let parsed: unknown;
      try {
        parsed = exchange.parseOHLCV(raw, market as Parameters<Exchange['parseOHLCV']>[1]);
      } catch {
        parsed = null;
      }
      capture.candleRows.push({ raw, parsed });
      parsedRows.push(parsed);
    }
    return parsedRows;
  }) as Exchange['parseOHLCVs'];
  const handleRestResponse = exchange.handleRestResponse.bind(exchange);
  exchange.handleRestResponse = ((response: unknown, ...rest: unknown[]) => {
    const capture = callCapture.getStore();
    if (capture) capture.retryAfterHeader = headerValue(response, 'retry-after');
    const result = (handleRestResponse as (...args: unknown[]) => unknown)(response, ...rest);
    return Promise.resolve(result).then((body) => {
      // ccxt hands back the raw text when it is not JSON; every market-data endpoint answers JSON.
      if (capture && typeof body === 'string') {
        capture.malformed = `the answer is not JSON: ${JSON.stringify(body.slice(0, 80))}`;
      }
      return body;
    });
  }) as Exchange['handleRestResponse'];
}

function decimalPlaces(value: unknown, precisionMode: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return null;
  // ccxt's TICK_SIZE mode (4) gives the step itself (0.01); the others give decimal places.
  if (precisionMode !== 4) return Number.isInteger(value) ? value : null;
  if (value === 0) return null;
  const text = value.toExponential();
  const [mantissa = '', exponentText = '0'] = text.split('e');
  const mantissaDecimals = mantissa.includes('.') ? mantissa.split('.')[1]!.length : 0;
  return Math.max(0, mantissaDecimals - Number(exponentText));
}

function marketType(market: { type?: unknown; spot?: unknown }): Market['type'] {
  const type = market.type;
  if (type === 'spot' || type === 'swap' || type === 'future' || type === 'option') return type;
  return market.spot === true ? 'spot' : 'other';
}

function isAborted(error: unknown): boolean {
  return error instanceof SourceAbortedError;
}

/**
 * A MarketDataSource over any ccxt exchange: `new ccxt[id]` for REST, `new ccxt.pro[id]` for
 * websockets (one websocket client per subscription, so one dropped stream never takes the
 * others down). ccxt errors leave it as typed Runecast errors.
 */
export class CcxtSource implements MarketDataSource {
  readonly exchange: string;
  readonly capabilities: SourceCapabilities;
  readonly simulated: boolean;
  readonly profile: ExchangeProfile;
  private readonly rest: Exchange;
  private readonly options: CcxtSourceOptions;
  private readonly counters: Omit<CcxtSourceStats, 'websocketConnections'> = {
    restCalls: 0,
    rateLimited: 0,
    transientErrors: 0,
    malformedResponses: 0,
    rejectedCandleRows: 0,
    rejectedTrades: 0,
    rejectedBookUpdates: 0,
    malformedStreamMessages: 0,
    outOfOrderStreamMessages: 0,
    streamErrors: 0,
  };
  private readonly websocketClients = new Set<Exchange>();
  /** A websocket client never connected, asked what ccxt can do; null without websocket support. */
  private readonly websocketFacts: Exchange | null;
  /** Shared connections by stream (`candles:1m`, `trades`, `book`), where ccxt watches many markets at once. */
  private readonly hubs = new Map<string, StreamHub>();
  /** Per shared candle client: what to run for a market after ccxt handled one of its updates. */
  private readonly candleHooks = new WeakMap<Exchange, Map<string, () => void>>();
  /** Websocket clients closed because a frame could not be parsed, with the reason. */
  private readonly corruptedStreams = new WeakMap<Exchange, string>();
  private marketsLoaded: Promise<void> | null = null;
  private clockOffsetMs: number | null = null;
  private clockReadAtMs = Number.NEGATIVE_INFINITY;
  private clockUnavailable = false;
  private closed = false;
  /** After a refusal with Retry-After, no request of this source goes out before this time. */
  private blockedUntilMs = 0;

  constructor(options: CcxtSourceOptions) {
    const restClass = isValidExchangeId(options.exchange)
      ? ccxtExchangeClass(options.exchange, 'rest')
      : undefined;
    if (restClass === undefined) {
      throw new UnsupportedError(
        `unknown exchange "${options.exchange}"; ccxt knows ${ccxtExchangeIds().length} exchanges, e.g. binance, kraken, coinbase`,
        { exchange: options.exchange },
      );
    }
    this.options = options;
    this.exchange = options.exchange;
    this.simulated = options.simulated ?? false;
    this.rest = this.createClient('rest');
    this.websocketFacts =
      ccxtExchangeClass(options.exchange, 'websocket') === undefined ? null : this.createClient('websocket');
    this.profile = exchangeProfile(this.rest);
    this.capabilities = buildCapabilities(this.rest, this.websocketFacts, this.profile);
  }

  /** Counters of rate limits, faults and rejected rows met so far. */
  stats(): CcxtSourceStats {
    return { ...this.counters, websocketConnections: this.websocketClients.size };
  }

  private createClient(kind: 'rest' | 'websocket'): Exchange {
    const Constructor = ccxtExchangeClass(this.exchange, kind);
    if (Constructor === undefined) {
      throw new UnsupportedError(`${this.exchange} has no websocket support in ccxt`, {
        exchange: this.exchange,
      });
    }
    const config: Record<string, unknown> = {
      ...this.emulatorConfig(),
      enableRateLimit: this.options.enableRateLimit ?? true,
      newUpdates: true,
    };
    if (this.options.timeoutMs !== undefined) config.timeout = this.options.timeoutMs;
    if (this.options.apiKey !== undefined) config.apiKey = this.options.apiKey;
    if (this.options.secret !== undefined) config.secret = this.options.secret;
    const client = new Constructor(config);
    this.options.configureExchange?.(client, kind);
    const onLog = this.options.onLog;
    client.log = (...args: unknown[]) => {
      const line = args.map((part) => (part instanceof Date ? part.toISOString() : String(part))).join(' ');
      onLog?.(line);
    };
    if (kind === 'rest') instrument(client);
    return client;
  }

  /**
   * A websocket client for one subscription. ccxt skips a frame it cannot parse (it only logs
   * it) and loses one whose handler throws; either way an update is gone. For candles that can
   * be a candle's last update, so the client is closed: the caller reconnects and fetches the
   * stretch over REST. For trades and books the loss is counted and the stream goes on.
   */
  private createStreamClient(stream: 'candles' | 'trades' | 'book'): Exchange {
    const client = this.createClient('websocket');
    const badFrame = (reason: string): void => {
      this.counters.malformedStreamMessages += 1;
      if (stream === 'trades') this.counters.rejectedTrades += 1;
      if (stream === 'book') this.counters.rejectedBookUpdates += 1;
      if (stream === 'candles' && !this.corruptedStreams.has(client)) {
        this.corruptedStreams.set(client, reason.slice(0, 300));
        void client.close().catch(() => undefined);
      }
    };
    const log = client.log.bind(client);
    client.log = (...args: unknown[]) => {
      if (args.some((part) => typeof part === 'string' && part.includes('JSON.parse'))) {
        badFrame('a frame was not valid JSON');
      }
      log(...args);
    };
    const handleMessage = (client.handleMessage as (...args: unknown[]) => unknown).bind(client);
    client.handleMessage = ((connection: unknown, message: unknown) => {
      // An unparsable JSON frame arrives here as its raw text; it was counted when ccxt logged it.
      if (typeof message === 'string' && /^\s*[[{]/.test(message)) return undefined;
      try {
        return handleMessage(connection, message);
      } catch (error) {
        badFrame(`a frame could not be handled: ${(error as Error).message}`);
        return undefined;
      }
    }) as Exchange['handleMessage'];
    this.websocketClients.add(client);
    return client;
  }

  /** ccxt constructor settings that point every URL of the exchange at the emulator. */
  private emulatorConfig(): Record<string, unknown> {
    const url = this.options.emulatorUrl;
    if (url === undefined) return {};
    if (!isEmulatedExchange(this.exchange)) {
      throw new UnsupportedError(`the exchange emulator speaks binance and kraken, not ${this.exchange}`, {
        exchange: this.exchange,
      });
    }
    try {
      return { ...emulatorOverrides(this.exchange, url) };
    } catch (error) {
      throw new ValidationError((error as Error).message, { emulatorUrl: url });
    }
  }

  /** Runs one REST call with the capture context, mapping its errors and honouring `signal`. */
  private async restCall<T>(
    operation: string,
    symbol: string | undefined,
    signal: AbortSignal | undefined,
    call: () => Promise<T>,
    capture: CallCapture = { candleRows: null, retryAfterHeader: undefined, malformed: null },
  ): Promise<T> {
    this.assertOpen();
    const waitMs = this.blockedUntilMs - Date.now();
    if (waitMs > 0) {
      // One refusal speaks for the whole API key or IP: every caller of this source waits it out.
      const wait = delay(waitMs, undefined, signal === undefined ? undefined : { signal }).catch(
        () => undefined,
      );
      await raceAbort(wait, signal, `${this.exchange} ${operation}`);
    }
    this.counters.restCalls += 1;
    try {
      const result = await raceAbort(callCapture.run(capture, call), signal, `${this.exchange} ${operation}`);
      if (capture.malformed !== null) {
        throw new MalformedResponseError(
          `${this.exchange} ${operation} got a malformed answer: ${capture.malformed}`,
          {
            exchange: this.exchange,
            operation,
          },
        );
      }
      return result;
    } catch (error) {
      const mapped =
        capture.malformed !== null && !isAborted(error) && !(error instanceof RunecastError)
          ? new MalformedResponseError(
              `${this.exchange} ${operation} got a malformed answer: ${capture.malformed} (${(error as Error).message})`,
              { exchange: this.exchange, operation },
            )
          : mapCcxtError(error, {
              exchange: this.exchange,
              operation,
              ...(symbol === undefined ? {} : { symbol }),
              retryAfterMs: parseRetryAfterMs(capture.retryAfterHeader),
            });
      this.count(mapped);
      throw mapped;
    }
  }

  private count(error: Error): void {
    if (error instanceof MalformedResponseError) this.counters.malformedResponses += 1;
    else if (error instanceof TransientSourceError) this.counters.transientErrors += 1;
    else if (error instanceof RateLimitedError) {
      this.counters.rateLimited += 1;
      if (error.retryAfterMs !== null) {
        this.blockedUntilMs = Math.max(this.blockedUntilMs, Date.now() + error.retryAfterMs);
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new SourceAbortedError(`${this.exchange} source is closed`);
  }

  private async ensureMarkets(signal?: AbortSignal): Promise<void> {
    this.marketsLoaded ??= this.restCall('loadMarkets', undefined, undefined, async () => {
      await this.rest.loadMarkets();
    }).catch((error: unknown) => {
      this.marketsLoaded = null;
      throw error;
    });
    await raceAbort(this.marketsLoaded, signal, `${this.exchange} loadMarkets`);
  }

  async loadMarkets(): Promise<Market[]> {
    await this.ensureMarkets();
    const addedAtMs = Date.now();
    const markets: Market[] = [];
    for (const market of Object.values(this.rest.markets ?? {})) {
      if (market === undefined || typeof market.symbol !== 'string' || !isValidSymbol(market.symbol))
        continue;
      if (typeof market.base !== 'string' || typeof market.quote !== 'string') continue;
      markets.push({
        exchange: this.exchange,
        symbol: market.symbol,
        base: market.base,
        quote: market.quote,
        type: marketType(market),
        active: market.active !== false,
        pricePrecision: decimalPlaces(market.precision?.price, this.rest.precisionMode),
        amountPrecision: decimalPlaces(market.precision?.amount, this.rest.precisionMode),
        addedAtMs,
      });
    }
    return markets.sort((left, right) => left.symbol.localeCompare(right.symbol));
  }

  private assertSymbol(symbol: string): void {
    if (!isValidSymbol(symbol)) {
      throw new ValidationError(`bad symbol "${symbol}" (want BASE/QUOTE in upper case, e.g. BTC/USDT)`, {
        symbol,
      });
    }
  }

  private assertTimeframe(timeframe: Timeframe): void {
    if (!this.capabilities.timeframes.includes(timeframe)) {
      throw new UnsupportedError(
        `${this.exchange} has no ${timeframe} candles (it has ${this.capabilities.timeframes.join(', ') || 'none'})`,
        { exchange: this.exchange, timeframe },
      );
    }
  }

  /**
   * The exchange's current time, from its clock endpoint (read again every `clockRefreshMs`),
   * or null when the exchange has none or it failed. Between reads the estimate runs on the
   * local clock, which can only lag an emulator running faster than real time: safe, because a
   * lagging clock marks fewer candles closed, never more.
   */
  async exchangeNowMs(signal?: AbortSignal): Promise<number | null> {
    const refreshMs = this.options.clockRefreshMs ?? 30_000;
    if (
      this.rest.has.fetchTime === true &&
      !this.clockUnavailable &&
      Date.now() - this.clockReadAtMs >= refreshMs
    ) {
      this.clockReadAtMs = Date.now();
      try {
        const serverMs = await this.restCall('fetchTime', undefined, signal, () => this.rest.fetchTime());
        const afterMs = Date.now();
        if (typeof serverMs === 'number' && Number.isSafeInteger(serverMs) && serverMs > 0) {
          // Anchored at the end of the round trip, so the estimate lags the exchange, never leads it.
          this.clockOffsetMs = serverMs - afterMs;
        }
      } catch (error) {
        if (isAborted(error)) throw error;
        if (error instanceof UnsupportedError || (error as RunecastError).code === 'exchange_error') {
          this.clockUnavailable = true;
        }
      }
    }
    return this.clockOffsetMs === null ? null : Date.now() + this.clockOffsetMs;
  }

  /** The estimate without asking the exchange again. */
  private cachedExchangeNowMs(): number | null {
    return this.clockOffsetMs === null ? null : Date.now() + this.clockOffsetMs;
  }

  async fetchCandlePage(params: FetchCandlesParams): Promise<CandlePage> {
    this.assertSymbol(params.symbol);
    this.assertTimeframe(params.timeframe);
    if (!Number.isSafeInteger(params.sinceMs) || params.sinceMs < 0) {
      throw new ValidationError(`sinceMs must be epoch milliseconds, got ${String(params.sinceMs)}`);
    }
    const limit = Math.min(params.limit ?? this.profile.candlePageLimit, this.profile.candlePageLimit);
    if (!Number.isSafeInteger(limit) || limit < 2) {
      throw new ValidationError(
        `candle page limit must be a whole number of at least 2, got ${String(params.limit)}`,
      );
    }
    await this.ensureMarkets(params.signal);
    let exchangeNowMs = await this.exchangeNowMs(params.signal);
    const capture: CallCapture = {
      candleRows: [],
      retryAfterHeader: undefined,
      malformed: null,
      decodeCandleRows: this.profile.decodeCandleRows,
      decodedRows: null,
    };
    const returned = await this.restCall(
      'fetchOHLCV',
      params.symbol,
      params.signal,
      () => this.rest.fetchOHLCV(params.symbol, params.timeframe, params.sinceMs, limit),
      capture,
    );
    // Exchanges whose ccxt code does not go through parseOHLCVs: fall back to what ccxt returned.
    const rows: CandleRow[] =
      capture.candleRows !== null && capture.candleRows.length > 0
        ? capture.candleRows
        : Array.isArray(returned)
          ? (returned as unknown[]).map((parsed) => ({ raw: parsed, parsed }))
          : [];
    if (exchangeNowMs === null && this.profile.candlePagination === 'window') {
      // A time window can only be proven against some clock; the local one must do, late by a candle.
      exchangeNowMs = Date.now() - timeframeMs(params.timeframe);
    }
    const page = buildCandlePage({
      exchange: this.exchange,
      symbol: params.symbol,
      timeframe: params.timeframe,
      sinceMs: params.sinceMs,
      limit,
      rows,
      profile: this.profile,
      exchangeNowMs,
      settleMs: this.options.settleMs ?? 2_000,
    });
    this.counters.rejectedCandleRows += page.rejected.length;
    return page;
  }

  async fetchCandles(params: FetchCandlesParams): Promise<Candle[]> {
    const { candles } = await this.fetchCandlePage(params);
    // Some exchanges (Kraken) answer a whole page whatever limit is asked; the caller asked for at most `limit`.
    return params.limit === undefined ? candles : candles.slice(0, params.limit);
  }

  async fetchTrades(params: FetchTradesParams): Promise<Trade[]> {
    this.assertSymbol(params.symbol);
    if (!this.capabilities.fetchTrades) throw new UnsupportedError(`${this.exchange} cannot fetch trades`);
    await this.ensureMarkets(params.signal);
    const trades = await this.restCall('fetchTrades', params.symbol, params.signal, () =>
      this.rest.fetchTrades(params.symbol, params.sinceMs, params.limit),
    );
    return this.toTrades(params.symbol, trades);
  }

  async fetchTopOfBook(params: { symbol: string; signal?: AbortSignal }): Promise<TopOfBook> {
    this.assertSymbol(params.symbol);
    if (!this.capabilities.fetchTopOfBook)
      throw new UnsupportedError(`${this.exchange} cannot fetch an order book`);
    await this.ensureMarkets(params.signal);
    const book = await this.restCall('fetchOrderBook', params.symbol, params.signal, () =>
      this.rest.fetchOrderBook(params.symbol, this.profile.orderBookLimit),
    );
    const top = this.toTopOfBook(params.symbol, book.bids?.[0], book.asks?.[0], book.timestamp);
    if (top === null) {
      throw new MalformedResponseError(
        `${this.exchange} order book of ${params.symbol} has no usable best bid and ask`,
      );
    }
    return top;
  }

  private toTrades(symbol: string, trades: readonly unknown[]): Trade[] {
    const converted = tradesFromCcxt(this.exchange, symbol, trades);
    this.counters.rejectedTrades += converted.rejected;
    return converted.trades;
  }

  private toTopOfBook(
    symbol: string,
    bid: readonly unknown[] | undefined,
    ask: readonly unknown[] | undefined,
    timestamp: unknown,
  ): TopOfBook | null {
    const [bidPrice, bidSize] = (bid ?? []) as unknown[];
    const [askPrice, askSize] = (ask ?? []) as unknown[];
    const positive = (value: unknown): value is number =>
      typeof value === 'number' && Number.isFinite(value) && value > 0;
    const nonNegative = (value: unknown): value is number =>
      typeof value === 'number' && Number.isFinite(value) && value >= 0;
    if (!positive(bidPrice) || !positive(askPrice) || !nonNegative(bidSize) || !nonNegative(askSize))
      return null;
    if (bidPrice > askPrice) return null;
    const timestampMs =
      typeof timestamp === 'number' && Number.isSafeInteger(timestamp) && timestamp > 0
        ? timestamp
        : Math.round(this.cachedExchangeNowMs() ?? Date.now());
    return { exchange: this.exchange, symbol, timestampMs, bidPrice, bidSize, askPrice, askSize };
  }

  private toStreamCandles(symbol: string, timeframe: Timeframe, rows: readonly unknown[]): Candle[] {
    const nowMs = this.cachedExchangeNowMs();
    const stepMs = timeframeMs(timeframe);
    const settleMs = this.options.settleMs ?? 2_000;
    const bySlot = new Map<number, Candle>();
    for (const row of rows) {
      const [openTimeMs, open, high, low, close, volume] = (Array.isArray(row) ? row : []) as number[];
      const candle: Candle = {
        exchange: this.exchange,
        symbol,
        timeframe,
        openTimeMs: openTimeMs as number,
        open: open as number,
        high: high as number,
        low: low as number,
        close: close as number,
        volume: volume as number,
        quoteVolume: null,
        tradeCount: null,
        // Only the clock can say a streamed candle is final; the stream itself keeps updating it.
        closed: nowMs !== null && (openTimeMs as number) + stepMs + settleMs <= nowMs,
      };
      try {
        assertValidCandle(candle);
      } catch (error) {
        if (!(error instanceof InvalidCandleError)) throw error;
        this.counters.rejectedCandleRows += 1;
        this.counters.malformedStreamMessages += 1;
        // Skipping it could leave a candle's last update unseen; ending the stream makes the
        // caller reconnect and fetch the stretch over REST instead.
        throw new MalformedResponseError(
          `${this.exchange} candle stream sent a bad candle: ${error.message}`,
          {
            exchange: this.exchange,
            symbol,
          },
        );
      }
      bySlot.set(candle.openTimeMs, candle);
    }
    return [...bySlot.values()].sort((left, right) => left.openTimeMs - right.openTimeMs);
  }

  /** The typed error a failed stream ends with (`symbol` names the market or markets). */
  private streamError(error: unknown, client: Exchange, operation: string, symbol: string): Error {
    this.counters.streamErrors += 1;
    const corruption = this.corruptedStreams.get(client);
    if (corruption !== undefined) {
      return new MalformedResponseError(
        `${this.exchange} ${operation} ${symbol} stream lost a frame: ${corruption}`,
        { exchange: this.exchange, operation, symbol },
      );
    }
    const mapped = mapCcxtError(error, { exchange: this.exchange, operation, symbol });
    if (mapped instanceof RunecastError) return mapped;
    // ccxt met a frame it could not handle; the stream cannot be trusted from here on.
    this.counters.malformedStreamMessages += 1;
    return new MalformedResponseError(
      `${this.exchange} ${operation} ${symbol} stream failed: ${mapped.message}`,
      {
        exchange: this.exchange,
        operation,
        symbol,
      },
    );
  }

  /**
   * The shared connections of one stream, or null where ccxt cannot watch many markets in one
   * call (or sharing is turned off): then every market's stream has a client of its own.
   */
  private hub(
    key: string,
    stream: 'candles' | 'trades' | 'book',
    operation: 'watchOHLCVForSymbols' | 'watchTradesForSymbols' | 'watchBidsAsks',
    subscribe: (client: Exchange, symbols: readonly string[]) => Promise<unknown>,
  ): StreamHub | null {
    const perConnection = this.options.marketsPerConnection ?? 200;
    if (perConnection <= 1 || this.websocketHas(operation) !== true) return null;
    let hub = this.hubs.get(key);
    if (hub === undefined) {
      hub = new StreamHub({
        createClient: () => {
          const client = this.createStreamClient(stream);
          // ccxt spreads Binance subscriptions over numbered streams (connections) by the list
          // of markets asked for; here each client is one connection and the hub spreads them.
          if (typeof (client as unknown as { stream?: unknown }).stream === 'function')
            (client as unknown as { stream: () => string }).stream = () => '0';
          (client.setMarkets as (markets: unknown, currencies?: unknown) => unknown)(
            this.rest.markets,
            this.rest.currencies,
          );
          return client;
        },
        subscribe,
        symbolsPerConnection: perConnection,
        subscribeIntervalMs: this.options.subscribeIntervalMs ?? 250,
        closeClient: async (client) => {
          this.websocketClients.delete(client);
          await client.close().catch(() => undefined);
        },
      });
      this.hubs.set(key, hub);
    }
    return hub;
  }

  private websocketHas(operation: string): boolean {
    return (this.websocketFacts?.has as Record<string, unknown> | undefined)?.[operation] === true;
  }

  /**
   * Repeats one ccxt watch call on a websocket client of its own (or on a connection `shared`
   * with other markets) until `signal` aborts. Errors (a dropped connection, a frame ccxt could
   * not handle) end the iteration as typed errors; the caller reconnects by watching again.
   */
  private async *watchLoop<Raw, Item>(
    stream: 'candles' | 'trades' | 'book',
    operation: string,
    params: WatchParams,
    watch: (client: Exchange) => Promise<Raw>,
    convert: (raw: Raw, client: Exchange) => Item | null,
    prepare?: (client: Exchange) => (() => void) | void,
    shared?: StreamHub | null,
  ): AsyncGenerator<Item> {
    this.assertSymbol(params.symbol);
    await this.ensureMarkets(params.signal);
    let slot: HubSlot | null = null;
    let client: Exchange;
    if (shared) {
      slot = await raceAbort(
        shared.join(params.symbol),
        params.signal,
        `${this.exchange} ${operation}`,
      ).catch((error: unknown) => {
        if (params.signal.aborted && isAborted(error)) return null;
        throw error;
      });
      if (slot === null) return;
      client = slot.client;
    } else {
      client = this.createStreamClient(stream);
      (client.setMarkets as (markets: unknown, currencies?: unknown) => unknown)(
        this.rest.markets,
        this.rest.currencies,
      );
    }
    const unprepare = prepare?.(client);
    let failed = false;
    try {
      while (!params.signal.aborted) {
        let raw: Raw;
        try {
          raw = await raceAbort(watch(client), params.signal, `${this.exchange} ${operation}`);
        } catch (error) {
          if (params.signal.aborted && isAborted(error)) return;
          failed = true;
          throw this.streamError(error, client, operation, params.symbol);
        }
        // A frame lost since the last read makes everything after it suspect, this answer included.
        if (this.corruptedStreams.has(client)) {
          failed = true;
          this.counters.streamErrors += 1;
          throw new MalformedResponseError(
            `${this.exchange} ${operation} ${params.symbol} stream lost a frame: ${this.corruptedStreams.get(client)}`,
            { exchange: this.exchange, operation, symbol: params.symbol },
          );
        }
        const item = convert(raw, client);
        if (item !== null) yield item;
      }
    } finally {
      if (typeof unprepare === 'function') unprepare();
      if (slot !== null) {
        slot.release(failed);
      } else {
        this.websocketClients.delete(client);
        await client.close().catch(() => undefined);
      }
    }
  }

  watchCandles(params: WatchParams): AsyncIterable<Candle[]> {
    const timeframe = params.timeframe;
    if (timeframe === undefined) throw new ValidationError('watchCandles needs a timeframe');
    this.assertTimeframe(timeframe);
    if (!this.capabilities.watchCandles) throw new UnsupportedError(`${this.exchange} has no candle stream`);
    // ccxt keeps one row per open time and hands over only the rows changed since the last
    // call, so an older update arriving late can overwrite a newer one unseen. Each update is
    // read as it lands instead, and the fullest version (volume only grows) is kept.
    const fullest = new Map<number, readonly unknown[]>();
    const lastSeen = new Map<number, string>();
    let newestOpenTimeMs = Number.NEGATIVE_INFINITY;
    const readUpdate = (client: Exchange): void => {
      const rows = (client.ohlcvs as Record<string, Record<string, unknown[][]> | undefined>)[
        params.symbol
      ]?.[timeframe];
      if (!Array.isArray(rows)) return;
      for (const row of rows.slice(-3)) {
        if (!Array.isArray(row) || typeof row[0] !== 'number') continue;
        const openTimeMs = row[0];
        const text = JSON.stringify(row);
        const changed = lastSeen.get(openTimeMs) !== text;
        lastSeen.set(openTimeMs, text);
        const seen = fullest.get(openTimeMs);
        const stale = seen !== undefined && (row[5] as number) < (seen[5] as number);
        if (changed && (openTimeMs < newestOpenTimeMs || stale)) this.counters.outOfOrderStreamMessages += 1;
        newestOpenTimeMs = Math.max(newestOpenTimeMs, openTimeMs);
        rememberFullest(fullest, row);
      }
      if (lastSeen.size > 64) lastSeen.delete(Math.min(...lastSeen.keys()));
    };
    const convert = (rows: unknown): Candle[] | null => {
      const fuller = (rows as unknown[]).map((row) => {
        const seen = Array.isArray(row) ? fullest.get(row[0] as number) : undefined;
        return seen !== undefined && (seen[5] as number) > ((row as unknown[])[5] as number) ? seen : row;
      });
      const candles = this.toStreamCandles(params.symbol, timeframe, fuller);
      return candles.length > 0 ? candles : null;
    };
    const shared = this.hub(`candles:${timeframe}`, 'candles', 'watchOHLCVForSymbols', (client, symbols) =>
      client.watchOHLCVForSymbols(symbols.map((symbol) => [symbol, timeframe])),
    );
    return this.watchLoop(
      'candles',
      'watchOHLCV',
      params,
      (client) => client.watchOHLCV(params.symbol, timeframe),
      (rows) => convert(rows),
      (client) => {
        this.hookCandleUpdates(client);
        const hooks = this.candleHooks.get(client);
        const hook = (): void => readUpdate(client);
        hooks?.set(params.symbol, hook);
        return () => {
          if (hooks?.get(params.symbol) === hook) hooks.delete(params.symbol);
        };
      },
      shared,
    );
  }

  /**
   * Runs the hook of a market after ccxt handled each candle update of the client. Binance names
   * the market in the update; where it is not found every market's hook runs.
   */
  private hookCandleUpdates(client: Exchange): void {
    const handleOHLCV = (client as unknown as Record<string, unknown>).handleOHLCV;
    if (typeof handleOHLCV !== 'function' || this.candleHooks.has(client)) return;
    const hooks = new Map<string, () => void>();
    this.candleHooks.set(client, hooks);
    (client as unknown as Record<string, unknown>).handleOHLCV = (...args: unknown[]) => {
      const result: unknown = handleOHLCV.apply(client, args);
      const marketId = (args[1] as { k?: { s?: unknown } } | undefined)?.k?.s;
      const symbol =
        typeof marketId === 'string' && hooks.size > 1
          ? (
              client.safeSymbol as (
                id: string,
                market?: unknown,
                delimiter?: unknown,
                type?: string,
              ) => string
            )(marketId, undefined, undefined, 'spot')
          : undefined;
      const hook = symbol === undefined ? undefined : hooks.get(symbol);
      if (hook !== undefined) hook();
      else for (const each of hooks.values()) each();
      return result;
    };
  }

  watchTrades(params: WatchParams): AsyncIterable<Trade[]> {
    if (!this.capabilities.watchTrades) throw new UnsupportedError(`${this.exchange} has no trade stream`);
    const convert = (trades: unknown): Trade[] | null => {
      const valid = this.toTrades(params.symbol, trades as unknown[]);
      return valid.length > 0 ? valid : null;
    };
    const shared = this.hub('trades', 'trades', 'watchTradesForSymbols', (client, symbols) =>
      client.watchTradesForSymbols([...symbols]),
    );
    return this.watchLoop(
      'trades',
      'watchTrades',
      params,
      (client) => client.watchTrades(params.symbol),
      (trades) => convert(trades),
      undefined,
      shared,
    );
  }

  watchTopOfBook(params: WatchParams): AsyncIterable<TopOfBook> {
    if (!this.capabilities.watchTopOfBook)
      throw new UnsupportedError(`${this.exchange} has no top-of-book stream`);
    if (this.profile.topOfBookStream === 'watchBidsAsks') {
      const convert = (raw: unknown): TopOfBook | null => {
        const ticker = raw as Record<string, unknown> | undefined;
        if (ticker === undefined) return null;
        const top = this.toTopOfBook(
          params.symbol,
          [ticker.bid, ticker.bidVolume],
          [ticker.ask, ticker.askVolume],
          ticker.timestamp,
        );
        if (top === null) this.counters.rejectedBookUpdates += 1;
        return top;
      };
      const shared = this.hub('book', 'book', 'watchBidsAsks', (client, symbols) =>
        client.watchBidsAsks([...symbols]),
      );
      return this.watchLoop(
        'book',
        'watchBidsAsks',
        params,
        (client) => client.watchBidsAsks([params.symbol]),
        (tickers) => convert((tickers as unknown as Record<string, unknown>)[params.symbol]),
        undefined,
        shared,
      );
    }
    return this.watchLoop(
      'book',
      'watchOrderBook',
      params,
      (client) => client.watchOrderBook(params.symbol, this.profile.orderBookLimit),
      (book) => {
        const top = this.toTopOfBook(params.symbol, book.bids?.[0], book.asks?.[0], book.timestamp);
        if (top === null) this.counters.rejectedBookUpdates += 1;
        return top;
      },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const hub of this.hubs.values()) hub.close();
    this.hubs.clear();
    const clients = [...this.websocketClients];
    this.websocketClients.clear();
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    await this.rest.close().catch(() => undefined);
  }
}

/** Keeps, per open time, the streamed row with the most volume; forgets all but the newest 64. */
function rememberFullest(fullest: Map<number, readonly unknown[]>, row: unknown): void {
  if (!Array.isArray(row) || row.length < 6) return;
  const [openTimeMs, open, high, low, close, volume] = row as number[];
  const finite = [open, high, low, close, volume].every(
    (value) => typeof value === 'number' && Number.isFinite(value),
  );
  // Only a plausible row may win; a corrupt one is left for validation to reject.
  if (!Number.isSafeInteger(openTimeMs) || !finite || volume! < 0 || high! < low!) return;
  const seen = fullest.get(openTimeMs!);
  if (seen === undefined || volume! > (seen[5] as number)) fullest.set(openTimeMs!, [...row]);
  if (fullest.size > 64) fullest.delete(Math.min(...fullest.keys()));
}

/** Resolves or rejects like `promise`, or rejects with SourceAbortedError as soon as `signal` aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new SourceAbortedError(`${what} aborted`));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => undefined);
      reject(new SourceAbortedError(`${what} aborted`));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
