import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultInjector } from '../faults/fault-injector.ts';
import type { DiscordRateLimiter } from './discord-rate-limits.ts';
import { DISCORD_API_PATH, DISCORD_REPLAY_GUILD_ID } from './discord-channels.ts';
import { discordMessageObject, type DiscordLiveChannels, type HeldDiscordMessage } from './discord-live.ts';

/** Response header saying the messages are replayed Reddit text, not Discord's. */
export const DISCORD_REPLAYED_HEADER = 'x-runecast-replayed';
/** Response header saying some messages of the answer are simulated live chat (`partial`). */
export const DISCORD_SIMULATED_HEADER = 'x-runecast-simulated';

const MESSAGES_ROUTE = 'GET /channels/{channel.id}/messages';
const CHANNEL_ROUTE = 'GET /channels/{channel.id}';
const GATEWAY_BOT_ROUTE = 'GET /gateway/bot';

/**
 * The fault-rule endpoint (`messages`, `channel`) and the route of a request path, or null when
 * it is not Discord's.
 */
export function discordEndpoint(path: string): { endpoint: string; route: string } | null {
  if (!path.startsWith(`${DISCORD_API_PATH}/`)) return null;
  if (/\/channels\/[^/]+\/messages\/?$/.test(path)) return { endpoint: 'messages', route: MESSAGES_ROUTE };
  if (/\/channels\/[^/]+\/?$/.test(path)) return { endpoint: 'channel', route: CHANNEL_ROUTE };
  if (/\/v\d+\/gateway\/bot\/?$/.test(path)) return { endpoint: 'gateway/bot', route: GATEWAY_BOT_ROUTE };
  const rest = path.slice(DISCORD_API_PATH.length + 1);
  return { endpoint: rest, route: `GET /${rest}` };
}

/** Discord's answer to a shared-resource 429 (what the `http-429` fault sends). */
export function discordSharedRateLimitBody(retryAfterSeconds: number): unknown {
  return { message: 'The resource is being rate limited.', retry_after: retryAfterSeconds, global: false };
}

const SNOWFLAKE = /^\d{1,20}$/;

/** Orders snowflakes as the 64-bit numbers they are. */
export function compareSnowflakes(left: string, right: string): number {
  return left.length - right.length || (left < right ? -1 : left > right ? 1 : 0);
}

