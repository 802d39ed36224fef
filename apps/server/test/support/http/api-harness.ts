import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import type { Bus } from '../../../src/bus/bus.port.ts';
import { InProcessBus } from '../../../src/bus/in-process.bus.ts';
import type { Cache } from '../../../src/cache/cache.port.ts';
import { MemoryCache } from '../../../src/cache/memory.cache.ts';
import { loadConfig, type Config } from '../../../src/config/config.ts';
import type { Candle } from '@runecast/market';
import {
  createForecastingRuntime,
  type ForecastingRuntime,
} from '../../../src/forecasting/forecasting-runtime.ts';
import {
  createOnDemandForecastHandler,
  type OnDemandForecastHandlerOptions,
} from '../../../src/forecasting/handlers/on-demand-forecast.handler.ts';
import type { Store } from '../../../src/store/store.ts';
import type { Database } from '../../../src/store/database.port.ts';
import { openStoreWithDatabase } from '../../../src/store/testing/store-with-database.ts';
import { createHttpApp, type HttpAppDependencies, type HttpLimits } from '../../../src/http/app.ts';
import type { ForecastingApiOptions } from '../../../src/http/forecasting-api.ts';
import { forecastingRouteModules } from '../../../src/http/routes/forecasting.routes.ts';
import { staticSources } from './static-market.source.ts';

export const HARNESS_ADMIN = { email: 'admin@example.com', password: 'admin-password-0001' };

/** Cheap argon2id settings so tests hash quickly; production uses the OWASP settings. */
export const FAST_PASSWORD_HASHING = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

export interface ApiHarness {
  app: FastifyInstance;
  store: Store;
  /** The database under the store, for checks of stored rows in SQL. */
  db: Database;
  bus: Bus;
  cache: Cache;
  config: Config;
  sources: ReturnType<typeof staticSources>;
  /** Registry, job queue and forecast ledger behind the forecast, model and job routes (no worker runs unless started). */
  forecasting: ForecastingRuntime;
  /** Logs in and returns the access token. */
  login(email: string, password: string): Promise<string>;
  adminToken(): Promise<string>;
  /** A single-use stream ticket for the caller of `token` (for `?ticket=` on a stream URL). */
  streamTicket(token: string): Promise<string>;
  /** Creates a user (through the admin API) and returns their access token. */
  createUser(
    role?: 'admin' | 'user',
  ): Promise<{ id: string; email: string; password: string; token: string }>;
  request(options: {
    method: string;
    url: string;
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
  }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface ApiHarnessOptions {
  /** `postgres://…` for PostgreSQL; default in-memory PGlite. */
  databaseUrl?: string;
  cache?: Cache;
  limits?: Partial<HttpLimits>;
  environment?: Record<string, string>;
  /** Routes of `dependencies.routes` are registered beside the forecast, model and job routes. */
  dependencies?: Partial<HttpAppDependencies>;
  forecastingApi?: ForecastingApiOptions;
  /** Settings of the on-demand forecast job (default: the harness' market-list-only sources). */
  onDemand?: Partial<OnDemandForecastHandlerOptions>;
}

/** An API server on a fresh store, with a bootstrapped admin and exchanges with fixed market lists. */
export async function createApiHarness(options: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const home = await mkdtemp(join(tmpdir(), 'runecast-api-'));
  const config = loadConfig({
    RUNECAST_HOME: home,
    RUNECAST_ADMIN_EMAIL: HARNESS_ADMIN.email,
    RUNECAST_ADMIN_PASSWORD: HARNESS_ADMIN.password,
    RUNECAST_LOG_LEVEL: 'silent',
    ...options.environment,
  });
  const { store, db } = await openStoreWithDatabase({ url: options.databaseUrl ?? 'memory://' });
  const bus = new InProcessBus();
  const cache = options.cache ?? new MemoryCache();
  const sources = staticSources({
    binance: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BTC/EUR'],
    kraken: ['BTC/USD', 'ETH/USD'],
  });
  const forecasting = createForecastingRuntime({
    store,
    bus,
    extraHandlers: [createOnDemandForecastHandler({ sources, store, bus, ...options.onDemand })],
  });
  const app = await createHttpApp({
    config,
    store,
    bus,
    cache,
    logger: pino({ level: 'silent' }),
    dataMode: { mode: 'simulated', description: 'test data', emulatorUrl: null },
    sources,
    authKeys: { tokenKey: randomBytes(64), secretsKey: randomBytes(32) },
    passwordHashing: FAST_PASSWORD_HASHING,
    limits: { perIp: 100_000, perUser: 100_000, credentialAttemptsPerIp: 100_000, ...options.limits },
    ...options.dependencies,
    routes: [
      ...forecastingRouteModules(forecasting, options.forecastingApi),
      ...(options.dependencies?.routes ?? []),
    ],
  });
  await app.ready();

  const request: ApiHarness['request'] = (request) =>
    app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers: {
        ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
        ...request.headers,
      },
      ...(request.body === undefined ? {} : { payload: request.body as object }),
    });

