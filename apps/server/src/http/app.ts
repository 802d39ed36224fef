import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { docsPageOptions } from './docs-page.ts';
import { apiErrorSchema } from '@runecast/contracts';
import { CacheUnavailableError } from '../cache/cache-errors.ts';
import Fastify, { LogController, type FastifyInstance, type FastifySchema, type RouteOptions } from 'fastify';
import {
  createJsonSchemaTransformObject,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { AccountPolicy } from '../auth/account.service.ts';
import {
  createAuthServices,
  resolveAuthKeys,
  type AuthKeys,
  type AuthServices,
} from '../auth/auth-services.ts';
import type { PasswordHashOptions } from '../auth/password-hasher.ts';
import { StreamTicketService } from '../auth/stream-ticket.service.ts';
import type { Bus, Subscription } from '../bus/bus.port.ts';
import { parseTopic, topicPattern } from '../bus/topics.ts';
import type { Cache } from '../cache/cache.port.ts';
import { GenerationalCache } from '../cache/generational.cache.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../observability/logger.ts';
import type { DataMode } from '../sources/data-mode.ts';
import { coreHealthChecks, type HealthCheck } from '../observability/health.ts';
import { HealthRegistry } from '../observability/health-registry.ts';
import type { AuthStore, Store } from '../store/store.ts';
import type { ApiApp, ApiContext, RouteModule } from './api-context.ts';
import { CandleQueryService } from '../markets/candle-query.service.ts';
import { describeError, errorBody, routeLabel, sendError } from './http-errors.ts';
import { LiveFeed } from '../markets/live-feed.ts';
import { MarketService, type SourceLookup } from '../markets/market.service.ts';
import { createMetrics, type RunecastMetrics } from '../observability/metrics.ts';
import { installRequestGuard, routeAccess, type RateLimits } from './request-guard.ts';
import { StreamAccessMonitor } from './stream-access.ts';
import { DEFAULT_USER_QUOTAS, type UserQuotas } from './quotas.ts';
import { API_PREFIX, type RegisteredRoute, type RouteAccess } from './route-access.ts';
import { adminRoutes } from './routes/admin.routes.ts';
import { apiKeyRoutes } from './routes/api-keys.routes.ts';
import { authRoutes } from './routes/auth.routes.ts';
import { candleRoutes } from './routes/candles.routes.ts';
import { registerHealthRoutes } from './routes/health.routes.ts';
import { logRoutes } from './routes/logs.routes.ts';
import { RunesService } from '../markets/runes.service.ts';
import { RUNES_POLL_TIMEFRAME } from '../sources/runes/runes-timing.ts';
import type { SnapshotSource } from '../sources/snapshot-source.port.ts';
import { marketRoutes } from './routes/markets.routes.ts';
import { newsRoutes } from './routes/news.routes.ts';
import { communityRoutes } from './routes/community.routes.ts';
import { runeRoutes } from './routes/runes.routes.ts';
import { alertRoutes } from './routes/alerts.routes.ts';
import { preferenceRoutes } from './routes/preferences.routes.ts';
import { AlertService } from '../alerts/alert.service.ts';
import { AlertSender } from '../alerts/alert-sender.ts';
import { streamRoutes } from './routes/stream.routes.ts';

export type { ApiApp, ApiContext, RouteModule } from './api-context.ts';
export type { RegisteredRoute, RouteAccess } from './route-access.ts';

/** Limits of the HTTP server; each has a safe default. */
export interface HttpLimits extends RateLimits {
  /** Largest request body accepted (default 64 KiB). */
  bodyLimitBytes: number;
  /** How long per-request account state is trusted before asking the store again (default 5 s). */
  accountStateCacheTtlMs: number;
  /** Second invalidation of a market's cache after new candles, once ingestion has stored them. */
  cacheSettleMs: number;
  /** How often open live streams check that their caller still has access (default 60 s). */
  streamRecheckIntervalMs: number;
  /** What one user (not an admin) may hold at once. */
  quotas: UserQuotas;
}

/**
 * Everything the HTTP API needs, made by the composition root. Nothing is read from globals or
 * the environment.
 */
export interface HttpAppDependencies {
  config: Config;
  store: Store;
  bus: Bus;
  cache: Cache;
  logger: Logger;
  /** Where market data comes from (live, replay, simulated); shown by /health and /ready. */
  dataMode: DataMode;
  /**
   * The process's health registry (store, bus, cache and every component's own check). Without
   * it the app makes one with store, bus and cache.
   */
  health?: HealthRegistry;
  /** More checks for the registry; one named like a registered check replaces it. */
  healthChecks?: readonly HealthCheck[];
  /** False for a process without the api role: only /health, /ready and /metrics (default true). */
  serveApi?: boolean;
  /** Read again after a market is added or removed through the API, so this process follows it at once. */
  trackedMarkets?: { refresh(): Promise<unknown> };
  /** Market-data source per exchange id; without it, exchange market lists answer 503. */
  sources?: SourceLookup | null;
  /** Snapshot source per runes provider id, to check a rune a user tracks. */
  snapshotSources?: ((id: string) => SnapshotSource) | null;
  /** The runes providers collected, primary first (default: those configured). */
  runesProviders?: readonly string[];
  /** Registry to serve at /metrics; the rest of the process records into the same one. */
  metrics?: RunecastMetrics;
  /** Default: the store's own. */
  authStore?: AuthStore;
  /** Default: from config, or generated into `config.home`. */
  authKeys?: AuthKeys;
  /** More route modules (forecasts, models, jobs), registered under /api/v1 like the built-in ones. */
  routes?: readonly RouteModule[];
  /** Create the first admin when the store has no users (default true). */
  bootstrapAdmin?: boolean;
  /** Shows the generated admin password once (default: stderr, never the structured log). */
  announce?: (text: string) => void;
  limits?: Partial<HttpLimits>;
  accountPolicy?: Partial<AccountPolicy>;
  passwordHashing?: PasswordHashOptions;
  now?: () => number;
  /**
   * The process's write mode: while `readOnly()` (the disk is nearly full), writes under /api/
   * answer 503 with `Retry-After` and the reason, and reads keep answering. Default: writable.
   */
  writeMode?: { readOnly(): boolean; status(): { reason: string | null } };
  /**
   * The process's alert service (its owner closes it); when absent the app builds its own,
   * with a sender it closes on close.
   */
  alerts?: AlertService;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered, with the access it needs (filled as routes are added). */
    registeredRoutes: RegisteredRoute[];
    /** The services the routes use. */
    apiContext: ApiContext;
  }
}

