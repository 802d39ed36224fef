import {
  maxCandlesPerBatch,
  maxTradesPerBatch,
  toCandleColumns,
  type CandleBatchMessage,
  type DataSource,
  type IngestFaultMessage,
  type SourceStateMessage,
  type TopOfBookMessage,
  type TradeBatchMessage,
} from '@runecast/contracts';
import type { IngestFaultListener } from './fault-reporter.ts';
import type { Bus } from '../bus/bus.port.ts';
import { bookTopic, candlesTopic, ingestFaultsTopic, sourceStateTopic, tradesTopic } from '../bus/topics.ts';
import {
  BadSymbolError,
  type Candle,
  type Clock,
  formatSeriesKey,
  RateLimitedError,
  systemClock,
  type SeriesKey,
  type Timeframe,
  timeframeMs,
  type TimeRange,
  type TopOfBook,
  type Trade,
  TransientSourceError,
  UnsupportedError,
  ValidationError,
} from '@runecast/market';
import type { MarketDataSource } from '../sources/market-data-source.port.ts';
import type { TopOfBookRepository, TradeRepository } from '../store/store.port.ts';
import { backoffDelayMs, sleep, type BackoffPolicy } from './backoff.ts';
import { BackfillService, type BackfillStore } from './backfill.service.ts';
import { StreamCandleTracker } from './stream-candle-tracker.ts';

/** One market whose candles (of one timeframe), trades and top of book are ingested live. */
export interface TrackedMarket {
  symbol: string;
  timeframe: Timeframe;
  /** Start of the history kept for this series; every (re)connect repairs the ledger from here. */
  sinceMs: number;
}

export interface LiveStore extends BackfillStore {
  trades: Pick<TradeRepository, 'insertTrades'>;
  topOfBook: Pick<TopOfBookRepository, 'insertSamples'>;
}

export type StreamKind = 'candles' | 'trades' | 'book';

export type LiveEvent =
  | { type: 'connected'; stream: StreamKind; symbol: string }
  | {
      type: 'disconnected';
      stream: StreamKind;
      symbol: string;
      error: Error;
      attempt: number;
      retryInMs: number;
    }
  | { type: 'stopped'; stream: StreamKind; symbol: string; error: Error }
  /** The REST repair up to the stream's first candle is done: streamed candles are written from here. */
  | { type: 'trusted'; series: SeriesKey; fromMs: number }
  | { type: 'candles-written'; series: SeriesKey; candles: readonly Candle[] }
  | { type: 'fault'; kind: string; message: string; series: SeriesKey | null };

export interface LiveIngestionOptions {
  source: MarketDataSource;
  store: LiveStore;
  bus?: Bus;
  markets: readonly TrackedMarket[];
  /** Used for every REST repair; made from source, store and bus when absent. */
  backfill?: BackfillService;
  /** Which streams to run; each defaults to what the source can do. */
  streams?: Partial<Record<StreamKind, boolean>>;
  reconnectBackoff?: BackoffPolicy;
  /** A connection that stayed up this long starts the next outage's backoff from the beginning. */
  stableConnectionMs?: number;
  /** See StreamCandleTracker. */
  closeConfirmations?: number;
  /** Top of book is stored at least this often per market (the sampled value is the latest seen). */
  bookSampleIntervalMs?: number;
  /** Shortest spacing of top-of-book messages on the bus per market. */
  bookPublishIntervalMs?: number;
  /** Shortest spacing of in-progress candle messages on the bus per series. */
  openCandlePublishIntervalMs?: number;
  /** For exchanges without a candle stream: how often candles are polled over REST. */
  pollIntervalMs?: number;
  /** Label of the data on the bus, e.g. `ccxt:binance` or `emulator:replay`. */
  dataLabel?: string;
  onEvent?: (event: LiveEvent) => void;
  /**
   * Told when the bus refuses a message. The data is stored by then (the store is the truth),
   * so the failure is counted in `publishFailures`, told here, and never stops ingestion.
   */
  onPublishError?: (error: unknown, family: string) => void;
  /** Where time comes from (default the wall clock). */
  clock?: Clock;
  /** Told of every exchange fault and retry (streams and REST repairs) and of each recovery. */
  faults?: IngestFaultListener;
  /**
   * Runs each market's first backfill (default: at once). One limiter shared by the services of
   * an exchange keeps many markets starting together from flooding the store's connections,
   * which the streams' writes and the lease renewals need as well.
   */
  catchUpLimit?: <T>(task: () => Promise<T>) => Promise<T>;
}