  const login = async (email: string, password: string) => {
    const response = await request({ method: 'POST', url: '/api/v1/auth/login', body: { email, password } });
    if (response.statusCode !== 200) throw new Error(`log-in of ${email} failed: ${response.body}`);
    return (response.json() as { accessToken: string }).accessToken;
  };
  let adminToken: string | null = null;
  return {
    app,
    store,
    db,
    bus,
    cache,
    config,
    sources,
    forecasting,
    login,
    request,
    adminToken: async () => (adminToken ??= await login(HARNESS_ADMIN.email, HARNESS_ADMIN.password)),
    async streamTicket(token) {
      const response = await request({ method: 'POST', url: '/api/v1/stream/tickets', token });
      if (response.statusCode !== 201) throw new Error(`no stream ticket: ${response.body}`);
      return (response.json() as { ticket: string }).ticket;
    },
    async createUser(role = 'user') {
      const email = `user-${randomBytes(5).toString('hex')}@example.com`;
      const password = `password-${randomBytes(6).toString('hex')}`;
      const response = await request({
        method: 'POST',
        url: '/api/v1/admin/users',
        token: adminToken ?? (adminToken = await login(HARNESS_ADMIN.email, HARNESS_ADMIN.password)),
        body: { email, password, role },
      });
      if (response.statusCode !== 201) throw new Error(`creating a user failed: ${response.body}`);
      const id = (response.json() as { user: { id: string } }).user.id;
      return { id, email, password, token: await login(email, password) };
    },
    async close() {
      await app.close();
      await bus.close();
      if (options.cache === undefined) await cache.close();
      await store.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** `count` closed 1m candles of one market from `startMs`, a gentle random walk. */
export function minuteCandles(
  exchange: string,
  symbol: string,
  startMs: number,
  count: number,
  seed = 1,
): Candle[] {
  let state = seed >>> 0 || 1;
  const random = () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  const candles: Candle[] = [];
  let price = 30_000;
  for (let index = 0; index < count; index += 1) {
    // Cents and 5-decimal volumes, like a real BTC/USDT market.
    const cents = (value: number) => Math.round(value * 100) / 100;
    const open = cents(price);
    const close = cents(Math.max(1, open * (1 + (random() - 0.5) * 0.002)));
    const high = cents(Math.max(open, close) * (1 + random() * 0.0005));
    const low = cents(Math.min(open, close) * (1 - random() * 0.0005));
    candles.push({
      exchange,
      symbol,
      timeframe: '1m',
      openTimeMs: startMs + index * 60_000,
      open,
      high,
      low,
      close,
      volume: Math.round(random() * 1_000_000) / 100_000,
      quoteVolume: null,
      tradeCount: null,
      closed: true,
    });
    price = close;
  }
  return candles;
}
