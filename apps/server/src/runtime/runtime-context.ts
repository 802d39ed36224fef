import { type Clock, systemClock } from '@runecast/market';
import { createSnapshotPolling } from '../ingest/snapshot-polling.ts';
import type { Bus } from '../bus/bus.port.ts';
import { createBus } from '../bus/create-bus.ts';
import type { Cache } from '../cache/cache.port.ts';
import { createCache } from '../cache/create-cache.ts';
import type { Config } from '../config/config.ts';
import { securePrivateHome } from '../config/private-files.ts';
import { createForecastingRuntime, type ForecastingRuntime } from '../forecasting/forecasting-runtime.ts';
import { createOnDemandForecastHandler } from '../forecasting/handlers/on-demand-forecast.handler.ts';
import type { JobWorker } from '../jobs/job-worker.ts';
import { TrackedMarketsService } from '../markets/tracked-markets.service.ts';
import { coreHealthChecks } from '../observability/health.ts';
import { HealthRegistry } from '../observability/health-registry.ts';
import { HealthAnnouncer, processName } from '../observability/health-announcer.ts';
import { hostname } from 'node:os';
import { healthChangedTopic } from '../bus/topics.ts';
import { createLogTableDestination } from '../observability/log-table.destination.ts';
import { addLogDestination, type Logger } from '../observability/logger.ts';
import { createMetrics, type RunecastMetrics } from '../observability/metrics.ts';
import { DiskSpaceWatcher, type WatchedFolder } from '../observability/disk-space.ts';
import {
  EMULATED_GENIIDATA_DATASOURCE,
  EMULATOR_PROVIDER_KEY,
  registerRunesSources,
  RUNES_HORIZONS_MINUTES,
  RUNES_POLL_TIMEFRAME,
  type RunesProvider,
  runesKeySecretName,
} from '../sources/runes/runes-sources.ts';
import { DISCORD_BOT_TOKEN_SECRET, registerDiscordSource } from '../sources/discord/discord-sources.ts';
import { CRYPTOPANIC_TOKEN_SECRET, registerNewsSource } from '../sources/news/news-sources.ts';
import { SourceRegistry } from '../sources/source-registry.ts';
import { resolveAuthKeys } from '../auth/auth-services.ts';
import { SecretBox } from '../auth/secret-box.ts';
import { SecretService } from '../auth/secret.service.ts';
import { AlertService } from '../alerts/alert.service.ts';
import { AlertSender } from '../alerts/alert-sender.ts';
import { openStore, type Store } from '../store/store.ts';
import type { DataMode } from '../sources/data-mode.ts';
import { openEmulatorForConfig } from './emulator-mode.ts';
import { IMPORTED_DAILY_SERIES, IMPORTED_SOURCES } from '../ingest/rune-daily-import.ts';

/** How often every process reads the markets added or removed through the API. */
const TRACKED_MARKETS_REFRESH_MS = 30_000;

/**
 * Everything long-lived a process owns, built once from the validated config and handed to
 * each role: nothing below reads globals or the environment. `close()` closes what it opened,
 * in reverse order.
 */
export interface RuntimeContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: RunecastMetrics;
  /** Each component registers the check of its own health here; /health and /ready read it. */
  readonly health: HealthRegistry;
  /**
   * Free space where data is kept: read-only while it is nearly full, when ingestion and jobs
   * pause and the API refuses writes.
   */
  readonly disk: DiskSpaceWatcher;
  /** Where market data comes from (live, replay, simulated). */
  readonly dataMode: DataMode;
  readonly store: Store;
  readonly bus: Bus;
  readonly cache: Cache;
  readonly sources: SourceRegistry;
  /** Configured markets plus those added through the API, as every role of every process sees them. */
  readonly trackedMarkets: TrackedMarketsService;
  /** Job queue, model registry and forecast ledger over the store. */
  readonly forecasting: ForecastingRuntime;
  /** Alert channels, rules, history and the delivery of notifications. */
  readonly alerts: AlertService;
  /** The job worker of this process once the worker role runs: the scheduler hands it forecasts at once. */
  localJobWorker: JobWorker | null;
  /** Shows one-time secrets such as a generated admin password (never to the structured log). */
  readonly announce?: (text: string) => void;
  /** Runs `close` when the context closes (before what was opened earlier). */
  onClose(name: string, close: () => Promise<void>): void;
  close(): Promise<void>;
}

