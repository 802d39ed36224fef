import { type Clock, formatSeriesKey, type SeriesKey, type Timeframe, timeframeMs } from '@runecast/market';
import { type CandleFreshness, candleFreshness, type StalenessPolicy } from './candle-freshness.ts';
import type { IngestFaultListener } from './fault-reporter.ts';
import type { Bus } from '../bus/bus.port.ts';
import type { TrackedMarket } from '../markets/tracked-markets.service.ts';
import type { HealthCheck } from '../observability/health.ts';
import type { Logger } from '../observability/logger.ts';
import type { MarketDataSource } from '../sources/market-data-source.port.ts';
import type { Store } from '../store/store.ts';
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { emptyLiveStats, LiveIngestionService, type LiveStats } from './live.service.ts';

export interface IngestionSupervisorOptions {
  store: Store;
  bus: Bus;
  /** The market-data source of an exchange id. */
  source(exchange: string): MarketDataSource;
  timeframe: Timeframe;
  backfillDays: number;
  /** Names where stored candles came from (`emulator:replay`, `ccxt:binance`). */
  dataLabel(exchange: string): string;
  /**
   * True when candle age is measured against this machine's clock (live data); otherwise
   * against the exchange's own clock where its source has one (the emulator's replay time).
   */
  wallClock: boolean;
  /** When a series counts as stalled in health (default 3 timeframes plus 60 s). */
  staleness?: StalenessPolicy;
  clock: Clock;
  logger: Logger;
  /** Told of every exchange fault, retry and recovery (logged and counted there). */
  faults?: IngestFaultListener;
  /** Told when the bus refuses a message about stored data (for metrics; the supervisor logs it). */
  onPublishError?: (error: unknown, context: { exchange: string; family: string }) => void;
}

/**
 * First backfills of one exchange's markets that run at once: enough to keep the exchange's REST
 * rate limit (Binance through ccxt: 20 requests a second) busy, few enough that the streams'
 * writes still find a connection in the store's pool.
 */
const CATCH_UP_CONCURRENCY = 16;

/** A source whose bus messages failed this recently reports itself degraded. */
const PUBLISH_FAILURE_WINDOW_MS = 5 * 60_000;

/** One running live ingestion: one market of one exchange, with its REST backfill. */
interface RunningIngestion {
  exchange: string;
  symbols: string[];
  added: boolean;
  controller: AbortController;
  service: LiveIngestionService;
  run: Promise<void>;
  lastError: string | null;
}

/**
 * Runs live ingestion for the tracked markets: one live service per exchange for the
 * configured markets, one per market added at run time, stopped again when that market is
 * removed. It reports each source and each configured series as a health check.
 */
export class IngestionSupervisor {
  private readonly ingestions: RunningIngestion[] = [];
  private readonly abort = new AbortController();
  private readonly configuredSeries: SeriesKey[] = [];
  /** Configured markets the exchange lists, as `exchange:symbol`; the others are never started. */
  private readonly listedConfigured = new Set<string>();
  private readonly configuredExchanges = new Set<string>();
  /** Limits the first backfills of each exchange's markets (see CATCH_UP_CONCURRENCY). */
  private readonly catchUpLimits = new Map<string, ReturnType<typeof pLimit>>();
  /** Counters of the live services stopped so far, by exchange. */
  private readonly retiredStats = new Map<string, LiveStats>();

  constructor(private readonly options: IngestionSupervisorOptions) {
    // Every market's service listens for the stop: hundreds of listeners are expected here.
    setMaxListeners(0, this.abort.signal);
  }

  /**
   * Loads the configured markets' exchanges: markets an exchange does not list are logged and
   * left out. Starts nothing; `sync` starts the markets this process is to ingest.
   */
  async prepareConfigured(markets: readonly TrackedMarket[]): Promise<void> {
    const exchanges = [...new Set(markets.map((market) => market.exchange))];
    for (const exchange of exchanges) {
      const wanted = markets.filter((market) => market.exchange === exchange).map((market) => market.symbol);
      const listed = await this.loadListedMarkets(exchange, wanted);
      for (const symbol of wanted) {
        this.configuredSeries.push({ exchange, symbol, timeframe: this.options.timeframe });
      }
      for (const symbol of listed) this.listedConfigured.add(`${exchange}:${symbol}`);
      this.configuredExchanges.add(exchange);
    }
  }

