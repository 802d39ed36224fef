import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AlertService } from '../alerts/alert.service.ts';
import type { AuthServices } from '../auth/auth-services.ts';
import type { StreamTicketService } from '../auth/stream-ticket.service.ts';
import type { Bus } from '../bus/bus.port.ts';
import type { Cache } from '../cache/cache.port.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../observability/logger.ts';
import type { DataMode } from '../sources/data-mode.ts';
import type { AuthStore } from '../store/store.ts';
import type { Store } from '../store/store.ts';
import type { CandleQueryService } from '../markets/candle-query.service.ts';
import type { LiveFeed } from '../markets/live-feed.ts';
import type { MarketService } from '../markets/market.service.ts';
import type { RunesService } from '../markets/runes.service.ts';
import type { UserQuotas } from './quotas.ts';
import type { StreamAccessMonitor } from './stream-access.ts';
import type { RunecastMetrics } from '../observability/metrics.ts';

/** The Fastify instance routes are registered on: zod schemas for every part of a route. */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** What route modules may use. Services, not SQL: routes go through these. */
export interface ApiContext {
  config: Config;
  store: Store;
  authStore: AuthStore;
  bus: Bus;
  cache: Cache;
  logger: Logger;
  metrics: RunecastMetrics;
  dataMode: DataMode;
  auth: AuthServices;
  /** Single-use tickets that open live streams without credentials in the URL. */
  streamTickets: StreamTicketService;
  /** Closes live streams whose caller lost access; every stream route registers its streams. */
  streamAccess: StreamAccessMonitor;
  /** What one user may hold at once: jobs, tracked markets, open streams. */
  quotas: UserQuotas;
  candles: CandleQueryService;
  markets: MarketService;
  runes: RunesService;
  liveFeed: LiveFeed;
  /** Alert channels, rules and history of the caller (admins: everyone's). */
  alerts: AlertService;
  now: () => number;
}

/**
 * A group of routes, registered under `/api/v1`. Each route declares `config.access`
 * (`public`, `user` or `admin`) and zod schemas for params, query, body and responses; the
 * server refuses to start with an API route that does not. More capabilities (forecasts,
 * models, jobs) add their own modules through `createHttpApp({ routes })`.
 */
export interface RouteModule {
  name: string;
  register(app: ApiApp, context: ApiContext): void | Promise<void>;
}

/** Where a request came from, for the audit log. */
export function requestOrigin(request: { ip: string }): { ip: string | null } {
  return { ip: request.ip ?? null };
}

/** Sends JSON that is already serialized (e.g. from the cache) without parsing it again. */
export function jsonText(json: string | Buffer): never {
  return json as never;
}
