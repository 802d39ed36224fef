import {
  DiscordAPIError,
  HTTPError,
  RateLimitError,
  REST,
  RESTEvents,
  type RateLimitData,
} from '@discordjs/rest';
import {
  RateLimitedError,
  SourceAuthError,
  TransientSourceError,
  ValidationError,
  type TextItem,
} from '@runecast/market';
import type {
  TextChannel,
  TextLiveFeed,
  TextPage,
  TextSource,
  TextSourceCapabilities,
} from '../text-source.port.ts';
import { DiscordGatewayFeed } from './discord-gateway.feed.ts';
import { compareSnowflakes, isSnowflake, mapDiscordMessage, snowflakeAt } from './discord-message.ts';

/** A channel the bot reads, as the admin maps it to the markets or runes it is about. */
export interface DiscordChannel {
  /** The channel's snowflake. */
  id: string;
  name: string;
  /** Assets (`BTC`) or runes (`DOG•GO•TO•THE•MOON`) every message of the channel is about; may be empty. */
  about: readonly string[];
  /** The guild (server) it belongs to, for links back to each message; none without it. */
  guildId?: string;
}

/** Discord's REST API; the emulator's is `${emulatorUrl}/discord/api`. */
export const DISCORD_API_URL = 'https://discord.com/api';
/** Most messages one `GET /channels/{id}/messages` returns. */
export const DISCORD_PAGE_LIMIT = 100;

export interface DiscordSourceOptions {
  channels: readonly DiscordChannel[];
  /** The bot token, read before each request so a token stored while running is used at once. */
  botToken(): Promise<string | null>;
  /** Discord's API base without the version (default https://discord.com/api). */
  apiUrl?: string;
  /** Store author ids as they are instead of a one-way hash (the admin opted in). */
  storeAuthorIds?: boolean;
  /** A channel without stored messages is read from this time on; from its first message when null. */
  backfillFromMs?: number | null;
  /** Messages per request, 1 to 100 (default 100). */
  pageLimit?: number;
  pollIntervalMs?: number;
  timeoutMs?: number;
  /** A rate-limit wait longer than this fails the request as RateLimitedError instead of waiting in it. */
  maxRateLimitWaitMs?: number;
  /** True when the messages are simulated (never for Discord, nor for the emulator's replayed Reddit text). */
  simulated?: boolean;
  now?: () => number;
  /** Told each time the client waits for a bucket or the global limit, or after a 429. */
  onRateLimited?: (info: RateLimitData) => void;
  /**
   * Also follow the channels live through Discord's gateway (new messages, edits, deletions);
   * its address comes from `GET /gateway/bot` of `apiUrl`. Default false.
   */
  gateway?: boolean;
  /** Debug lines of the gateway client, for logs. */
  onGatewayDebug?: (message: string) => void;
}

/**
 * Discord channels read through the REST API (`GET /channels/{id}/messages`, pages of up to 100,
 * forward with `after`) by the bot whose token the admin stored. Rate limits are left to
 * @discordjs/rest, the discord.js project's REST client (it runs on Node 20 and takes the API base
 * as an option, so the emulator needs no other code path): it queues requests per route bucket
 * and top-level resource from the `X-RateLimit-*` headers, keeps to the global limit of 50
 * requests a second, and waits out every 429 before trying again. Live Discord and the emulator
 * differ only in `apiUrl` and the token.
 */
export class DiscordSource implements TextSource {
  readonly id = 'discord';
  readonly kind = 'text' as const;
  readonly simulated: boolean;
  readonly capabilities: TextSourceCapabilities;
  private readonly channels: Map<string, DiscordChannel>;
  private readonly rest: REST;
  private readonly now: () => number;
  private token: string | null = null;

  constructor(private readonly options: DiscordSourceOptions) {
    this.simulated = options.simulated ?? false;
    this.now = options.now ?? Date.now;
    const pageLimit = options.pageLimit ?? DISCORD_PAGE_LIMIT;
    if (!Number.isInteger(pageLimit) || pageLimit < 1 || pageLimit > DISCORD_PAGE_LIMIT) {
      throw new ValidationError(`discord: pageLimit must be 1 to ${DISCORD_PAGE_LIMIT}`);
    }
    this.capabilities = {
      pollIntervalMs: options.pollIntervalMs ?? 60_000,
      pageLimit,
      // The REST client spaces requests by the headers Discord sends; no fixed spacing on top.
      rateLimitMs: 0,
    };
    this.channels = new Map(options.channels.map((channel) => [channel.id, channel]));
    const maxWaitMs = options.maxRateLimitWaitMs ?? 60_000;
    this.rest = new REST({
      api: (options.apiUrl ?? DISCORD_API_URL).replace(/\/$/, ''),
      version: '10',
      timeout: options.timeoutMs ?? 15_000,
      retries: 2,
      // A long wait fails the request instead, so the collector backs off and health says why.
      rejectOnRateLimit: (data) => data.retryAfter > maxWaitMs,
      userAgentAppendix: 'Runecast',
    });
    if (options.onRateLimited) {
      const listener = options.onRateLimited;
      this.rest.on(RESTEvents.RateLimited, listener);
    }
  }