const BUILT_IN_ROUTES: readonly RouteModule[] = [
  authRoutes,
  adminRoutes,
  apiKeyRoutes,
  marketRoutes,
  runeRoutes,
  newsRoutes,
  communityRoutes,
  candleRoutes,
  streamRoutes,
  logRoutes,
  alertRoutes,
  preferenceRoutes,
];

const DOCS_PREFIX = '/docs';
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function defaultLimits(config: Config): HttpLimits {
  return {
    perIp: config.rateLimitPerIp,
    perUser: config.rateLimitPerUser,
    credentialAttemptsPerIp: 20,
    windowMs: 60_000,
    bodyLimitBytes: 64 * 1024,
    accountStateCacheTtlMs: 5_000,
    cacheSettleMs: 1_000,
    streamRecheckIntervalMs: 60_000,
    quotas: DEFAULT_USER_QUOTAS,
  };
}

/** Adds security requirements and the error shape to a route's OpenAPI description. */
function describeRouteForDocs(routeOptions: RouteOptions, access: RouteAccess): void {
  const schema = (routeOptions.schema ?? {}) as FastifySchema & {
    response?: Record<string, unknown>;
    security?: unknown;
    hide?: boolean;
  };
  if (schema.hide) return;
  const response = { ...(schema.response ?? {}) };
  response['4xx'] ??= apiErrorSchema;
  response['5xx'] ??= apiErrorSchema;
  const security = access === 'public' ? undefined : [{ bearerAuth: [] }, { apiKeyHeader: [] }];
  routeOptions.schema = { ...schema, response, ...(security ? { security } : {}) } as FastifySchema;
}