  /**
   * Ingests exactly these markets, each with a live service of its own: a market given up stops
   * alone and a market taken over starts alone, so a change of this process's share never
   * restarts the markets it keeps. Markets no longer given are stopped before this returns.
   */
  async sync(markets: readonly TrackedMarket[]): Promise<void> {
    const { logger } = this.options;
    const wanted = new Map<string, TrackedMarket>();
    for (const market of markets) {
      if (!market.added && !this.listedConfigured.has(`${market.exchange}:${market.symbol}`)) continue;
      wanted.set(`${market.exchange}:${market.symbol}`, market);
    }
    const stopping = this.ingestions.filter((ingestion) => {
      const market = wanted.get(`${ingestion.exchange}:${ingestion.symbols[0]}`);
      return market === undefined || market.added !== ingestion.added;
    });
    if (stopping.length > 0) {
      logger.info(
        { markets: stopping.map(describe) },
        `no longer ingesting ${stopping.length} market(s) here`,
      );
    }
    // Stopped side by side: each waits only for its own writes in flight.
    await Promise.all(stopping.map((ingestion) => this.stopIngestion(ingestion)));
    const running = new Set(
      this.ingestions.map((ingestion) => `${ingestion.exchange}:${ingestion.symbols[0]}`),
    );
    const starting = [...wanted.entries()].filter(([key]) => !running.has(key)).map(([, market]) => market);
    for (const market of starting) {
      if (market.added) {
        logger.info(
          { exchange: market.exchange, symbol: market.symbol },
          'tracking a market added through the API',
        );
      }
      await this.start(market.exchange, [market.symbol], market.added);
    }
    if (starting.length > 0)
      logger.info({ markets: starting.length }, `started ingesting ${starting.length} market(s) here`);
  }

  private async stopIngestion(ingestion: RunningIngestion): Promise<void> {
    ingestion.controller.abort();
    await ingestion.run;
    this.ingestions.splice(this.ingestions.indexOf(ingestion), 1);
    const retired = this.retiredStats.get(ingestion.exchange);
    const stats = ingestion.service.stats();
    this.retiredStats.set(ingestion.exchange, retired === undefined ? stats : sumStats([retired, stats]));
  }

  /**
   * Counters of every live service by exchange, those of stopped services included, so totals
   * only grow while markets move between processes.
   */
  stats(): { exchange: string; symbols: string[]; stats: LiveStats }[] {
    return [
      ...[...this.retiredStats].map(([exchange, stats]) => ({ exchange, symbols: [], stats })),
      ...this.ingestions.map((ingestion) => ({
        exchange: ingestion.exchange,
        symbols: [...ingestion.symbols],
        stats: ingestion.service.stats(),
      })),
    ];
  }

  /**
   * "Now" for the candles of an exchange: the wall clock for live data, the exchange's own
   * clock otherwise (null when it has none).
   */
  async nowFor(exchange: string): Promise<number | null> {
    if (this.options.wallClock) return this.options.clock.now();
    return exchangeNow(this.options.source(exchange));
  }

  /** Every series being ingested. */
  series(): SeriesKey[] {
    return this.ingestions.flatMap((ingestion) =>
      ingestion.symbols.map((symbol) => ({
        exchange: ingestion.exchange,
        symbol,
        timeframe: this.options.timeframe,
      })),
    );
  }

  /**
   * The checks this supervisor answers for: one per exchange source, one for markets added at
   * run time, and the age of the newest candle of each configured series.
   */
  healthChecks(): HealthCheck[] {
    const exchanges = [...this.configuredExchanges];
    return [
      {
        name: 'markets:added',
        check: async () => {
          const added = this.ingestions.filter((ingestion) => ingestion.added);
          const problems = added
            .filter((ingestion) => ingestion.lastError !== null)
            .map((ingestion) => `${describe(ingestion)}: ${ingestion.lastError}`);
          // Markets added at run time are held to the same freshness as configured ones.
          for (const ingestion of added) {
            if (ingestion.lastError !== null) continue;
            for (const symbol of ingestion.symbols) {
              const series = { exchange: ingestion.exchange, symbol, timeframe: this.options.timeframe };
              const freshness = await this.candleAge(series);
              if (freshness.state !== 'ok' && freshness.reason !== 'no candle stored yet')
                problems.push(`${formatSeriesKey(series)}: ${freshness.reason}`);
            }
          }
          const details = { tracking: added.map(describe) };
          if (problems.length === 0) return { state: 'ok', reason: null, details };
          return { state: 'degraded', reason: problems.join('; '), details };
        },
      },
      ...exchanges.map((exchange): HealthCheck => ({
        name: `source:${exchange}`,
        check: async () => {
          const ingestions = this.ingestions.filter((item) => item.exchange === exchange && !item.added);
          if (ingestions.length === 0) return { state: 'ok', reason: null, details: {} };
          const stats = sumStats(ingestions.map((ingestion) => ingestion.service.stats()));
          const failed = ingestions.filter((ingestion) => ingestion.lastError !== null);
          if (failed.length > 0)
            return {
              state: 'down',
              reason: failed.map((ingestion) => `${describe(ingestion)}: ${ingestion.lastError}`).join('; '),
              details: { ...stats },
            };
          const failedAtMs = stats.lastPublishFailureAtMs;
          if (failedAtMs !== null && this.options.clock.now() - failedAtMs < PUBLISH_FAILURE_WINDOW_MS) {
            return {
              state: 'degraded',
              reason: `the bus refused ${stats.publishFailures} message(s) about stored data; live subscribers may have missed them`,
              details: { ...stats },
            };
          }
          return { state: 'ok', reason: null, details: { ...stats } };
        },
      })),
      ...this.configuredSeries.map((series): HealthCheck => ({
        name: `candles:${formatSeriesKey(series)}`,
        check: async () => {
          // The reason names the series, so /ready says which one stalled.
          const freshness = await this.candleAge(series);
          return freshness.state === 'ok'
            ? freshness
            : { ...freshness, reason: `${formatSeriesKey(series)}: ${freshness.reason}` };
        },
      })),
    ];
  }

