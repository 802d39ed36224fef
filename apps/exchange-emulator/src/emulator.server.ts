import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { BinanceStreamSession } from './binance/binance-stream.session.ts';
import { registerBinanceRoutes } from './binance/binance-rest.routes.ts';
import { emulatorStatus, registerControlRoutes, type EmulatorStatus } from './control.routes.ts';
import { createEmulatorContext, type EmulatorContext } from './emulator-context.ts';
import {
  parseEmulatorOptions,
  type EmulatorOptions,
  type ResolvedEmulatorOptions,
} from './emulator-options.ts';
import { DiscordRateLimiter } from './discord/discord-rate-limits.ts';
import { DISCORD_GATEWAY_PATH, DiscordGateway } from './discord/discord-gateway.ts';
import { DiscordLiveChannels } from './discord/discord-live.ts';
import { loadDiscordReplay } from './discord/discord-replay.ts';
import {
  discordEndpoint,
  discordSharedRateLimitBody,
  registerDiscordRoutes,
} from './discord/discord.routes.ts';
import { FaultInjector, type EmulatedExchangeId } from './faults/fault-injector.ts';
import { loadRuneReplay } from './runes/rune-replay.ts';
import { RuneUniverse } from './runes/rune-universe.ts';
import { registerRunesRoutes } from './runes/runes.routes.ts';
import { runesEndpoint, runesFaultBody, runesNotFoundBody } from './runes/runes-providers.ts';
import { KrakenStreamSession } from './kraken/kraken-stream.session.ts';
import { loadNewsReplay } from './news/news-replay.ts';
import { newsEndpoint, registerNewsRoutes } from './news/news.routes.ts';
import { registerKrakenRoutes } from './kraken/kraken-rest.routes.ts';
import { MarketClock } from './market-clock.ts';
import {
  createReplayUniverse,
  createSimulatedUniverse,
  type MarketUniverse,
} from './market/market-universe.ts';

const MINUTE_MS = 60_000;

/** A running emulator. */
export interface RunningEmulator {
  /** `http://host:port`; give it to `emulatorOverrides` to point ccxt here. */
  url: string;
  /** `ws://host:port`. */
  wsUrl: string;
  port: number;
  /** True when the market is generated, not replayed from files. */
  simulated: boolean;
  clock: MarketClock;
  faults: FaultInjector;
  universe: MarketUniverse;
  /** The Bitcoin Runes served under RUNES_PROVIDER_PATHS. */
  runes: RuneUniverse;
  /** Discord's rate limits, and every Discord request with its answer (for tests). */
  discord: DiscordRateLimiter;
  /** Discord's gateway: settings, sessions and what it did (for tests). */
  discordGateway: DiscordGateway;
  /**
   * The emulated Discord channels (replayed Reddit plus simulated live chat), loaded on first
   * use; null without the replay folder. Tests post, edit and delete messages through it.
   */
  discordChannels(): Promise<DiscordLiveChannels | null>;
  options: ResolvedEmulatorOptions;
  status(): EmulatorStatus;
  /** Stops streaming, drops every websocket client and closes the port. */
  close(): Promise<void>;
}

interface StreamSession {
  readonly isOpen: boolean;
  tick(nowMs: number, wallMs: number): void;
}

function exchangeEndpoint(path: string): { exchange: EmulatedExchangeId; endpoint: string } | null {
  if (path.startsWith('/binance/')) {
    const rest = path.slice('/binance/'.length);
    return {
      exchange: 'binance',
      endpoint: rest.startsWith('api/v3/') ? rest.slice('api/v3/'.length) : rest,
    };
  }
  if (path.startsWith('/kraken/')) {
    const rest = path.slice('/kraken/'.length);
    return {
      exchange: 'kraken',
      endpoint: rest.startsWith('0/public/') ? rest.slice('0/public/'.length) : rest,
    };
  }
  return null;
}

function faultBody(
  exchange: EmulatedExchangeId,
  kind: 'http-429' | 'http-418' | 'http-5xx',
  retryAfterSeconds: number,
): unknown {
  if (exchange === 'kraken') {
    if (kind === 'http-5xx') return { error: ['EService:Unavailable'] };
    return { error: [kind === 'http-429' ? 'EGeneral:Too many requests' : 'EGeneral:Temporary lockout'] };
  }
  if (kind === 'http-429') {
    return {
      code: -1003,
      msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
    };
  }
  if (kind === 'http-418') {
    return {
      code: -1003,
      msg: `Way too much request weight used; IP banned until ${Date.now() + retryAfterSeconds * 1000}. Please use WebSocket Streams for live updates to avoid bans.`,
    };
  }
  return null;
}

/** Holds an answer back (a slow-answer fault), but no longer than the client waits for it. */
async function holdUnlessClosed(reply: FastifyReply, delayMs: number): Promise<void> {
  const gone = new AbortController();
  const onClose = (): void => gone.abort();
  reply.raw.once('close', onClose);
  try {
    await sleep(delayMs, undefined, { signal: gone.signal });
  } catch {
    // The client went away; there is nobody left to answer.
  } finally {
    reply.raw.off('close', onClose);
  }
}