/**
 * Describes answers as they are served: the media type a route declared (`config.produces`) on
 * its non-JSON answers (`text/event-stream`, `text/plain`), and no body at all for 204.
 */
function describeMediaTypes<T extends { schema: unknown }>(
  transformed: T,
  produces: Record<number, string> | undefined,
): T {
  const schema = transformed.schema as { response?: Record<string, Record<string, unknown>> } | undefined;
  if (schema?.response === undefined) return transformed;
  if (schema.response['204'] !== undefined)
    schema.response['204'] = { type: 'null', description: 'No content' };
  for (const [status, mediaType] of Object.entries(produces ?? {})) {
    const answer = schema.response[status];
    if (answer === undefined) continue;
    const { description, ...body } = answer;
    schema.response[status] = {
      description: typeof description === 'string' ? description : `${mediaType} answer`,
      content: { [mediaType]: { schema: body } },
    };
  }
  return transformed;
}

/**
 * Builds the HTTP API: Fastify with zod schemas on every route, OpenAPI at /docs/json and
 * Swagger UI at /docs, authentication and roles, rate limits, security headers, CORS, the one
 * error shape, health, readiness and Prometheus metrics, and the /api/v1 routes.
 *
 * It creates the first admin when the store has no users, and subscribes to the bus to drop
 * cached candles of a market when new ones arrive. The caller listens (`app.listen`) and
 * closes (`app.close`, which ends live streams and bus subscriptions but leaves store, bus and
 * cache to their owner).
 */