export interface RuntimeContextOptions {
  config: Config;
  logger: Logger;
  /** True when this process ingests: only then is the emulator started where exchanges are out of reach. */
  ingests: boolean;
  /** Called once the data mode is known, before any data is fetched. */
  onDataMode?: (dataMode: DataMode) => void;
  announce?: (text: string) => void;
  clock?: Clock;
}

/** Opens store, bus, cache, sources and the rest in order; on failure closes what was opened. */
/** How often each process checks its components for a change of health to announce. */
const HEALTH_ANNOUNCE_INTERVAL_MS = 15_000;

export async function createRuntimeContext(options: RuntimeContextOptions): Promise<RuntimeContext> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const closers: { name: string; close: () => Promise<void> }[] = [];
  const onClose = (name: string, close: () => Promise<void>) => {
    closers.push({ name, close });
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const closer of closers.reverse()) {
      await closer
        .close()
        .catch((error: unknown) => logger.warn({ err: error, part: closer.name }, 'error while stopping'));
    }
  };

  try {
    const exchanges = [...new Set(config.markets.map((market) => market.exchange))];
    let dataMode: DataMode = {
      mode: 'live',
      description: 'no ingestion in this process',
      emulatorUrl: config.emulatorUrl,
    };
    if (options.ingests) {
      const opened = await openEmulatorForConfig(config, exchanges, logger);
      dataMode = opened.dataMode;
      const emulator = opened.emulator;
      if (emulator !== null) onClose('emulator', () => emulator.close());
    }
    options.onDataMode?.(dataMode);

    // Everything under the home folder (keys, the embedded database) is the user's alone.
    securePrivateHome(config.home, (message, paths) => logger.warn({ home: config.home, paths }, message));
    const store = config.databaseUrl
      ? await openStore({ url: config.databaseUrl })
      : await openStore({ dataDir: config.pgliteDir });
    onClose('store', () => store.close());
    const metrics = createMetrics();
    const health = new HealthRegistry();
    const disk = await watchDiskSpace({ config, store, metrics, logger });
    onClose('disk watcher', async () => disk.stop());
    health.register(disk.healthCheck());
    // Structured logs also go to the store, where the API's log viewer queries them (not while
    // the disk is nearly full: then they wait in memory, and stderr has them).
    const logTable = createLogTableDestination(store.logs, { paused: () => disk.readOnly() });
    addLogDestination(logger, logTable);
    onClose('log table', () => logTable.close());

    const busLogger = logger.child({ component: 'bus' });
    metrics.bus.connected.set(1);
    const bus = await createBus(config.busUrl ?? undefined, {
      nats: {
        // Logged once when the connection is lost and once when it is back, whatever the role.
        onConnectionChange: (change) => {
          if (change.state === 'disconnected') {
            metrics.bus.disconnects.inc();
            metrics.bus.connected.set(0);
            busLogger.warn({ server: change.server }, 'lost the connection to the bus (NATS); reconnecting');
          } else {
            metrics.bus.connected.set(1);
            busLogger.info(
              { server: change.server, downSeconds: Math.round(change.downForMs / 100) / 10 },
              'reconnected to the bus (NATS)',
            );
          }
        },
      },
    });
    onClose('bus', () => bus.close());

    const cache = await createCache(config.cacheUrl, {
      redis: {
        operationTimeoutMs: config.cacheTimeoutMs,
        breakerFailures: config.cacheBreakerFailures,
        breakerCoolDownMs: config.cacheBreakerCoolDownSeconds * 1000,
        onBreakerChange: ({ from, to, failures, lastError }) => {
          // One line when Redis starts being skipped and one when it answers again.
          if (to === 'open' && from === 'closed') {
            metrics.cache.circuitOpen.set(1);
            metrics.cache.circuitOpens.inc();
            logger.warn(
              { err: lastError, failures, coolDownSeconds: config.cacheBreakerCoolDownSeconds },
              'the cache (redis) is failing; skipping it and serving every read as a miss',
            );
          } else if (to === 'closed') {
            metrics.cache.circuitOpen.set(0);
            logger.info('the cache (redis) answers again; using it');
          }
        },
      },
    });
    onClose('cache', () => cache.close());
    for (const check of coreHealthChecks({ store, bus, cache })) health.register(check);

    const sources = new SourceRegistry({
      defaults: dataMode.emulatorUrl
        ? { emulatorUrl: dataMode.emulatorUrl, simulated: dataMode.mode === 'simulated' }
        : {},
    });
    onClose('sources', () => sources.close());
    const secrets = new SecretService(
      store.secrets,
      new SecretBox((await resolveAuthKeys(config)).secretsKey),
      () => clock.now(),
    );
    const runesProviders = registerRunesSources(sources, {
      providers: config.runesProviders,
      emulatorUrl: dataMode.emulatorUrl,
      simulated: dataMode.emulatorUrl !== null,
      geniiDataDatasource:
        config.geniiDataDatasource ?? (dataMode.emulatorUrl === null ? null : EMULATED_GENIIDATA_DATASOURCE),
      // A stored key wins; the emulator takes any key, so offline runs need none stored.
      apiKey: async (provider) =>
        (await secrets.reveal(runesKeySecretName(provider))) ??
        (dataMode.emulatorUrl === null ? null : EMULATOR_PROVIDER_KEY),
    });
    if (runesProviders.length > 0) logger.info({ providers: runesProviders }, 'runes providers registered');
    const newsFeeds = registerNewsSource(sources, {
      configured: config.newsFeeds,
      emulatorUrl: dataMode.emulatorUrl,
      replay: dataMode.mode === 'replay',
      cryptoPanicToken: () => secrets.reveal(CRYPTOPANIC_TOKEN_SECRET),
      cryptoPanicCurrencies: config.cryptoPanicCurrencies,
    });
    if (newsFeeds.length > 0) logger.info({ feeds: newsFeeds }, 'news feeds registered');
    const discordChannels = registerDiscordSource(sources, {
      configured: config.discordChannels,
      emulatorUrl: dataMode.emulatorUrl,
      replay: dataMode.mode === 'replay',
      storeAuthorIds: config.discordStoreAuthorIds,
      backfillDays: config.discordBackfillDays,
      gateway: config.discordGateway,
      botToken: () => secrets.reveal(DISCORD_BOT_TOKEN_SECRET),
      now: () => clock.now(),
    });
    if (discordChannels.length > 0) logger.info({ channels: discordChannels }, 'discord channels registered');

    const trackedMarkets = new TrackedMarketsService({
      configured: config.markets,
      timeframe: config.timeframe,
      horizonsMinutes: config.horizonsMinutes,
      markets: store.markets,
      clock,
      // A rune's price series is its provider's poll candles, forecast 4 h and 24 h ahead; an
      // imported daily series is forecast 1 and 7 days ahead.
      seriesOf: (exchange) =>
        runesProviders.includes(exchange as RunesProvider)
          ? { timeframe: RUNES_POLL_TIMEFRAME, horizonsMinutes: RUNES_HORIZONS_MINUTES }
          : IMPORTED_SOURCES.has(exchange)
            ? IMPORTED_DAILY_SERIES
            : undefined,
    });
    await trackedMarkets.refresh();
    let refreshError: string | null = null;
    const refreshTimer = setInterval(() => {
      trackedMarkets.refresh().then(
        () => {
          refreshError = null;
        },
        (error: unknown) => {
          refreshError = (error as Error).message;
          metrics.runtime.backgroundErrors.inc({ task: 'tracked-markets' });
          logger.warn({ err: error }, 'could not refresh the tracked markets');
        },
      );
    }, TRACKED_MARKETS_REFRESH_MS);
    refreshTimer.unref();
    onClose('tracked markets', async () => clearInterval(refreshTimer));
    health.register({
      name: 'tracked-markets',
      check: async () => ({
        state: refreshError === null ? 'ok' : 'degraded',
        reason: refreshError,
        details: { markets: trackedMarkets.list().length, refreshedAtMs: trackedMarkets.lastRefreshedAtMs() },
      }),
    });

    const onPublishError = (error: unknown) => {
      metrics.runtime.backgroundErrors.inc({ task: 'job-event-publish' });
      logger.warn({ err: error }, 'could not publish a job event');
    };
    const forecasting = createForecastingRuntime({
      store,
      bus,
      extraHandlers: [
        createOnDemandForecastHandler({
          sources: (exchange) => sources.get(exchange),
          // A rune's series grows one candle per poll: asking for a forecast polls it once, now.
          snapshots: createSnapshotPolling({
            sources,
            store,
            bus,
            clock,
            logger: logger.child({ component: 'ingest' }),
            onPublishError,
          }),
          store,
          bus,
          onPublishError,
        }),
      ],
      onPublishError,
    });
    health.register({
      name: 'queue',
      check: async () => ({
        state: 'ok',
        reason: null,
        details: { ...(await forecasting.forecasting.jobs.countByState()) },
      }),
    });

    const alertSender = new AlertSender({
      smtpUrl: config.smtpUrl,
      smtpFrom: config.smtpFrom,
      telegramApiUrl: config.telegramApiUrl,
    });
    onClose('alert sender', () => alertSender.close());
    const alerts = new AlertService({
      repository: store.alerts,
      secrets,
      sender: alertSender,
      now: () => clock.now(),
      bus,
      candles: store.candles,
      preferences: store.preferences,
      onPublishError: (error) => {
        metrics.runtime.backgroundErrors.inc({ task: 'alert-publish' });
        logger.warn({ err: error }, 'a stored alert firing could not be announced on the bus');
      },
    });

    // Each process announces its components' health changes; the alerts role turns them into firings.
    const healthAnnouncer = new HealthAnnouncer({
      process: processName(hostname(), process.pid),
      registry: health,
      announce: (change) => bus.publish(healthChangedTopic(change.process), change),
      now: () => clock.now(),
      onError: (error) => {
        metrics.runtime.backgroundErrors.inc({ task: 'health-announce' });
        logger.warn({ err: error }, 'could not announce a health change');
      },
    });
    healthAnnouncer.start(HEALTH_ANNOUNCE_INTERVAL_MS);
    onClose('health announcer', () => healthAnnouncer.stop());

    return {
      config,
      logger,
      clock,
      metrics,
      health,
      disk,
      dataMode,
      store,
      bus,
      cache,
      sources,
      trackedMarkets,
      forecasting,
      alerts,
      localJobWorker: null,
      ...(options.announce ? { announce: options.announce } : {}),
      onClose,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** True when the database URL names this machine, so its data directory is a folder here. */
export function isLocalDatabaseUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const socketHost = parsed.searchParams.get('host');
  if (parsed.hostname === '') return socketHost === null || socketHost.startsWith('/');
  return ['localhost', '127.0.0.1', '[::1]', '::1'].includes(parsed.hostname.toLowerCase());
}

/**
 * Starts watching the free space of the home folder, the embedded store's folder, and a local
 * PostgreSQL's data directory when the server names it; logs each change of mode once.
 */
async function watchDiskSpace(parts: {
  config: Config;
  store: Store;
  metrics: RunecastMetrics;
  logger: Logger;
}): Promise<DiskSpaceWatcher> {
  const { config, store, metrics } = parts;
  const logger = parts.logger.child({ component: 'disk' });
  const folders: WatchedFolder[] = [{ label: 'home', path: config.home }];
  if (config.databaseUrl === null) folders.push({ label: 'store', path: config.pgliteDir });
  else if (isLocalDatabaseUrl(config.databaseUrl)) {
    const directory = await store.dataDirectory();
    if (directory !== null) folders.push({ label: 'store', path: directory, optional: true });
  }
  const watcher = new DiskSpaceWatcher({
    folders,
    minFreeBytes: config.diskMinFreeBytes,
    intervalMs: config.diskCheckIntervalMs,
    onChange: (status) => {
      metrics.disk.readOnly.set(status.readOnly ? 1 : 0);
      if (status.readOnly)
        logger.error(
          { volumes: status.volumes },
          `disk nearly full; read-only until space is freed: ${status.reason ?? ''}`,
        );
      else logger.info({ volumes: status.volumes }, 'disk space is back; writes resume');
    },
    onCheck: (status) => {
      for (const volume of status.volumes)
        metrics.disk.freeBytes.set({ folder: volume.label, path: volume.path }, volume.freeBytes);
    },
    onUnreadable: (folder, error) =>
      logger.warn(
        { err: error, folder: folder.label, path: folder.path },
        'cannot read the free space of a folder',
      ),
    onError: (error) => {
      metrics.runtime.backgroundErrors.inc({ task: 'disk-watch' });
      logger.warn({ err: error }, 'a listener of disk space changes failed');
    },
  });
  metrics.disk.readOnly.set(0);
  await watcher.start();
  return watcher;
}
