import type { FastifyInstance } from 'fastify';
import type { Bus } from './bus/bus.port.ts';
import { createBus } from './bus/create-bus.ts';
import { createCache } from './cache/create-cache.ts';
import type { Config } from './config/config.ts';
import { securePrivateHome } from './config/private-files.ts';
import { formatSeriesKey } from './domain/series-key.ts';
import { timeframeMs } from './domain/timeframe.ts';
import { createHttpApp } from './http/app.ts';
import { createLogTableDestination } from './http/log-table.destination.ts';
import { createMetrics } from './http/metrics.ts';
import { recordIngestMetrics } from './runtime/ingest-metrics.ts';
import { forecastingRouteModules } from './http/routes/forecasting.routes.ts';
import { defaultWebDistDir, registerWebAssets } from './http/static-web.ts';
import { LiveIngestionService } from './ingest/live.service.ts';
import { createForecastingRuntime, type ForecastingRuntime } from './jobs/forecasting-runtime.ts';
import { createOnDemandForecastHandler } from './jobs/handlers/on-demand-forecast.handler.ts';
import { queueMissingProductionModels } from './jobs/model-bootstrap.ts';
import type { TrackedSeries } from './jobs/scheduler.ts';
import { addLogDestination, type Logger } from './logging/logger.ts';
import type { DataMode } from './runtime/data-mode.ts';
import type { HealthCheck } from './runtime/health.ts';
import { openEmulatorForConfig, type RunningEmulator } from './runtime/emulator-mode.ts';
import type { MarketDataSource } from './sources/market-data-source.port.ts';
import { SourceRegistry } from './sources/source-registry.ts';
import { createAuthStore } from './store/auth-store.ts';
import { openStore, type Store } from './store/store.ts';

/** Roles one process can take; `runecast up` runs them all. */
export const ROLES = ['api', 'ingest', 'worker', 'scheduler'] as const;
export type Role = (typeof ROLES)[number];

export interface RunningRunecast {
  config: Config;
  dataMode: DataMode;
  store: Store;
  bus: Bus;
  http: FastifyInstance;
  forecasting: ForecastingRuntime;
  /** Resolves once every role stopped; `stop()` asks them to. */
  stop(): Promise<void>;
}

/** How often the ingest role looks for markets added or removed through the API. */
const MARKET_SYNC_INTERVAL_MS = 30_000;

interface LiveIngestion {
  exchange: string;
  symbols: string[];
  /** Added through the API (not in RUNECAST_MARKETS): stopped when removed there. */
  added: boolean;
  controller: AbortController;
  service: LiveIngestionService;
  run: Promise<void>;
  lastError: string | null;
}

/**
 * Composition root: config → store, bus, sources → roles. Everything the roles need is made
 * here and handed to them; nothing below reads globals or the environment.
 */