export async function createHttpApp(dependencies: HttpAppDependencies): Promise<FastifyInstance> {
  const { config, store, bus, cache } = dependencies;
  const now = dependencies.now ?? Date.now;
  const limits: HttpLimits = { ...defaultLimits(config), ...dependencies.limits };
  const metrics = dependencies.metrics ?? createMetrics();
  const logger = dependencies.logger.child({ component: 'http' });
  const authStore = dependencies.authStore ?? store;
  const authKeys = dependencies.authKeys ?? (await resolveAuthKeys(config));
  // Security events become alerts for admins who asked for them (the alert service comes later).
  let alertService: AlertService | null = null;
  const securityEvent = (event: Parameters<AlertService['recordSecurityEvent']>[0]) => {
    alertService?.recordSecurityEvent(event).catch((error: unknown) => {
      metrics.runtime.backgroundErrors.inc({ task: 'security-alert' });
      logger.warn({ err: error, event: event.kind }, 'could not record a security alert');
    });
  };
  const auth: AuthServices = createAuthServices({
    authStore,
    keys: authKeys,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    policy: { signupEnabledByDefault: config.signupEnabled, ...dependencies.accountPolicy },
    passwordHashing: dependencies.passwordHashing,
    stateCacheTtlMs: limits.accountStateCacheTtlMs,
    onLoginBurst: (burst) => {
      metrics.auth.loginBursts.inc({ scope: burst.scope });
      logger.warn(
        { scope: burst.scope, key: burst.key, failures: burst.failures },
        burst.scope === 'address'
          ? 'burst of failed log-ins from one address'
          : 'burst of failed log-ins against one email',
      );
      securityEvent({
        kind: 'login-burst',
        subject: `${burst.scope}:${burst.key}`,
        detail: `${burst.failures} failed log-ins ${burst.scope === 'address' ? 'from' : 'against'} ${burst.key}`,
        atMs: now(),
      });
    },
    onSecurityEvent: (event) => {
      logger.warn({ event: event.kind, userId: event.userId }, event.detail);
      securityEvent(event);
    },
    now,
  });

  const onCacheError = (name: string) => (error: unknown) => {
    if (error instanceof CacheUnavailableError && error.skipped) {
      metrics.cache.skipped.inc({ cache: name });
      return;
    }
    metrics.cache.errors.inc({ cache: name });
    // A slow or stopped Redis is logged once when its circuit opens and once when it closes.
    if (error instanceof CacheUnavailableError)
      logger.debug({ err: error, cache: name }, 'cache operation failed; serving as a miss');
    else logger.warn({ err: error, cache: name }, 'cache operation failed; serving as a miss');
  };
  const candleCache = new GenerationalCache(cache, {
    namespace: 'candles',
    onLookup: (_namespace, hit) =>
      (hit ? metrics.cache.hits : metrics.cache.misses).inc({ cache: 'candles' }),
    onError: onCacheError('candles'),
  });
  const ownAlertSender = dependencies.alerts
    ? null
    : new AlertSender({
        smtpUrl: config.smtpUrl,
        smtpFrom: config.smtpFrom,
        telegramApiUrl: config.telegramApiUrl,
      });
  const liveFeed = new LiveFeed(bus, (error) => logger.warn({ err: error }, 'live stream listener failed'));
  const context: ApiContext = {
    config,
    store,
    authStore,
    bus,
    cache,
    logger,
    metrics,
    dataMode: dependencies.dataMode,
    auth,
    streamTickets: new StreamTicketService(cache, auth.authenticator, { now }),
    streamAccess: new StreamAccessMonitor(auth.authenticator, {
      recheckIntervalMs: limits.streamRecheckIntervalMs,
      now,
      onError: (error) => logger.warn({ err: error }, 'could not check the access of open live streams'),
    }),
    quotas: limits.quotas,
    candles: new CandleQueryService(store, candleCache, now),
    markets: new MarketService({
      store,
      configured: config.markets,
      sources: dependencies.sources ?? null,
      cache,
      onCacheLookup: (hit) =>
        (hit ? metrics.cache.hits : metrics.cache.misses).inc({ cache: 'exchange-markets' }),
      ...(dependencies.trackedMarkets
        ? {
            onTrackedChanged: () =>
              (dependencies.trackedMarkets as { refresh(): Promise<unknown> }).refresh(),
          }
        : {}),
      now,
    }),
    runes: new RunesService({
      store,
      providers: dependencies.runesProviders ?? config.runesProviders,
      snapshotSource: dependencies.snapshotSources ?? null,
      pollTimeframe: RUNES_POLL_TIMEFRAME,
      ...(dependencies.trackedMarkets
        ? {
            onTrackedChanged: () =>
              (dependencies.trackedMarkets as { refresh(): Promise<unknown> }).refresh(),
          }
        : {}),
      now,
    }),
    liveFeed,
    alerts: (alertService =
      dependencies.alerts ??
      new AlertService({
        repository: store.alerts,
        secrets: auth.secrets,
        sender: ownAlertSender!,
        now,
        bus,
        candles: store.candles,
        preferences: store.preferences,
        onPublishError: (error) => {
          metrics.runtime.backgroundErrors.inc({ task: 'alert-publish' });
          logger.warn({ err: error }, 'a stored alert firing could not be announced on the bus');
        },
      })),
    now,
  };

  const app = Fastify({
    loggerInstance: logger,
    // Requests are logged once, on completion, by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // Over-long path parameters are refused by the router before any handler runs.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Bad URLs and over-long parameters fail in the router, before the error handler exists.
    frameworkErrors: (error, _request, reply) => {
      sendError(reply, describeError(error));
    },
  }).withTypeProvider<ZodTypeProvider>() as unknown as ApiApp;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('principal', null);
  app.decorate('apiContext', context);
  const registeredRoutes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', registeredRoutes);

  app.addHook('onRoute', (routeOptions) => {
    const url = routeOptions.url ?? routeOptions.path;
    const isApiRoute = url.startsWith('/api/');
    const declared = routeOptions.config?.access;
    if (isApiRoute && declared === undefined) {
      throw new Error(`API route ${String(routeOptions.method)} ${url} must declare config.access`);
    }
    const access: RouteAccess = declared ?? 'public';
    const methods = Array.isArray(routeOptions.method) ? routeOptions.method : [routeOptions.method];
    for (const method of methods) registeredRoutes.push({ method: String(method), url, access });
    if (!url.startsWith(DOCS_PREFIX)) describeRouteForDocs(routeOptions, access);
  });

  // Set before any plugin: encapsulated plugins keep the handlers they were registered under.
  app.setErrorHandler((error, request, reply) => {
    const described = describeError(error);
    if (described.serverFault) {
      metrics.http.exceptions.inc({
        method: request.method,
        route: routeLabel(request),
        code: described.body.error.code,
      });
      const fields = { err: error, route: routeLabel(request), method: request.method };
      // A part that is away for a while (503) is an outage reported by its health check, not a bug.
      if (described.statusCode === 503) request.log.warn(fields, 'request failed: a part is unavailable');
      else request.log.error(fields, 'request failed');
    }
    return sendError(reply, described);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, {
      statusCode: 404,
      body: {
        error: {
          code: 'not_found',
          message: `no route ${request.method} ${request.url.split('?')[0]}`,
          details: null,
        },
      },
      headers: {},
      serverFault: false,
    }),
  );

  await app.register(fastifyHelmet, {
    // Swagger UI sets its own content security policy with hashes of its inline parts.
    contentSecurityPolicy: { directives: { 'frame-ancestors': ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  const allowedOrigins = new Set(config.corsOrigins);
  await app.register(fastifyCors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowedOrigins.has(origin)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-api-key'],
    exposedHeaders: ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-runecast-role'],
    maxAge: 600,
  });
  await app.register(fastifyRateLimit, {
    global: false,
    // A shared counter store that is down must not take the API down with it.
    skipOnError: true,
    ...(cache.kind === 'redis' && 'client' in cache
      ? { redis: (cache as Cache & { client: unknown }).client, nameSpace: 'ratelimit:' }
      : {}),
  });
  installRequestGuard(app, {
    authenticator: auth.authenticator,
    streamTickets: context.streamTickets,
    limits,
    metrics,
  });
  const writeMode = dependencies.writeMode;
  // Writes refused while read-only are expected answers, logged at debug, not as server errors.
  const refusedWhileReadOnly = new WeakSet<object>();
  if (writeMode !== undefined) {
    // The mode cannot change before the next reading of free space.
    const retryAfterSeconds = Math.max(1, Math.ceil(config.diskCheckIntervalMs / 1000));
    app.addHook('onRequest', async (request, reply) => {
      if (!writeMode.readOnly() || READ_METHODS.has(request.method)) return;
      if (!(request.routeOptions.url ?? '').startsWith(`${API_PREFIX}/`)) return;
      if (request.routeOptions.config?.allowedWhileDiskReadOnly) return;
      const reason = writeMode.status().reason ?? 'the disk is nearly full';
      refusedWhileReadOnly.add(request);
      return sendError(reply, {
        statusCode: 503,
        body: errorBody(
          'read_only',
          `Runecast is read-only for now and takes no writes: ${reason}. Reads still work; try again once space is freed.`,
          { reason, retryAfterSeconds },
        ),
        headers: { 'retry-after': String(retryAfterSeconds) },
        serverFault: false,
      });
    });
  }
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: routeLabel(request),
      status_code: String(reply.statusCode),
    };
    metrics.http.requests.inc(labels);
    metrics.http.duration.observe(labels, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500 && !refusedWhileReadOnly.has(request))
      request.log.warn({ labels }, 'request answered with a server error');
    else request.log.debug({ ...labels, durationMs: reply.elapsedTime }, 'request');
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Runecast API',
        version: '1.0.0',
        description:
          'Crypto market data and forecasts. Log in with POST /api/v1/auth/login and send the access token as `Authorization: Bearer <token>`, or send an API key the same way (or as `X-API-Key`). Every error answers `{ "error": { "code", "message", "details" } }`.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT or API key' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
    transform: (input) => describeMediaTypes(jsonSchemaTransform(input), input.route.config?.produces),
    // Shared schemas (registered with an id) in the same OpenAPI 3.0 dialect as the routes.
    transformObject: createJsonSchemaTransformObject({ zodToJsonConfig: { target: 'openapi-3.0' } }),
  });
  await app.register(fastifySwaggerUi, docsPageOptions(DOCS_PREFIX));

  const health = dependencies.health ?? new HealthRegistry();
  if (dependencies.health === undefined) {
    for (const check of coreHealthChecks({ store, bus, cache })) health.register(check);
  }
  for (const check of dependencies.healthChecks ?? []) health.register(check);
  registerHealthRoutes(app, context, health);
  const serveApi = dependencies.serveApi ?? true;

  await app.register(
    async (scope) => {
      if (!serveApi) return;
      for (const module of [...BUILT_IN_ROUTES, ...(dependencies.routes ?? [])]) {
        await module.register(scope, context);
      }
    },
    { prefix: API_PREFIX },
  );

  const invalidation = serveApi
    ? await subscribeCacheInvalidation(bus, context.candles, limits.cacheSettleMs, logger)
    : { close: async () => undefined };
  app.addHook('onClose', async () => {
    await invalidation.close();
    await liveFeed.close();
    await ownAlertSender?.close();
    context.streamAccess.close();
  });

  if (serveApi && (dependencies.bootstrapAdmin ?? true)) {
    const created = await auth.accounts.bootstrapAdmin({
      email: config.adminEmail,
      password: config.adminPassword ?? undefined,
    });
    if (created !== null) {
      logger.info({ email: created.user.email }, 'created the first admin');
      if (created.generatedPassword !== null) {
        const announce = dependencies.announce ?? ((text: string) => process.stderr.write(`${text}\n`));
        announce(
          `runecast: created admin ${created.user.email} with password ${created.generatedPassword} (shown once; change it after logging in)`,
        );
      }
    }
  }

  return app as unknown as FastifyInstance;
}