async function buildUniverse(options: ResolvedEmulatorOptions): Promise<MarketUniverse> {
  const settings = {
    seed: options.seed,
    maximumTradesPerCandle: options.tradesPerCandle,
    bookDepth: options.bookDepth,
  };
  if (options.replayDir) return createReplayUniverse(options.replayDir, settings);
  return createSimulatedUniverse(
    {
      symbols: options.simulatedSymbols,
      startMs: options.startTime ?? Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS,
      historyDays: options.simulatedHistoryDays,
    },
    settings,
  );
}

function handleUpgrade(
  webSockets: WebSocketServer,
  context: EmulatorContext,
  sessions: Set<StreamSession>,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  nextConnectionId: () => number,
  gateway: DiscordGateway,
): void {
  const url = new URL(request.url ?? '/', 'http://emulator');
  const path = url.pathname.replace(/\/+$/, '');
  if (path === DISCORD_GATEWAY_PATH) {
    webSockets.handleUpgrade(request, socket, head, (webSocket: WebSocket) =>
      gateway.accept(webSocket, url.searchParams, request.headers.host ?? '127.0.0.1'),
    );
    return;
  }
  const isBinance = path.startsWith('/binance/');
  const isKraken = path === '/kraken/ws/v2';
  if (!isBinance && !isKraken) {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    return;
  }
  webSockets.handleUpgrade(request, socket, head, (webSocket: WebSocket) => {
    let session: StreamSession;
    if (isKraken) session = new KrakenStreamSession(webSocket, context, nextConnectionId());
    else {
      // `/stream?streams=a/b` wraps every event as { stream, data }; `/ws/<stream>` subscribes raw.
      const combined = path.endsWith('/stream');
      const streams = combined
        ? (url.searchParams.get('streams') ?? '').split('/').filter(Boolean)
        : (path.split('/').pop() ?? '').includes('@')
          ? [path.split('/').pop()!]
          : [];
      session = new BinanceStreamSession(webSocket, context, { combined, streams });
    }
    sessions.add(session);
    webSocket.on('close', () => sessions.delete(session));
  });
}

/**
 * Starts a local exchange emulator: Binance spot and Kraken spot public REST and websocket APIs
 * (enough for ccxt, pointed here through `emulatorOverrides`), replaying the kline files of
 * `replayDir` as if live, or a seeded simulated market without it. Throws EmulatorOptionsError
 * for bad options and a clear Error for an unusable replay folder.
 */
