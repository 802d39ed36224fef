import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaultInjector, RunesProviderId } from '../faults/fault-injector.ts';
import type { MarketClock } from '../market-clock.ts';
import { RunesProviderView } from './runes-provider-view.ts';
import type { RuneUniverse } from './rune-universe.ts';

/** Where each runes provider is mounted on the emulator; use `${emulator.url}${prefix}` as base URL. */
export const RUNES_PROVIDER_PATHS = {
  ordiscan: '/ordiscan',
  unisat: '/unisat',
  geniidata: '/geniidata',
} as const satisfies Record<RunesProviderId, string>;

/** The GeniiData datasource id whose results the emulator serves (the original dashboard's id). */
export const GENIIDATA_DATASOURCE_ID = '12577';

/**
 * A key the emulator always accepts. Without `runesApiKeys` any non-empty key works; with it, only
 * the keys listed (and a wrong one gets the provider's 401).
 */
export const RUNES_EMULATOR_API_KEY = 'runecast-emulator-key';

/** Response header naming the rune ids whose price and holders come from real data (empty: none). */
export const REAL_RUNES_HEADER = 'x-runecast-real-runes';
/** Response header: `true` when every value of the answer is simulated, `partial` otherwise. */
export const SIMULATED_HEADER = 'x-runecast-simulated';

export interface RunesContext {
  universe: RuneUniverse;
  clock: MarketClock;
  faults: FaultInjector;
  /** Accepted keys; any non-empty key when null. */
  apiKeys: readonly string[] | null;
}

export function isAcceptedKey(context: RunesContext, key: string | undefined): boolean {
  if (key === undefined || key.trim() === '') return false;
  return context.apiKeys === null || context.apiKeys.includes(key.trim());
}

export function bearerKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header) : null;
  return match?.[1];
}

export function providerView(
  context: RunesContext,
  provider: RunesProviderId,
  endpoint: string,
): RunesProviderView {
  return new RunesProviderView(context.universe, context.faults, provider, endpoint, context.clock.nowMs());
}

/** Labels an answer: which runes in it are real, and whether everything is simulated. */
export function labelAnswer(reply: FastifyReply, context: RunesContext, runeIds: readonly string[]): void {
  const real =
    context.universe.dog.real && runeIds.includes(context.universe.dog.id) ? [context.universe.dog.id] : [];
  void reply.header(REAL_RUNES_HEADER, real.join(','));
  void reply.header(SIMULATED_HEADER, real.length > 0 ? 'partial' : 'true');
}

/** The provider and endpoint name (for fault rules) of a request path, if it is a runes provider's. */
export function runesEndpoint(path: string): { provider: RunesProviderId; endpoint: string } | null {
  const ordiscan = /^\/ordiscan\/v1\/(runes|rune\/[^/]+(\/market)?)\/?$/.exec(path);
  if (ordiscan) {
    return {
      provider: 'ordiscan',
      endpoint: ordiscan[1] === 'runes' ? 'runes' : ordiscan[2] ? 'rune/market' : 'rune',
    };
  }
  if (path.startsWith('/ordiscan/'))
    return { provider: 'ordiscan', endpoint: path.slice('/ordiscan/'.length) };
  const unisat =
    /^\/unisat\/(?:v1\/indexer\/runes\/(?:info-list|[^/]+\/(info|holders))|v3\/market\/runes\/auction\/(runes_types(?:_specified)?))\/?$/.exec(
      path,
    );
  if (unisat) return { provider: 'unisat', endpoint: unisat[1] ?? unisat[2] ?? 'info-list' };
  if (path.startsWith('/unisat/')) return { provider: 'unisat', endpoint: path.slice('/unisat/'.length) };
  if (/^\/geniidata\/api\/1\/runes\/[^/]+\/holders\/?$/.test(path))
    return { provider: 'geniidata', endpoint: 'holders' };
  if (/^\/geniidata\/lordking\/api\/v1\/datasource\/[^/]+\/results\/?$/.test(path)) {
    return { provider: 'geniidata', endpoint: 'results' };
  }
  if (path.startsWith('/geniidata/'))
    return { provider: 'geniidata', endpoint: path.slice('/geniidata/'.length) };
  return null;
}

/** The body of an injected HTTP fault, in the provider's own error shape. */
export function runesFaultBody(provider: RunesProviderId, statusCode: number): unknown {
  const limited = statusCode === 429 || statusCode === 418;
  if (provider === 'ordiscan') {
    return { error: { message: limited ? 'Too many requests, please slow down' : 'Service unavailable' } };
  }
  if (provider === 'unisat') {
    return { code: -1, msg: limited ? 'Too many requests' : 'Service unavailable', data: null };
  }
  // GeniiData: 1003 is the quota code its clients react to (alongside HTTP 429).
  return limited
    ? { code: 1003, message: 'API quota exceeded', data: null }
    : { code: 1000, message: 'Service unavailable', data: null };
}

/** The not-found answer of each provider (an unknown path under its prefix). */
export function runesNotFoundBody(provider: RunesProviderId, path: string): unknown {
  if (provider === 'ordiscan') return { error: { message: `Not found: ${path}` } };
  if (provider === 'unisat') return { code: -1, msg: `Not found: ${path}`, data: null };
  return { code: 1004, message: `Not found: ${path}`, data: null };
}

/** Parses an optional non-negative integer query value; a message when it is not one. */
export function integerParam(
  value: unknown,
  name: string,
  options: { min: number; max: number; fallback: number | undefined },
): { value: number | undefined } | { error: string } {
  if (value === undefined || value === '') return { value: options.fallback };
  const text = String(value);
  if (!/^-?\d+$/.test(text)) return { error: `${name} must be an integer` };
  const number = Number(text);
  if (number < options.min || number > options.max) {
    return { error: `${name} must be between ${options.min} and ${options.max}` };
  }
  return { value: number };
}