/**
 * Drops cached candles of a market when new candles of it arrive, and once more a moment
 * later: the API may hear of a candle before ingestion has stored it, and an answer cached in
 * between would otherwise hide it until the next candle.
 */
async function subscribeCacheInvalidation(
  bus: Bus,
  candles: CandleQueryService,
  settleMs: number,
  logger: Logger,
): Promise<{ close(): Promise<void> }> {
  const timers = new Set<NodeJS.Timeout>();
  let subscription: Subscription | null = null;
  try {
    subscription = await bus.subscribe(topicPattern('candles'), async (message) => {
      let market: ReturnType<typeof parseTopic>;
      try {
        market = parseTopic(message.topic);
      } catch {
        return;
      }
      if (market.family !== 'candles') return;
      const { exchange, symbol } = market;
      await candles.invalidateMarket(exchange, symbol);
      const timer = setTimeout(() => {
        timers.delete(timer);
        void candles.invalidateMarket(exchange, symbol);
      }, settleMs);
      timer.unref();
      timers.add(timer);
    });
  } catch (error) {
    logger.warn({ err: error }, 'cannot follow new candles on the bus; cached candles expire by age only');
  }
  return {
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await subscription?.unsubscribe().catch(() => undefined);
    },
  };
}

export { routeAccess };