/** Index of the first message whose id is greater than `id` (messages ordered by id). */
function firstAfter(messages: readonly HeldDiscordMessage[], id: string): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (compareSnowflakes(messages[middle]!.id, id) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Index of the first message whose id is `id` or greater. */
function firstAtOrAfter(messages: readonly HeldDiscordMessage[], id: string): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (compareSnowflakes(messages[middle]!.id, id) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function invalidFormBody(field: string, code: string, message: string): unknown {
  return {
    code: 50035,
    errors: { [field]: { _errors: [{ code, message }] } },
    message: 'Invalid Form Body',
  };
}

/** The messages of a history query, oldest first, or the form error to answer. */
function selectMessages(
  messages: readonly HeldDiscordMessage[],
  query: Record<string, unknown>,
): { page: readonly HeldDiscordMessage[] } | { error: unknown } {
  let limit = 50;
  if (query.limit !== undefined) {
    const text = String(query.limit);
    if (!/^-?\d+$/.test(text)) {
      return { error: invalidFormBody('limit', 'NUMBER_TYPE_COERCE', `Value "${text}" is not int.`) };
    }
    limit = Number(text);
    if (limit < 1) {
      return {
        error: invalidFormBody('limit', 'NUMBER_TYPE_MIN', 'int value should be greater than or equal to 1.'),
      };
    }
    if (limit > 100) {
      return {
        error: invalidFormBody('limit', 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 100.'),
      };
    }
  }
  const anchors = (['around', 'before', 'after'] as const).filter((name) => query[name] !== undefined);
  for (const name of anchors) {
    const value = query[name];
    if (typeof value !== 'string' || !SNOWFLAKE.test(value) || BigInt(value) >= 1n << 64n) {
      return {
        error: invalidFormBody(name, 'NUMBER_TYPE_COERCE', `Value "${String(value)}" is not snowflake.`),
      };
    }
  }
  if (anchors.length > 1) {
    return {
      error: invalidFormBody(
        anchors[1]!,
        'BASE_TYPE_BAD',
        'around, before and after are mutually exclusive.',
      ),
    };
  }
  const [anchor] = anchors;
  if (anchor === 'after') {
    const start = firstAfter(messages, query.after as string);
    return { page: messages.slice(start, start + limit) };
  }
  if (anchor === 'before') {
    const end = firstAtOrAfter(messages, query.before as string);
    return { page: messages.slice(Math.max(0, end - limit), end) };
  }
  if (anchor === 'around') {
    const middle = firstAtOrAfter(messages, query.around as string);
    const start = Math.max(0, middle - Math.floor(limit / 2));
    return { page: messages.slice(start, start + limit) };
  }
  return { page: messages.slice(Math.max(0, messages.length - limit)) };
}

export interface DiscordRoutesOptions {
  /** The channels and their messages (loaded on first use); null without the replay folder: no channel exists. */
  channels: () => Promise<DiscordLiveChannels | null>;
  /** The gateway's information for `GET /gateway/bot` at the address the client used. */
  gatewayBot: (host: string) => unknown;
  faults: FaultInjector;
  limiter: DiscordRateLimiter;
  /** Accepted bot tokens; any non-empty token when null. */
  botTokens: readonly string[] | null;
}

/**
 * Discord's REST API for reading channel history (`GET /api/v10/channels/{id}` and
 * `/channels/{id}/messages` with `limit`, `before`, `after`, `around`), over the Reddit threads of
 * the replay folder (loaded on first use), with `Authorization: Bot <token>`, Discord's rate-limit
 * headers, and 429s with `retry_after` for a route bucket or the global limit.
 */
export function registerDiscordRoutes(app: FastifyInstance, options: DiscordRoutesOptions): void {
  const replay = options.channels;

  /** Checks auth and the rate limits; answers and returns false when the request may not go on. */
  const admit = (
    request: FastifyRequest,
    reply: FastifyReply,
    route: string,
    resource: string,
  ): { token: string } | null => {
    const query = request.url.split('?')[1] ?? '';
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? /^Bot\s+(\S+)$/.exec(header)?.[1] : undefined;
    if (token === undefined || (options.botTokens !== null && !options.botTokens.includes(token))) {
      options.limiter.record({ route, resource, query, status: 401, scope: null });
      void reply.code(401).send({ message: '401: Unauthorized', code: 0 });
      return null;
    }
    const decision = options.limiter.decide(token, route, resource);
    void reply.headers(decision.headers);
    if (!decision.allowed) {
      options.limiter.record({
        route,
        resource,
        query,
        status: 429,
        scope: decision.scope,
        retryAfterSeconds: decision.retryAfterSeconds,
      });
      void reply.code(429).send({
        message: 'You are being rate limited.',
        retry_after: decision.retryAfterSeconds,
        global: decision.scope === 'global',
      });
      return null;
    }
    return { token };
  };

  app.get<{ Params: { channel: string } }>(
    `${DISCORD_API_PATH}/v10/channels/:channel`,
    async (request, reply) => {
      const channelId = request.params.channel;
      if (!admit(request, reply, CHANNEL_ROUTE, channelId)) return reply;
      const loaded = await replay();
      const channel = loaded?.channels.find((entry) => entry.id === channelId);
      if (!channel) {
        options.limiter.record({
          route: CHANNEL_ROUTE,
          resource: channelId,
          query: '',
          status: 404,
          scope: null,
        });
        return reply.code(404).send({ message: 'Unknown Channel', code: 10003 });
      }
      options.limiter.record({
        route: CHANNEL_ROUTE,
        resource: channelId,
        query: '',
        status: 200,
        scope: null,
      });
      const newest = loaded!.messagesOf(channel.id)?.at(-1);
      return reply.header(DISCORD_REPLAYED_HEADER, 'reddit').send({
        id: channel.id,
        type: 0,
        guild_id: DISCORD_REPLAY_GUILD_ID,
        name: channel.name,
        topic: channel.topic,
        position: loaded!.channels.indexOf(channel),
        parent_id: null,
        nsfw: false,
        rate_limit_per_user: 0,
        last_message_id: newest?.id ?? null,
        permission_overwrites: [],
        flags: 0,
      });
    },
  );

  app.get<{ Params: { channel: string }; Querystring: Record<string, unknown> }>(
    `${DISCORD_API_PATH}/v10/channels/:channel/messages`,
    async (request, reply) => {
      const channelId = request.params.channel;
      if (!admit(request, reply, MESSAGES_ROUTE, channelId)) return reply;
      const loaded = await replay();
      const messages = loaded?.messagesOf(channelId);
      const query = request.url.split('?')[1] ?? '';
      const record = (status: number) =>
        options.limiter.record({ route: MESSAGES_ROUTE, resource: channelId, query, status, scope: null });
      if (!loaded || !messages) {
        record(404);
        return reply.code(404).send({ message: 'Unknown Channel', code: 10003 });
      }
      const selected = selectMessages(messages, request.query);
      if ('error' in selected) {
        record(400);
        return reply.code(400).send(selected.error);
      }
      const lookup = (id: string) => loaded.message(id);
      const body = [...selected.page]
        .reverse()
        .map((message) => discordMessageObject(message, lookup, DISCORD_REPLAY_GUILD_ID, true));
      if (selected.page.some((message) => message.simulated)) {
        void reply.header(DISCORD_SIMULATED_HEADER, 'partial');
      }
      if (body.length > 0 && options.faults.discordFaultsFor('messages').length > 0) {
        const broken = body[Math.floor(body.length / 2)]!;
        broken.timestamp = 'yesterday';
        broken.content = 12345;
      }
      record(200);
      return reply.header(DISCORD_REPLAYED_HEADER, 'reddit').send(body);
    },
  );

  // The gateway's address as the client reached the emulator, so a ws:// client finds it there.
  app.get(`${DISCORD_API_PATH}/v10/gateway/bot`, async (request, reply) => {
    if (!admit(request, reply, GATEWAY_BOT_ROUTE, 'gateway')) return reply;
    options.limiter.record({
      route: GATEWAY_BOT_ROUTE,
      resource: 'gateway',
      query: '',
      status: 200,
      scope: null,
    });
    return reply.send(options.gatewayBot(request.headers.host ?? request.hostname));
  });

  app.get(`${DISCORD_API_PATH}/v10/gateway`, async (request, reply) => {
    const { url } = options.gatewayBot(request.headers.host ?? request.hostname) as { url: string };
    return reply.send({ url });
  });
}