export async function startEmulator(input: EmulatorOptions = {}): Promise<RunningEmulator> {
  const options = parseEmulatorOptions(input);
  const universe = await buildUniverse(options);
  const startMs = options.startTime ?? (await universe.defaultStartMs());
  const clock = new MarketClock({ startMs, speed: options.speed, paused: options.paused });
  const faults = new FaultInjector(options.seed);
  for (const rule of options.faults) faults.add(rule);
  const runes = new RuneUniverse({
    seed: options.seed,
    simulatedCount: options.simulatedRuneCount,
    replay: options.replayDir ? await loadRuneReplay(options.replayDir) : null,
  });
  const context = createEmulatorContext(universe, clock, faults, runes);
  const newsArticles = options.replayDir ? await loadNewsReplay(options.replayDir) : null;
  const discord = new DiscordRateLimiter(options.discordRateLimit);
  let discordLoading: Promise<DiscordLiveChannels | null> | null = null;
  const { messageIntervalMs, editShare, deleteShare, ...gatewaySettings } = options.discordGateway;
  const discordChannels = (): Promise<DiscordLiveChannels | null> => {
    discordLoading ??=
      options.replayDir === undefined
        ? Promise.resolve(null)
        : loadDiscordReplay(options.replayDir).then((replay) =>
            replay === null
              ? null
              : new DiscordLiveChannels(replay, { messageIntervalMs, editShare, deleteShare }, options.seed),
          );
    return discordLoading;
  };
  const discordGateway = new DiscordGateway({
    channels: discordChannels,
    faults,
    botTokens: options.discordBotTokens ?? null,
    settings: { ...gatewaySettings },
  });

  const app = Fastify({ logger: false });
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '';
    const runesTarget = runesEndpoint(path);
    if (runesTarget) {
      const fault = faults.forRequest(runesTarget.provider, runesTarget.endpoint);
      if (!fault) return;
      if (fault.kind === 'http-slow') {
        await holdUnlessClosed(reply, fault.delayMs);
        return;
      }
      const statusCode = fault.kind === 'http-429' ? 429 : fault.kind === 'http-418' ? 418 : fault.statusCode;
      if (fault.kind !== 'http-5xx') void reply.header('Retry-After', String(fault.retryAfterSeconds));
      return reply.code(statusCode).send(runesFaultBody(runesTarget.provider, statusCode));
    }
    const newsTarget = newsEndpoint(path);
    if (newsTarget) {
      const fault = faults.forRequest('news', newsTarget.feed);
      if (!fault) return;
      if (fault.kind === 'http-slow') {
        await holdUnlessClosed(reply, fault.delayMs);
        return;
      }
      const statusCode = fault.kind === 'http-429' ? 429 : fault.kind === 'http-418' ? 418 : fault.statusCode;
      if (fault.kind !== 'http-5xx') void reply.header('Retry-After', String(fault.retryAfterSeconds));
      return reply.code(statusCode).type('text/plain').send(`emulated fault ${statusCode}`);
    }
    const discordTarget = discordEndpoint(path);
    if (discordTarget) {
      const fault = faults.forRequest('discord', discordTarget.endpoint);
      if (!fault) return;
      if (fault.kind === 'http-slow') {
        await holdUnlessClosed(reply, fault.delayMs);
        return;
      }
      const resource = /\/channels\/([^/]+)/.exec(path)?.[1] ?? '';
      const route = discordTarget.route;
      const query = request.url.split('?')[1] ?? '';
      if (fault.kind === 'http-5xx') {
        discord.record({ route, resource, query, status: fault.statusCode, scope: null });
        return reply.code(fault.statusCode).send({ message: '500: Internal Server Error', code: 0 });
      }
      discord.record({
        route,
        resource,
        query,
        status: 429,
        scope: 'shared',
        retryAfterSeconds: fault.retryAfterSeconds,
      });
      return reply
        .code(429)
        .headers({ 'retry-after': String(fault.retryAfterSeconds), 'x-ratelimit-scope': 'shared' })
        .send(discordSharedRateLimitBody(fault.retryAfterSeconds));
    }
    const target = exchangeEndpoint(path);
    if (!target) return;
    const fault = faults.forRequest(target.exchange, target.endpoint);
    if (!fault) return;
    if (fault.kind === 'http-slow') {
      await holdUnlessClosed(reply, fault.delayMs);
      return;
    }
    const statusCode = fault.kind === 'http-429' ? 429 : fault.kind === 'http-418' ? 418 : fault.statusCode;
    if (fault.kind !== 'http-5xx') void reply.header('Retry-After', String(fault.retryAfterSeconds));
    const body = faultBody(target.exchange, fault.kind, fault.retryAfterSeconds);
    if (body === null) return reply.code(statusCode).type('text/plain').send('Service Unavailable');
    return reply.code(statusCode).send(body);
  });
  registerBinanceRoutes(app, context);
  registerKrakenRoutes(app, context);
  registerRunesRoutes(app, { universe: runes, clock, faults, apiKeys: options.runesApiKeys ?? null });
  registerNewsRoutes(app, { articles: newsArticles, faults });
  registerDiscordRoutes(app, {
    channels: discordChannels,
    gatewayBot: (host) => discordGateway.botInformation(host),
    faults,
    limiter: discord,
    botTokens: options.discordBotTokens ?? null,
  });
  registerControlRoutes(app, context);
  app.setNotFoundHandler(async (request, reply) => {
    const runesTarget = runesEndpoint(request.url.split('?')[0] ?? '');
    if (runesTarget) {
      return reply.code(404).send(runesNotFoundBody(runesTarget.provider, request.url.split('?')[0] ?? ''));
    }
    if (discordEndpoint(request.url.split('?')[0] ?? '')) {
      return reply.code(404).send({ message: '404: Not Found', code: 0 });
    }
    const target = exchangeEndpoint(request.url.split('?')[0] ?? '');
    if (target?.exchange === 'binance') {
      return reply.code(404).send({ code: -1000, msg: `${target.endpoint} is not served by the emulator` });
    }
    if (target?.exchange === 'kraken') return reply.code(404).send({ error: ['EGeneral:Unknown method'] });
    return reply
      .code(404)
      .send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } });
  });

  const sessions = new Set<StreamSession>();
  const webSockets = new WebSocketServer({ noServer: true });
  let connectionCount = 0;
  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    handleUpgrade(
      webSockets,
      context,
      sessions,
      request,
      socket,
      head,
      () => {
        connectionCount += 1;
        return connectionCount;
      },
      discordGateway,
    ),
  );

  await app.listen({ port: options.port, host: options.host });
  const port = (app.server.address() as AddressInfo).port;
  const ticker = setInterval(() => {
    const nowMs = clock.nowMs();
    const wallMs = Date.now();
    for (const session of sessions) {
      if (session.isOpen) session.tick(nowMs, wallMs);
    }
  }, options.tickMs);

  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${hostForUrl}:${port}`,
    wsUrl: `ws://${hostForUrl}:${port}`,
    port,
    simulated: universe.simulated,
    clock,
    faults,
    universe,
    runes,
    discord,
    discordGateway,
    discordChannels,
    options,
    status: () => emulatorStatus(context),
    close() {
      closing ??= (async () => {
        clearInterval(ticker);
        discordGateway.close();
        void discordLoading?.then((channels) => channels?.stop());
        for (const client of webSockets.clients) client.terminate();
        await new Promise<void>((resolve) => webSockets.close(() => resolve()));
        await app.close();
      })();
      return closing;
    },
  };
}