  /** Stops every live service and waits for them to end. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.ingestions.map((ingestion) => ingestion.run));
  }

  private async candleAge(series: SeriesKey): Promise<CandleFreshness> {
    const latest = await this.options.store.candles.latestCandle(series);
    const nowMs = latest === null ? null : await this.nowFor(series.exchange);
    return candleFreshness(series, latest?.openTimeMs ?? null, nowMs, this.options.staleness);
  }

  /** Loads the exchange's markets into the store and keeps the wanted symbols it really lists. */
  private async loadListedMarkets(exchange: string, symbols: readonly string[]): Promise<string[]> {
    const source = this.options.source(exchange);
    const markets = await source.loadMarkets();
    const listed = new Set(markets.map((market) => market.symbol));
    await this.options.store.markets.upsertMarkets(
      markets.filter((market) => symbols.includes(market.symbol)),
    );
    for (const symbol of symbols.filter((item) => !listed.has(item))) {
      this.options.logger.error(
        { exchange, symbol },
        `${exchange} does not list ${symbol}; it is not tracked`,
      );
    }
    return symbols.filter((symbol) => listed.has(symbol));
  }

  private async start(exchange: string, symbols: readonly string[], added: boolean): Promise<void> {
    const { options } = this;
    const source = options.source(exchange);
    const step = timeframeMs(options.timeframe);
    const nowMs = (await exchangeNow(source)) ?? options.clock.now();
    const sinceMs = Math.floor((nowMs - options.backfillDays * 86_400_000) / step) * step;
    let catchUpLimit = this.catchUpLimits.get(exchange);
    if (catchUpLimit === undefined)
      this.catchUpLimits.set(exchange, (catchUpLimit = pLimit(CATCH_UP_CONCURRENCY)));
    const limit = catchUpLimit;
    const service = new LiveIngestionService({
      source,
      store: options.store,
      bus: options.bus,
      markets: symbols.map((symbol) => ({ symbol, timeframe: options.timeframe, sinceMs })),
      dataLabel: options.dataLabel(exchange),
      onEvent: (event) =>
        options.logger[
          // Faults and the disconnects they cause are logged by the fault reporter, once per
          // run of faults rather than once per attempt.
          event.type === 'candles-written' ||
          (options.faults !== undefined && (event.type === 'fault' || event.type === 'disconnected'))
            ? 'debug'
            : event.type === 'connected' || event.type === 'trusted'
              ? 'info'
              : 'warn'
        ](
          { event },
          `live ingestion: ${event.type}${'series' in event && event.series ? ` of ${event.series.exchange}:${event.series.symbol}:${event.series.timeframe}` : ''}`,
        ),
      onPublishError: (error, family) => {
        options.logger.warn({ err: error, exchange, family }, 'the bus refused a message about stored data');
        options.onPublishError?.(error, { exchange, family });
      },
      clock: options.clock,
      ...(options.faults === undefined ? {} : { faults: options.faults }),
      catchUpLimit: (task) => limit(task),
    });
    const controller = new AbortController();
    this.abort.signal.addEventListener('abort', () => controller.abort(), { once: true });
    const ingestion: RunningIngestion = {
      exchange,
      symbols: [...symbols],
      added,
      controller,
      service,
      run: Promise.resolve(),
      lastError: null,
    };
    ingestion.run = service.run(controller.signal).catch((error: unknown) => {
      ingestion.lastError = (error as Error).message;
      options.logger.error({ err: error, exchange }, 'live ingestion stopped');
    });
    this.ingestions.push(ingestion);
  }
}

/** Counters of several live services added up; the last publish failure is the latest of theirs. */
function sumStats(all: readonly LiveStats[]): LiveStats {
  const total = emptyLiveStats();
  for (const stats of all) {
    for (const [kind, count] of Object.entries(stats.faults))
      total.faults[kind] = (total.faults[kind] ?? 0) + count;
    for (const name of [
      'reconnects',
      'badMessages',
      'duplicateMessages',
      'outOfOrderMessages',
      'candlesWritten',
      'tradesWritten',
      'bookSamplesWritten',
      'gapRepairs',
      'corrections',
      'restConfirmations',
      'publishFailures',
    ] as const)
      total[name] += stats[name];
    if (stats.lastPublishFailureAtMs !== null)
      total.lastPublishFailureAtMs = Math.max(
        total.lastPublishFailureAtMs ?? 0,
        stats.lastPublishFailureAtMs,
      );
  }
  return total;
}

function describe(ingestion: RunningIngestion): string {
  return `${ingestion.exchange}:${ingestion.symbols.join(',')}`;
}

/** The exchange's own clock where the source has one (the emulator's replay time). */
async function exchangeNow(source: MarketDataSource): Promise<number | null> {
  const clock = source as MarketDataSource & { exchangeNowMs?: () => Promise<number | null> };
  return clock.exchangeNowMs ? clock.exchangeNowMs().catch(() => null) : null;
}