export async function startRunecast(options: {
  config: Config;
  roles: readonly Role[];
  logger: Logger;
  /** Called once the data mode is known, before any data is fetched (the CLI prints it first). */
  onDataMode?: (dataMode: DataMode) => void;
  /** Shows one-time secrets such as a generated admin password. */
  announce?: (text: string) => void;
}): Promise<RunningRunecast> {
  const { config, roles, logger } = options;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) {
      await step().catch((error: unknown) => logger.warn({ err: error }, 'error while stopping'));
    }
  };

  try {
    let emulator: RunningEmulator | null = null;
    const exchanges = [...new Set(config.markets.map((market) => market.exchange))];
    const dataMode = roles.includes('ingest')
      ? await openEmulatorForConfig(config, exchanges, logger).then((result) => {
          emulator = result.emulator;
          return result.dataMode;
        })
      : {
          mode: 'live' as const,
          description: 'no ingestion in this process',
          emulatorUrl: config.emulatorUrl,
        };
    if (emulator !== null) cleanups.push(() => (emulator as RunningEmulator).close());
    options.onDataMode?.(dataMode);

    securePrivateHome(config.home, (message, paths) => logger.warn({ home: config.home, paths }, message));
    const store = config.databaseUrl
      ? await openStore({ url: config.databaseUrl })
      : await openStore({ dataDir: config.pgliteDir });
    cleanups.push(() => store.db.close());
    // Structured logs also go to the store, where the API's log viewer queries them.
    const logTable = createLogTableDestination(createAuthStore(store.db).logs);
    addLogDestination(logger, logTable);
    cleanups.push(() => logTable.close());
    const metrics = createMetrics();
    const bus = await createBus(config.busUrl ?? undefined);
    cleanups.push(() => bus.close());
    const sources = new SourceRegistry({
      defaults: dataMode.emulatorUrl
        ? { emulatorUrl: dataMode.emulatorUrl, simulated: dataMode.mode === 'simulated' }
        : {},
    });
    cleanups.push(() => sources.close());

    const abort = new AbortController();
    const ingestions: LiveIngestion[] = [];
    const step = timeframeMs(config.timeframe);
    /** Starts live ingestion (with its REST backfill) of some markets of one exchange. */
    const startIngestion = async (exchange: string, symbols: readonly string[], added: boolean) => {
      const source = sources.get(exchange);
      const nowMs = (await exchangeNow(source)) ?? Date.now();
      const sinceMs = Math.floor((nowMs - config.backfillDays * 86_400_000) / step) * step;
      const service = new LiveIngestionService({
        source,
        store,
        bus,
        markets: symbols.map((symbol) => ({ symbol, timeframe: config.timeframe, sinceMs })),
        dataLabel: dataMode.emulatorUrl ? `emulator:${dataMode.mode}` : `ccxt:${exchange}`,
        onEvent: (event) => logger.debug({ event }, 'live ingestion event'),
      });
      const controller = new AbortController();
      abort.signal.addEventListener('abort', () => controller.abort(), { once: true });
      const ingestion: LiveIngestion = {
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
        logger.error({ err: error, exchange }, 'live ingestion stopped');
      });
      ingestions.push(ingestion);
    };
    let syncTimer: NodeJS.Timeout | null = null;
    const trackedSeriesKeys = () =>
      ingestions.flatMap((ingestion) =>
        ingestion.symbols.map((symbol) => ({
          exchange: ingestion.exchange,
          symbol,
          timeframe: config.timeframe,
        })),
      );
    if (roles.includes('ingest')) {
      for (const exchange of exchanges) {
        const configured = config.markets.filter((market) => market.exchange === exchange);
        const trackedSymbols = await loadTrackedMarkets(
          sources.get(exchange),
          store,
          configured.map((market) => market.symbol),
          logger,
        );
        await startIngestion(exchange, trackedSymbols, false);
      }
      // Markets added (or removed) through the API are picked up without a restart.
      const syncAddedMarkets = async () => {
        const stored = await store.markets.listMarkets();
        const isConfigured = (exchange: string, symbol: string) =>
          config.markets.some((market) => market.exchange === exchange && market.symbol === symbol);
        for (const market of stored) {
          if (isConfigured(market.exchange, market.symbol)) continue;
          const running = ingestions.some(
            (ingestion) =>
              ingestion.exchange === market.exchange && ingestion.symbols.includes(market.symbol),
          );
          if (!running) {
            logger.info(
              { exchange: market.exchange, symbol: market.symbol },
              'tracking a market added through the API',
            );
            await startIngestion(market.exchange, [market.symbol], true);
          }
        }
        for (const ingestion of [...ingestions]) {
          const symbol = ingestion.symbols[0];
          if (!ingestion.added || symbol === undefined) continue;
          if (stored.some((market) => market.exchange === ingestion.exchange && market.symbol === symbol))
            continue;
          logger.info({ exchange: ingestion.exchange, symbol }, 'no longer tracking a removed market');
          ingestion.controller.abort();
          await ingestion.run;
          ingestions.splice(ingestions.indexOf(ingestion), 1);
        }
      };
      const stopIngestMetrics = recordIngestMetrics({
        metrics,
        store,
        ingestions: () =>
          ingestions.map((ingestion) => ({ exchange: ingestion.exchange, stats: ingestion.service.stats() })),
        series: () => trackedSeriesKeys(),
        windowMs: config.backfillDays * 86_400_000,
        // Candle age against the wall clock means nothing for replayed or simulated data.
        wallClock: dataMode.emulatorUrl === null,
        onError: (error) => logger.warn({ err: error }, 'could not update ingest metrics'),
      });
      cleanups.push(async () => stopIngestMetrics());
      syncTimer = setInterval(() => {
        void syncAddedMarkets().catch((error: unknown) =>
          logger.warn({ err: error }, 'could not sync tracked markets'),
        );
      }, MARKET_SYNC_INTERVAL_MS);
      cleanups.push(async () => {
        if (syncTimer) clearInterval(syncTimer);
        abort.abort();
        await Promise.allSettled(ingestions.map((ingestion) => ingestion.run));
      });
    }

    // Jobs, registry and forecast ledger share the store; the worker and scheduler roles run here.
    const onPublishError = (error: unknown) => logger.warn({ err: error }, 'could not publish a job event');
    const forecasting = createForecastingRuntime({
      store,
      bus,
      extraHandlers: [
        createOnDemandForecastHandler({
          sources: (exchange) => sources.get(exchange),
          store,
          bus,
          onPublishError,
        }),
      ],
      onPublishError,
    });
    /** Configured markets plus those added through the API, each at the tracked timeframe. */
    const listTracked = async (): Promise<TrackedSeries[]> => {
      const markets = [...config.markets];
      for (const market of await store.markets.listMarkets()) {
        if (!markets.some((item) => item.exchange === market.exchange && item.symbol === market.symbol)) {
          markets.push({ exchange: market.exchange, symbol: market.symbol });
        }
      }
      return markets.map((market) => ({
        series: { ...market, timeframe: config.timeframe },
        horizonsMinutes: config.horizonsMinutes,
      }));
    };
    // Read here and refreshed on a timer, never inside a scheduler tick: the tick holds the
    // embedded database's only connection, and a query from outside it would wait forever.
    let trackedSeries = await listTracked();
    const trackedRefresh = setInterval(() => {
      void listTracked()
        .then((series) => {
          trackedSeries = series;
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'could not read the tracked markets'));
    }, MARKET_SYNC_INTERVAL_MS);
    cleanups.push(async () => clearInterval(trackedRefresh));
    const bootstrapModels = async () => {
      if (config.defaultModel === 'none') return;
      const queued = await queueMissingProductionModels(forecasting, trackedSeries, {
        modelType: config.defaultModel,
        lookbackMs: config.backfillDays * 86_400_000,
      });
      if (queued.length > 0) logger.info({ jobs: queued }, `queued ${queued.length} first model training(s)`);
    };
    const forecastingRoles = forecasting.start({
      worker: roles.includes('worker')
        ? {
            concurrency: config.workerConcurrency,
            onError: (error: unknown) => logger.error({ err: error }, 'job worker error'),
          }
        : false,
      scheduler: roles.includes('scheduler')
        ? {
            intervalMs: config.forecastIntervalMinutes * 60_000,
            tracked: () => trackedSeries,
            ...(config.retrainCron ? { retrainCron: config.retrainCron } : {}),
            onTick: () => {
              void bootstrapModels().catch((error: unknown) =>
                logger.warn({ err: error }, 'could not queue first model trainings'),
              );
            },
            onError: (error: unknown) => logger.error({ err: error }, 'scheduler error'),
          }
        : false,
    });
    cleanups.push(() => forecastingRoles.stop());

    const healthChecks: HealthCheck[] = [
      {
        name: 'store',
        check: async () => {
          await store.db.query('SELECT 1');
          return { state: 'ok', reason: null, details: { engine: store.db.engine } };
        },
      },
      {
        name: 'bus',
        check: async () => {
          const status = bus.status();
          return { state: status.state, reason: status.reason, details: { kind: bus.kind } };
        },
      },
      {
        name: 'queue',
        check: async () => {
          const counts = await forecasting.forecasting.jobs.countByState();
          return { state: 'ok', reason: null, details: { ...counts } };
        },
      },
      ...(forecastingRoles.scheduler
        ? [
            {
              name: 'scheduler',
              check: async () => {
                const status = (
                  forecastingRoles.scheduler as NonNullable<typeof forecastingRoles.scheduler>
                ).status();
                return { state: 'ok' as const, reason: null, details: { ...status } };
              },
            },
          ]
        : []),
      {
        name: 'markets:added',
        check: async () => {
          const added = ingestions.filter((ingestion) => ingestion.added);
          const failed = added.filter((ingestion) => ingestion.lastError !== null);
          const details = {
            tracking: added.map((ingestion) => `${ingestion.exchange}:${ingestion.symbols.join(',')}`),
          };
          if (failed.length > 0) {
            const reason = failed
              .map(
                (ingestion) => `${ingestion.exchange}:${ingestion.symbols.join(',')}: ${ingestion.lastError}`,
              )
              .join('; ');
            return { state: 'degraded', reason, details };
          }
          return { state: 'ok', reason: null, details };
        },
      },
      ...ingestions.map((ingestion): HealthCheck => ({
        name: `source:${ingestion.exchange}`,
        check: async () => {
          const stats = ingestion.service.stats();
          if (ingestion.lastError)
            return { state: 'down', reason: ingestion.lastError, details: { ...stats } };
          return { state: 'ok', reason: null, details: { ...stats } };
        },
      })),
      ...config.markets.map((market): HealthCheck => ({
        name: `candles:${formatSeriesKey({ ...market, timeframe: config.timeframe })}`,
        check: async () => {
          const series = { ...market, timeframe: config.timeframe };
          const latest = await store.candles.latestCandle(series);
          if (!latest) return { state: 'degraded', reason: 'no candle stored yet' };
          const referenceMs = dataMode.emulatorUrl ? null : Date.now();
          const ageMs = referenceMs === null ? null : referenceMs - latest.openTimeMs;
          const staleAfterMs = 5 * timeframeMs(config.timeframe) + 120_000;
          if (ageMs !== null && ageMs > staleAfterMs) {
            return {
              state: 'degraded',
              reason: `last candle is ${Math.round(ageMs / 1000)} s old`,
              details: { ageMs },
            };
          }
          return { state: 'ok', reason: null, details: { lastCandleOpenTimeMs: latest.openTimeMs, ageMs } };
        },
      })),
    ];

    // Every role serves /health and /ready on its port; only the api role serves the API routes.
    const cache = await createCache(config.cacheUrl);
    cleanups.push(() => cache.close());
    const http: FastifyInstance = await createHttpApp({
      config,
      store,
      bus,
      cache,
      logger,
      dataMode,
      healthChecks,
      sources: (exchange) => sources.get(exchange),
      routes: forecastingRouteModules(forecasting),
      metrics,
      bootstrapAdmin: roles.includes('api'),
      ...(options.announce ? { announce: options.announce } : {}),
    });
    if (roles.includes('api')) await registerWebAssets(http, { distDir: defaultWebDistDir });
    await http.listen({ host: config.host, port: config.port });
    cleanups.push(() => http.close());

    return {
      config,
      dataMode,
      store,
      bus,
      http,
      forecasting,
      stop: async () => {
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function exchangeNow(source: MarketDataSource): Promise<number | null> {
  const clock = source as MarketDataSource & { exchangeNowMs?: () => Promise<number | null> };
  return clock.exchangeNowMs ? clock.exchangeNowMs().catch(() => null) : null;
}

/** Loads the exchange's markets into the store and keeps the tracked symbols it really lists. */
async function loadTrackedMarkets(
  source: MarketDataSource,
  store: Store,
  symbols: readonly string[],
  logger: Logger,
): Promise<string[]> {
  const markets = await source.loadMarkets();
  const listed = new Set(markets.map((market) => market.symbol));
  const tracked = markets.filter((market) => symbols.includes(market.symbol));
  await store.markets.upsertMarkets(tracked);
  const missing = symbols.filter((symbol) => !listed.has(symbol));
  for (const symbol of missing) {
    logger.error(
      { exchange: source.exchange, symbol },
      `${source.exchange} does not list ${symbol}; it is not tracked`,
    );
  }
  return symbols.filter((symbol) => listed.has(symbol));
}