/** Counters of one live ingestion; they only grow. */
export interface LiveStats {
  reconnects: number;
  /** By kind: `rate_limited`, `transient`, `malformed_response`, `disconnected`, `repair_failed`, … */
  faults: Record<string, number>;
  /** Messages that could not be used: malformed frames, invalid candles, trades or books. */
  badMessages: number;
  duplicateMessages: number;
  outOfOrderMessages: number;
  candlesWritten: number;
  tradesWritten: number;
  bookSamplesWritten: number;
  /** REST fetches of stretches the stream skipped or got wrong, and of the gap at each (re)connect. */
  gapRepairs: number;
  corrections: number;
  /** REST fetches confirming candles the stream finalized (the exchange's REST answer wins). */
  restConfirmations: number;
  /** Bus messages the bus refused after the data was stored. */
  publishFailures: number;
  /** When the last of them happened (null when none did). */
  lastPublishFailureAtMs: number | null;
}

/** Counters of a service that has done nothing yet. */
export function emptyLiveStats(): LiveStats {
  return {
    reconnects: 0,
    faults: {},
    badMessages: 0,
    duplicateMessages: 0,
    outOfOrderMessages: 0,
    candlesWritten: 0,
    tradesWritten: 0,
    bookSamplesWritten: 0,
    gapRepairs: 0,
    corrections: 0,
    restConfirmations: 0,
    publishFailures: 0,
    lastPublishFailureAtMs: null,
  };
}

const DEFAULT_RECONNECT_BACKOFF: BackoffPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitterRatio: 0.5,
};

function faultKindOf(error: unknown): string {
  if (error instanceof RateLimitedError) return 'rate_limited';
  if (error instanceof TransientSourceError) {
    return error.details?.fault === 'malformed_response' ? 'malformed_response' : 'disconnected';
  }
  return 'stream_failed';
}

/** Errors no reconnect can cure: the market or stream does not exist. */
function isPermanent(error: unknown): boolean {
  return (
    error instanceof BadSymbolError || error instanceof UnsupportedError || error instanceof ValidationError
  );
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

/** Bounded memory of recently seen ids, so a repeated trade is dropped without growing forever. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}

  /** True when `id` is new (and remembers it). */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
    }
    return true;
  }
}

/**
 * Streams candles, trades and top of book of every tracked market and writes them, gap-free:
 * history is backfilled over REST from the start, without waiting for the stream; on every
 * connect the ledger is repaired over REST up to the stream's first candle before any
 * streamed candle is written; streamed candles are written once final (see
 * StreamCandleTracker), stretches the stream skipped are fetched over REST, and each stream
 * reconnects on its own with exponential backoff and jitter. Stops cleanly when the signal aborts.
 */
export class LiveIngestionService {
  private readonly source: MarketDataSource;
  private readonly store: LiveStore;
  private readonly bus: Bus | undefined;
  private readonly backfill: BackfillService;
  private readonly options: LiveIngestionOptions;
  private readonly dataSource: DataSource;
  private readonly serialTasks = new Map<string, Promise<unknown>>();
  private readonly counters: LiveStats = emptyLiveStats();
  private running = false;