  async listChannels(): Promise<TextChannel[]> {
    return [...this.channels.values()].map((channel) => ({
      id: channel.id,
      name: channel.name,
      about: [...channel.about],
    }));
  }

  async fetchItems(params: { channel: string; after?: string; signal?: AbortSignal }): Promise<TextPage> {
    const channel = this.channels.get(params.channel);
    if (!channel) throw new ValidationError(`discord: channel ${params.channel} is not configured`);
    const after =
      params.after ?? (this.options.backfillFromMs == null ? '0' : snowflakeAt(this.options.backfillFromMs));
    const raw = await this.get(
      `/channels/${channel.id}/messages`,
      new URLSearchParams({ limit: String(this.capabilities.pageLimit), after }),
      params.signal,
    );
    if (!Array.isArray(raw)) {
      throw new TransientSourceError(`discord channel ${channel.id}: the answer is not a list of messages`);
    }
    const seenAtMs = this.now();
    const items: TextItem[] = [];
    const rejected: { id: string; reason: string }[] = [];
    for (const message of raw) {
      const mapped = mapDiscordMessage(message, {
        sourceId: this.id,
        channelId: channel.id,
        guildId: channel.guildId ?? null,
        storeAuthorIds: this.options.storeAuthorIds ?? false,
        seenAtMs,
      });
      if ('item' in mapped) items.push(mapped.item);
      else rejected.push(mapped.rejected);
    }
    // Discord lists newest first; items go oldest first.
    items.sort((left, right) => compareSnowflakes(left.id, right.id));
    // The newest id read, accepted or not, so a page of rejected messages is not read again.
    const newestRead = raw
      .map((message: unknown) =>
        message !== null && typeof message === 'object' ? (message as { id?: unknown }).id : undefined,
      )
      .filter((id): id is string => typeof id === 'string' && isSnowflake(id))
      .sort(compareSnowflakes)
      .at(-1);
    return {
      items,
      // A short page is the channel's end: nothing newer yet.
      cursor: raw.length < this.capabilities.pageLimit || newestRead === undefined ? null : newestRead,
      ...(rejected.length > 0 ? { rejected } : {}),
    };
  }

  /** The gateway feed of the channels when `gateway` is on; null otherwise. */
  liveFeed(): TextLiveFeed | null {
    if (!this.options.gateway) return null;
    return new DiscordGatewayFeed({
      channels: this.channels,
      rest: this.rest,
      token: () => this.authorize(),
      storeAuthorIds: this.options.storeAuthorIds ?? false,
      now: this.now,
      ...(this.options.onGatewayDebug ? { onDebug: this.options.onGatewayDebug } : {}),
    });
  }

  async close(): Promise<void> {
    this.rest.clearHashSweeper();
    this.rest.clearHandlerSweeper();
    this.rest.removeAllListeners();
  }

  /** The stored bot token, set on the REST client; throws SourceAuthError without one. */
  private async authorize(): Promise<string> {
    const token = await this.options.botToken();
    if (token === null || token.trim() === '') {
      throw new SourceAuthError(
        'discord: no bot token stored (PUT /api/v1/admin/secrets/discord.bot-token as an admin)',
      );
    }
    if (token !== this.token) {
      this.rest.setToken(token.trim());
      this.token = token;
    }
    return token.trim();
  }

  private async get(route: `/${string}`, query: URLSearchParams, signal?: AbortSignal): Promise<unknown> {
    await this.authorize();
    const where = `discord ${route}`;
    try {
      return await this.rest.get(route, { query, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw error;
      if (error instanceof RateLimitError) {
        throw new RateLimitedError(`${where}: rate limited (${error.scope})`, error.retryAfter);
      }
      if (error instanceof DiscordAPIError) {
        if (error.status === 401 || error.status === 403) {
          throw new SourceAuthError(`${where}: ${error.status} ${error.message} (check the bot token)`);
        }
        if (error.status === 404) {
          throw new ValidationError(
            `${where}: ${error.message} (is the channel id right, can the bot see it?)`,
          );
        }
        throw new TransientSourceError(`${where}: ${error.status} ${error.message}`);
      }
      if (error instanceof HTTPError) throw new TransientSourceError(`${where}: HTTP ${error.status}`);
      throw new TransientSourceError(`${where}: ${(error as Error).message}`);
    }
  }
}