  constructor(options: LiveIngestionOptions) {
    this.options = options;
    this.source = options.source;
    this.store = options.store;
    this.bus = options.bus;
    this.backfill =
      options.backfill ??
      new BackfillService({
        source: options.source,
        store: options.store,
        ...(options.bus === undefined ? {} : { bus: options.bus }),
        ...(options.faults === undefined ? {} : { faults: options.faults }),
      });
    this.dataSource = {
      label: options.dataLabel ?? `ccxt:${options.source.exchange}`,
      simulated: options.source.simulated,
    };
    for (const market of options.markets) {
      if (!options.source.capabilities.timeframes.includes(market.timeframe)) {
        throw new UnsupportedError(
          `${options.source.exchange} has no ${market.timeframe} candles for ${market.symbol}`,
        );
      }
      if (!Number.isSafeInteger(market.sinceMs) || market.sinceMs < 0) {
        throw new ValidationError(`tracked market ${market.symbol}: sinceMs must be epoch milliseconds`);
      }
    }
  }

  stats(): LiveStats {
    return { ...this.counters, faults: { ...this.counters.faults } };
  }

  /** Runs every stream until `signal` aborts; resolves once all of them have stopped and written. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new ValidationError('this live ingestion is already running');
    this.running = true;
    const capabilities = this.source.capabilities;
    const wanted = (kind: StreamKind, capable: boolean): boolean =>
      (this.options.streams?.[kind] ?? true) && capable;
    const loops: Promise<void>[] = [];
    for (const market of this.options.markets) {
      if (wanted('candles', capabilities.fetchCandles || capabilities.watchCandles)) {
        loops.push(
          capabilities.watchCandles ? this.streamCandles(market, signal) : this.pollCandles(market, signal),
        );
      }
      if (wanted('trades', capabilities.watchTrades)) loops.push(this.streamTrades(market.symbol, signal));
      if (wanted('book', capabilities.watchTopOfBook)) loops.push(this.streamBook(market.symbol, signal));
    }
    try {
      await Promise.all(loops);
    } finally {
      await Promise.allSettled([...this.serialTasks.values()]);
      this.running = false;
    }
  }

  private emit(event: LiveEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's bug must not stop ingestion.
    }
  }

  /** Runs tasks of one key one after another (writes and repairs of one series never interleave). */
  private serial<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.serialTasks.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    this.serialTasks.set(key, settled);
    void settled.then(() => {
      if (this.serialTasks.get(key) === settled) this.serialTasks.delete(key);
    });
    return next;
  }

  private now(): number {
    return (this.options.clock ?? systemClock).now();
  }

  /** Counts and tells a refused publish; the message's data is already in the store. */
  private publishFailed(error: unknown, family: string): void {
    this.counters.publishFailures += 1;
    this.counters.lastPublishFailureAtMs = this.now();
    try {
      this.options.onPublishError?.(error, family);
    } catch {
      // A listener's bug must not stop ingestion; the failure is counted above.
    }
  }

  private async fault(
    kind: string,
    message: string,
    series: SeriesKey | null,
    source: string,
    retrying = true,
  ): Promise<void> {
    this.counters.faults[kind] = (this.counters.faults[kind] ?? 0) + 1;
    this.emit({ type: 'fault', kind, message, series });
    try {
      this.options.faults?.fault({
        exchange: this.source.exchange,
        kind,
        source,
        message,
        series: series === null ? null : formatSeriesKey(series),
        retrying,
      });
    } catch {
      // A listener's bug must not stop ingestion; the fault is counted above.
    }
    if (!this.bus) return;
    const payload: IngestFaultMessage = {
      exchange: this.source.exchange,
      source,
      kind,
      message: message.slice(0, 2000) || kind,
      count: 1,
      series: series === null ? null : formatSeriesKey(series),
      atMs: this.now(),
    };
    await this.bus
      .publish(ingestFaultsTopic(this.source.exchange), payload)
      .catch((error: unknown) => this.publishFailed(error, 'ingest.faults'));
  }

  private async publishState(
    state: SourceStateMessage['state'],
    attempt: number,
    reason: string | null,
  ): Promise<void> {
    if (!this.bus) return;
    const payload: SourceStateMessage = {
      exchange: this.source.exchange,
      state,
      attempt,
      reason: reason === null ? null : reason.slice(0, 2000),
      atMs: this.now(),
    };
    await this.bus
      .publish(sourceStateTopic(this.source.exchange), payload)
      .catch((error: unknown) => this.publishFailed(error, 'source.state'));
  }

  /**
   * Keeps one stream alive: runs `consume` and, when it fails, waits with backoff and runs it
   * again. A connection that stayed up `stableConnectionMs` restarts the backoff.
   */
  private async keepAlive(
    stream: StreamKind,
    symbol: string,
    signal: AbortSignal,
    consume: (connectionSignal: AbortSignal, onConnected: () => void) => Promise<void>,
  ): Promise<void> {
    const policy = this.options.reconnectBackoff ?? DEFAULT_RECONNECT_BACKOFF;
    const stableMs = this.options.stableConnectionMs ?? 30_000;
    let attempt = 0;
    while (!signal.aborted) {
      const connection = new AbortController();
      const stop = (): void => connection.abort();
      signal.addEventListener('abort', stop, { once: true });
      let connectedAtMs: number | null = null;
      const onConnected = (): void => {
        if (connectedAtMs !== null) return;
        connectedAtMs = this.now();
        this.emit({ type: 'connected', stream, symbol });
        try {
          this.options.faults?.recovered({ exchange: this.source.exchange, source: `live:${stream}` });
        } catch {
          // A listener's bug must not stop ingestion.
        }
        void this.publishState('connected', 0, null);
      };
      let failure: Error | null = null;
      try {
        await consume(connection.signal, onConnected);
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      } finally {
        signal.removeEventListener('abort', stop);
        connection.abort();
      }
      if (signal.aborted) return;
      failure ??= new TransientSourceError(`${this.source.exchange} ${stream} stream of ${symbol} ended`);
      if (isPermanent(failure)) {
        await this.fault('stream_failed', failure.message, null, `live:${stream}`, false);
        this.emit({ type: 'stopped', stream, symbol, error: failure });
        return;
      }
      const kind = faultKindOf(failure);
      if (kind === 'malformed_response') this.counters.badMessages += 1;
      await this.fault(kind, failure.message, null, `live:${stream}`);
      attempt = connectedAtMs !== null && this.now() - connectedAtMs >= stableMs ? 1 : attempt + 1;
      const retryInMs = backoffDelayMs(policy, attempt);
      this.counters.reconnects += 1;
      this.emit({ type: 'disconnected', stream, symbol, error: failure, attempt, retryInMs });
      await this.publishState('reconnecting', attempt, failure.message);
      try {
        await sleep(retryInMs, signal);
      } catch {
        return;
      }
    }
  }

  private seriesOf(market: TrackedMarket): SeriesKey {
    return { exchange: this.source.exchange, symbol: market.symbol, timeframe: market.timeframe };
  }

  /**
   * Backfills the series up to the exchange's open candle at once, in the series' queue, without
   * waiting for the stream: subscribing can take a while with many markets, and the history is
   * there to fetch meanwhile. The stream's own repair at its first candle then finds only the
   * few candles closed since; if this fails, that repair fetches the whole stretch.
   */
  private catchUp(market: TrackedMarket, signal: AbortSignal): void {
    const series = this.seriesOf(market);
    this.counters.gapRepairs += 1;
    const limit = this.options.catchUpLimit ?? ((task) => task());
    this.serial(formatSeriesKey(series), () =>
      limit(() => {
        if (signal.aborted) return Promise.resolve(null);
        return this.backfill.backfill({
          series,
          sinceMs: market.sinceMs,
          signal,
          onCandlesWritten: (candles) => this.afterRestWrite(series, candles),
        });
      }),
    ).catch(async (error: unknown) => {
      if (signal.aborted) return;
      await this.fault(faultKindOf(error), (error as Error).message, series, 'live:candles');
    });
  }

  private streamCandles(market: TrackedMarket, signal: AbortSignal): Promise<void> {
    const series = this.seriesOf(market);
    const key = formatSeriesKey(series);
    if (this.source.capabilities.fetchCandles) this.catchUp(market, signal);
    return this.keepAlive('candles', market.symbol, signal, async (connectionSignal, onConnected) => {
      let tracker: StreamCandleTracker | null = null;
      const repair: { state: 'running' | 'done' | 'failed'; error: unknown } = {
        state: 'running',
        error: null,
      };
      let buffered: Candle[][] = [];
      let lastOpenPublishMs = Number.NEGATIVE_INFINITY;
      const stream = this.source.watchCandles({
        symbol: market.symbol,
        timeframe: market.timeframe,
        signal: connectionSignal,
      });
      for await (const batch of stream) {
        onConnected();
        if (tracker === null) {
          // The first streamed candle is the exchange's current one: everything before it must
          // come over REST before the stream's candles are trusted.
          const firstStreamedMs = Math.max(...batch.map((candle) => candle.openTimeMs));
          tracker = new StreamCandleTracker({
            timeframe: market.timeframe,
            startMs: firstStreamedMs,
            ...(this.options.closeConfirmations === undefined
              ? {}
              : { confirmations: this.options.closeConfirmations }),
          });
          this.counters.gapRepairs += 1;
          this.serial(key, () =>
            this.backfill.backfill({
              series,
              sinceMs: Math.min(market.sinceMs, firstStreamedMs),
              untilMs: firstStreamedMs,
              closedBeforeMs: firstStreamedMs,
              signal: connectionSignal,
              onCandlesWritten: (candles) => this.afterRestWrite(series, candles),
            }),
          ).then(
            () => {
              repair.state = 'done';
              this.emit({ type: 'trusted', series, fromMs: firstStreamedMs });
            },
            (error: unknown) => {
              repair.state = 'failed';
              repair.error = error;
            },
          );
        }
        if (repair.state === 'failed') {
          throw repair.error instanceof Error ? repair.error : new Error(String(repair.error));
        }
        buffered.push(batch);
        if (repair.state !== 'done') continue;
        const ready = buffered;
        buffered = [];
        for (const pending of ready) {
          const update = tracker.accept(pending);
          this.counters.duplicateMessages += update.duplicates;
          this.counters.outOfOrderMessages += update.outOfOrder;
          if (update.finalized.length > 0) {
            const finalized = update.finalized;
            await this.serial(key, () => this.writeStreamCandles(series, finalized));
            this.scheduleConfirmation(series, finalized);
          }
          for (const skipped of update.skipped) this.scheduleRepair(series, skipped, false, connectionSignal);
          for (const openTimeMs of update.corrections) {
            this.counters.corrections += 1;
            const stepMs = timeframeMs(series.timeframe);
            this.scheduleRepair(
              series,
              { startMs: openTimeMs, endMs: openTimeMs + stepMs },
              true,
              connectionSignal,
            );
          }
          const openIntervalMs = this.options.openCandlePublishIntervalMs ?? 1_000;
          if (update.current !== null && this.now() - lastOpenPublishMs >= openIntervalMs) {
            lastOpenPublishMs = this.now();
            await this.publishCandles(series, [update.current]);
          }
        }
      }
    });
  }

  /** Fetches a stretch over REST in the series' queue, without holding up the stream. */
  private scheduleRepair(series: SeriesKey, range: TimeRange, refetch: boolean, signal: AbortSignal): void {
    this.counters.gapRepairs += 1;
    this.serial(formatSeriesKey(series), () =>
      this.backfill.backfill({
        series,
        sinceMs: range.startMs,
        untilMs: range.endMs,
        closedBeforeMs: range.endMs,
        refetch,
        signal,
        onCandlesWritten: (candles) => this.afterRestWrite(series, candles),
      }),
    ).catch(async (error: unknown) => {
      if (signal.aborted) return;
      // The stretch stays missing in the ledger; the next (re)connect repairs it.
      await this.fault('repair_failed', (error as Error).message, series, 'live:candles');
    });
  }

  /**
   * Fetches candles the stream just finalized again over REST (one request per batch, about one
   * a minute per market). A stream can lose or reorder the last update of a candle, and nothing
   * in it says so; the REST answer replaces the streamed version when they differ. Not tied to
   * the connection's signal, so a stop waits for it rather than leaving a streamed guess behind.
   */
  private scheduleConfirmation(series: SeriesKey, finalized: readonly Candle[]): void {
    const first = finalized[0];
    const last = finalized.at(-1);
    if (first === undefined || last === undefined) return;
    const endMs = last.openTimeMs + timeframeMs(series.timeframe);
    this.counters.restConfirmations += 1;
    this.serial(formatSeriesKey(series), () =>
      this.backfill.backfill({
        series,
        sinceMs: first.openTimeMs,
        untilMs: endMs,
        closedBeforeMs: endMs,
        refetch: true,
        onCandlesWritten: (candles) => this.afterRestWrite(series, candles),
      }),
    ).catch(async (error: unknown) => {
      await this.fault('confirmation_failed', (error as Error).message, series, 'live:candles');
    });
  }

  private async afterRestWrite(series: SeriesKey, candles: readonly Candle[]): Promise<void> {
    this.counters.candlesWritten += candles.length;
    this.emit({ type: 'candles-written', series, candles });
    await this.publishCandles(series, candles);
  }

  private async writeStreamCandles(series: SeriesKey, candles: readonly Candle[]): Promise<void> {
    await this.store.candles.upsertCandles(candles);
    const stepMs = timeframeMs(series.timeframe);
    // One ledger entry per run of consecutive candles; the stream proves nothing between runs.
    let runStart = 0;
    for (let index = 1; index <= candles.length; index += 1) {
      const previous = candles[index - 1]!;
      const current = candles[index];
      if (current !== undefined && current.openTimeMs === previous.openTimeMs + stepMs) continue;
      const run = candles.slice(runStart, index);
      await this.store.coverage.markFetched(
        series,
        { startMs: run[0]!.openTimeMs, endMs: previous.openTimeMs + stepMs },
        run.map((candle) => candle.openTimeMs),
      );
      runStart = index;
    }
    this.counters.candlesWritten += candles.length;
    this.emit({ type: 'candles-written', series, candles });
    await this.publishCandles(series, candles);
  }

  private async publishCandles(series: SeriesKey, candles: readonly Candle[]): Promise<void> {
    if (!this.bus || candles.length === 0) return;
    for (const part of chunk(candles, maxCandlesPerBatch)) {
      const payload: CandleBatchMessage = {
        exchange: series.exchange,
        symbol: series.symbol,
        timeframe: series.timeframe,
        candles: toCandleColumns(part),
        source: this.dataSource,
      };
      await this.bus
        .publish(candlesTopic(series), payload)
        .catch((error: unknown) => this.publishFailed(error, 'data.candles'));
    }
  }

  /** Exchanges without a candle stream: REST backfill up to the open candle, again and again. */
  private async pollCandles(market: TrackedMarket, signal: AbortSignal): Promise<void> {
    const series = this.seriesOf(market);
    const intervalMs = this.options.pollIntervalMs ?? Math.min(30_000, timeframeMs(market.timeframe) / 2);
    let trusted = false;
    while (!signal.aborted) {
      try {
        await this.serial(formatSeriesKey(series), () =>
          this.backfill.backfill({
            series,
            sinceMs: market.sinceMs,
            signal,
            onCandlesWritten: (candles) => this.afterRestWrite(series, candles),
          }),
        );
        if (!trusted) {
          trusted = true;
          this.emit({ type: 'trusted', series, fromMs: market.sinceMs });
        }
      } catch (error) {
        if (signal.aborted) return;
        await this.fault(faultKindOf(error), (error as Error).message, series, 'live:candles');
        if (isPermanent(error)) return;
      }
      try {
        await sleep(intervalMs, signal);
      } catch {
        return;
      }
    }
  }

  private streamTrades(symbol: string, signal: AbortSignal): Promise<void> {
    const recent = new RecentIds(50_000);
    return this.keepAlive('trades', symbol, signal, async (connectionSignal, onConnected) => {
      for await (const trades of this.source.watchTrades({ symbol, signal: connectionSignal })) {
        onConnected();
        const fresh = trades.filter((trade) => recent.add(trade.tradeId));
        this.counters.duplicateMessages += trades.length - fresh.length;
        if (fresh.length === 0) continue;
        fresh.sort((left, right) => left.timestampMs - right.timestampMs);
        this.counters.tradesWritten += await this.store.trades.insertTrades(fresh);
        await this.publishTrades(symbol, fresh);
      }
    });
  }

  private async publishTrades(symbol: string, trades: readonly Trade[]): Promise<void> {
    if (!this.bus) return;
    for (const part of chunk(trades, maxTradesPerBatch)) {
      const payload: TradeBatchMessage = {
        exchange: this.source.exchange,
        symbol,
        trades: part.map((trade) => ({
          tradeId: trade.tradeId,
          timestampMs: trade.timestampMs,
          price: trade.price,
          amount: trade.amount,
          side: trade.side,
        })),
        source: this.dataSource,
      };
      await this.bus
        .publish(tradesTopic({ exchange: this.source.exchange, symbol }), payload)
        .catch((error: unknown) => this.publishFailed(error, 'data.trades'));
    }
  }

  private streamBook(symbol: string, signal: AbortSignal): Promise<void> {
    const sampleIntervalMs = this.options.bookSampleIntervalMs ?? 60_000;
    const publishIntervalMs = this.options.bookPublishIntervalMs ?? 1_000;
    let latest: TopOfBook | null = null;
    let latestAtMs = 0;
    let lastSampleAtMs = Number.NEGATIVE_INFINITY;
    let lastPublishAtMs = Number.NEGATIVE_INFINITY;
    let connected = false;
    const sample = async (book: TopOfBook): Promise<void> => {
      lastSampleAtMs = this.now();
      this.counters.bookSamplesWritten += await this.store.topOfBook.insertSamples([book]);
    };
    // A quiet book still gets its sample: the latest best bid/ask holds until it changes.
    const timer = setInterval(
      () => {
        if (!connected || latest === null || this.now() - lastSampleAtMs < sampleIntervalMs) return;
        const held: TopOfBook = { ...latest, timestampMs: latest.timestampMs + (this.now() - latestAtMs) };
        sample(held).catch((error: unknown) =>
          this.fault('store_failed', (error as Error).message, null, 'live:book'),
        );
      },
      Math.max(100, Math.floor(sampleIntervalMs / 4)),
    );
    timer.unref();
    return this.keepAlive('book', symbol, signal, async (connectionSignal, onConnected) => {
      try {
        for await (const top of this.source.watchTopOfBook({ symbol, signal: connectionSignal })) {
          onConnected();
          connected = true;
          latest = top;
          latestAtMs = this.now();
          if (this.now() - lastSampleAtMs >= sampleIntervalMs) await sample(top);
          if (this.bus && this.now() - lastPublishAtMs >= publishIntervalMs) {
            lastPublishAtMs = this.now();
            const payload: TopOfBookMessage = { ...top, source: this.dataSource };
            await this.bus
              .publish(bookTopic({ exchange: this.source.exchange, symbol }), payload)
              .catch((error: unknown) => this.publishFailed(error, 'data.book'));
          }
        }
      } finally {
        connected = false;
      }
    }).finally(() => clearInterval(timer));
  }
}
