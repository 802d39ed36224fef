import { resolve } from 'node:path';
import { z } from 'zod';
import {
  defaultHorizonsMinutes,
  isValidExchangeId,
  timeframeMinutes,
  isValidSymbol,
  type Timeframe,
  TIMEFRAMES,
} from '@runecast/market';

/** A tracked market: exchange id and unified symbol, e.g. binance + BTC/USDT. */
export interface TrackedMarket {
  exchange: string;
  symbol: string;
}

/** A news feed (RSS or Atom) the news source reads, as an admin lists it in RUNECAST_NEWS_FEEDS. */
export interface NewsFeedSetting {
  /** Lower-case letters, digits and dashes: the channel id of its articles (`coindesk`). */
  id: string;
  name: string;
  url: string;
  /** Assets or runes every article of the feed is about besides those it names (`BTC`); may be empty. */
  about: string[];
}

/** A Discord channel the bot reads, as an admin lists it in RUNECAST_DISCORD_CHANNELS. */
export interface DiscordChannelSetting {
  /** The channel's snowflake. */
  id: string;
  name: string;
  /** Assets or runes every message of the channel is about besides those it names; may be empty. */
  about: string[];
  /** The guild (server) of the channel, for links back to each message. */
  guildId?: string;
}

/** Every setting Runecast reads, parsed once. */
export interface Config {
  home: string;
  databaseUrl: string | null;
  pgliteDir: string;
  busUrl: string | null;
  emulatorUrl: string | null;
  replayDir: string | null;
  host: string;
  port: number;
  markets: TrackedMarket[];
  timeframe: Timeframe;
  backfillDays: number;
  /** Snapshot sources: how many of each source's instruments, most important first, are polled besides those tracked. */
  snapshotTopInstruments: number;
  /**
   * Ingest processes share tracked markets and sources through leases of this length, renewed
   * every third of it: a dead process's share moves on within about 4/3 of it.
   */
  ingestLeaseTtlMs: number;
  /** Runes providers collected (each a snapshot source); empty for none. */
  runesProviders: ('ordiscan' | 'unisat' | 'geniidata')[];
  /** GeniiData: id of the published query whose rows are read; null to use the emulator's in offline mode, or none live. */
  geniiDataDatasource: string | null;
  /** News feeds read by the news source; null for the defaults (the emulator's replayed feed offline). */
  newsFeeds: NewsFeedSetting[] | null;
  /** News: days article text is kept (the article, its times, title, address and sentiment stay); 0 for ever. */
  newsRetentionDays: number;
  /** CryptoPanic: only posts tagged with these currency codes; empty for all. */
  cryptoPanicCurrencies: string[];
  /** Discord channels read; null for the default (none live, the emulator's replayed channels offline). */
  discordChannels: DiscordChannelSetting[] | null;
  /** Discord: store author ids as they are instead of a one-way hash. */
  discordStoreAuthorIds: boolean;
  /** Discord: days of history read from a channel without stored messages; 0 for all of it. */
  discordBackfillDays: number;
  /** Discord: days message text is kept (the message, its time and sentiment stay); 0 for ever. */
  discordRetentionDays: number;
  /** Discord: also follow the channels live through the gateway (new messages, edits, deletions). */
  discordGateway: boolean;
  offline: boolean;
  emulatorSpeed: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Log lines on stderr: readable text on a terminal and JSON otherwise (`auto`), or always one. */
  logFormat: 'auto' | 'json' | 'pretty';
  /** HTTP API: JWT signing secret; null means a key generated into `home` on first start. */
  jwtSecret: string | null;
  /** HTTP API: 32-byte key sealing stored secrets; null means a key generated into `home`. */
  secretsKey: string | null;
  /** First admin, created when the store has no users. */
  adminEmail: string;
  /** Its password; null means one is generated and printed once. */
  adminPassword: string | null;
  /** Whether anyone may sign up (until an admin changes it). */
  signupEnabled: boolean;
  /** Browser origins allowed to call the API (CORS); empty allows none but the API's own. */
  corsOrigins: string[];
  /** `redis://…` for a shared cache; null for the in-process LRU. */
  cacheUrl: string | null;
  accessTokenTtlSeconds: number;
  /** Requests per minute one IP address may make to the API. */
  rateLimitPerIp: number;
  /** Requests per minute one user (all their tokens and keys) may make. */
  rateLimitPerUser: number;
  /** Trust X-Forwarded-For from a reverse proxy in front of the API. */
  trustProxy: boolean;
  /** SMTP server that sends alert emails (`smtp://user:pass@host:587`); null: no email channel. */
  smtpUrl: string | null;
  /** Sender address of alert emails. */
  smtpFrom: string;
  /** Telegram's Bot API address (its own unless a relay is set up). */
  telegramApiUrl: string;
  /** Forecast horizons, in minutes, of every tracked series. */
  horizonsMinutes: number[];
  forecastIntervalMinutes: number;
  /** Cron expression (UTC) for retraining production models; null for none. */
  retrainCron: string | null;
  /** Model trained and promoted for a tracked series and horizon that has no production model yet. */
  defaultModel: string;
  workerConcurrency: number;
  /** Job kinds the worker role runs; null for every kind. */
  workerKinds: string[] | null;
  /** A job whose worker has been silent this long is taken again by another worker. */
  jobLeaseSeconds: number;
  /** A stop that takes longer than this after SIGTERM is cut short. */
  shutdownTimeoutSeconds: number;
  /** Seconds added to the stale threshold of every series. */
  staleGraceSeconds: number;
  /** A series stalls when its newest candle is older than this many timeframes plus the grace. */
  staleAfterTimeframes: number;
  /** How long an open cache circuit skips Redis before probing it. */
  cacheBreakerCoolDownSeconds: number;
  /** Redis failures in a row that open the cache circuit. */
  cacheBreakerFailures: number;
  /** Longest wait for one Redis cache operation before it counts as a miss. */
  cacheTimeoutMs: number;
  /** Below this many free bytes where data is kept, the process turns read-only (0: never). */
  diskMinFreeBytes: number;
  /** How often free disk space is read. */
  diskCheckIntervalMs: number;
  /** An OpenAI-compatible chat endpoint that writes abstractive summaries; null: extractive only. */
  llm: { url: string; apiKey: string | null; model: string } | null;
  /** True: text collectors score new items with the `llm` endpoint (lexicon-v1 when it fails). */
  llmSentiment: boolean;
}

/** Documentation of each variable: shown in `--help` output and kept in sync with the README. */
export const ENVIRONMENT_VARIABLES = {
  RUNECAST_HOME: 'folder for embedded data, keys and logs (default ./.runecast)',
  RUNECAST_DATABASE_URL: 'postgres://… for PostgreSQL; unset for embedded PGlite in $RUNECAST_HOME/pg',
  RUNECAST_BUS_URL: 'nats://… for NATS JetStream; unset or memory:// for the in-process bus',
  RUNECAST_EMULATOR_URL: 'http://127.0.0.1:PORT to point every exchange source at a running emulator',
  RUNECAST_REPLAY_DIR: 'folder of real kline files the emulator replays (offline mode)',
  RUNECAST_HOST: 'address the HTTP server binds (default 127.0.0.1)',
  RUNECAST_PORT: 'HTTP port (default 8080)',
  RUNECAST_MARKETS:
    'tracked markets, comma-separated exchange:BASE/QUOTE (default binance:BTC/USDT,binance:ETH/USDT)',
  RUNECAST_TIMEFRAME: `timeframe stored for tracked markets (${TIMEFRAMES.join(', ')}; default 1m)`,
  RUNECAST_BACKFILL_DAYS: 'days of history `runecast up` backfills for each tracked market (default 14)',
  RUNECAST_RUNES_PROVIDERS:
    'runes providers collected, comma-separated from ordiscan, unisat, geniidata, or none (default all three; geniidata needs RUNECAST_GENIIDATA_DATASOURCE live)',
  RUNECAST_GENIIDATA_DATASOURCE:
    "GeniiData: id of your published runes query whose results are read (offline: the emulator's)",
  RUNECAST_INGEST_LEASE_SECONDS:
    "ingest processes share markets and sources through leases this long, renewed every third of it; a dead process's share moves to another within about 4/3 of it (2 to 300, default 15)",
  RUNECAST_SNAPSHOT_TOP:
    'instruments of each snapshot source (runes providers) polled besides tracked ones, most important first (default 50)',
  RUNECAST_NEWS_FEEDS:
    'news feeds read: `none`, or a JSON array of {"id","name","url","about"?} (default CoinDesk, Cointelegraph, Decrypt and The Block live; the replayed feed offline)',
  RUNECAST_NEWS_RETENTION_DAYS:
    'days news article text is kept after it became known, then removed (the article, its times, title, address and sentiment stay); 0 for ever (default 90)',
  RUNECAST_CRYPTOPANIC_CURRENCIES:
    'comma-separated currency codes CryptoPanic posts are asked for (`BTC,ETH`); all posts when unset. CryptoPanic is read while the admin secret cryptopanic.auth-token is stored (offline: always, from the emulator)',
  RUNECAST_DISCORD_CHANNELS:
    'Discord channels the bot reads: `none`, or a JSON array of {"id","name","about"?,"guildId"?} (default none live; the replayed channels offline); the bot token is the admin secret discord.bot-token',
  RUNECAST_DISCORD_STORE_AUTHOR_IDS:
    'true to store Discord author ids as they are instead of a one-way hash (default false)',
  RUNECAST_DISCORD_BACKFILL_DAYS:
    'days of history read from a Discord channel with no stored messages, 0 for all of it (default 0)',
  RUNECAST_DISCORD_RETENTION_DAYS:
    'days Discord message text is kept after Runecast first stored it, then removed (the message, its time and sentiment stay); 0 for ever (default 90)',
  RUNECAST_DISCORD_GATEWAY:
    'true to also follow the Discord channels live through the gateway: new messages, edits and deletions (needs the Message Content intent; default false)',
  RUNECAST_OFFLINE: 'true to never contact real exchanges (default false)',
  RUNECAST_EMULATOR_SPEED: 'replay speed of the built-in emulator in offline mode, 1 to 10000 (default 1)',
  RUNECAST_LOG_LEVEL: 'fatal, error, warn, info, debug, trace or silent (default info)',
  RUNECAST_LOG_FORMAT:
    'auto (readable lines on a terminal, JSON lines when piped or redirected), json or pretty (default auto)',
  RUNECAST_JWT_SECRET:
    'secret signing API access tokens, 32+ characters (default: generated into $RUNECAST_HOME)',
  RUNECAST_SECRETS_KEY:
    'AES-256 key sealing stored secrets, 64 hex or base64 characters (default: generated)',
  RUNECAST_ADMIN_EMAIL: 'email of the admin created on first start (default admin@runecast.local)',
  RUNECAST_ADMIN_PASSWORD: "that admin's password (default: generated and printed once)",
  RUNECAST_SIGNUP:
    'true to let anyone sign up, false for admin-created accounts only (default false; admins can change it)',
  RUNECAST_CORS_ORIGINS: 'browser origins allowed to call the API, comma-separated (default none)',
  RUNECAST_CACHE_URL: 'redis://… for a shared cache; unset or memory:// for the in-process LRU',
  RUNECAST_ACCESS_TOKEN_TTL: 'lifetime of API access tokens in seconds, 60 to 86400 (default 900)',
  RUNECAST_RATE_LIMIT_IP: 'API requests per minute per IP address (default 600)',
  RUNECAST_RATE_LIMIT_USER: 'API requests per minute per user (default 1200)',
  RUNECAST_TRUST_PROXY: 'true when a reverse proxy sets X-Forwarded-For (default false)',
  RUNECAST_SMTP_URL:
    'SMTP server for alert emails, smtp://user:password@host:587 or smtps://…:465 (default none: no email channel)',
  RUNECAST_SMTP_FROM: 'sender address of alert emails (default alerts@runecast.local)',
  RUNECAST_TELEGRAM_API_URL: "Telegram's Bot API address (default https://api.telegram.org)",
  RUNECAST_LLM_URL:
    'base address of an OpenAI-compatible chat API (…/v1, e.g. a local Ollama at http://127.0.0.1:11434/v1) that writes abstractive community summaries (default none: extractive only)',
  RUNECAST_LLM_API_KEY: 'bearer key for RUNECAST_LLM_URL, when it needs one',
  RUNECAST_LLM_MODEL: 'the model RUNECAST_LLM_URL runs the summaries with (needed with RUNECAST_LLM_URL)',
  RUNECAST_LLM_SENTIMENT:
    'true scores new news articles and Discord messages with the RUNECAST_LLM_URL model, with lexicon-v1 when it fails (needs RUNECAST_LLM_URL; default false)',
  RUNECAST_HORIZONS:
    'forecast horizons in minutes, comma-separated multiples of the timeframe (default by timeframe: 5,15,60 for 1m; 240,1440 for 1h)',
  RUNECAST_FORECAST_INTERVAL_MINUTES: 'minutes between scheduled forecasts, 1 to 1440 (default 5)',
  RUNECAST_RETRAIN_CRON:
    'cron expression (UTC) for retraining production models, e.g. "0 3 * * *" (default none)',
  RUNECAST_DEFAULT_MODEL:
    'model trained for a tracked series and horizon without a production model (default ridge; "none" to skip)',
  RUNECAST_WORKER_CONCURRENCY: 'jobs one worker process runs at once, 1 to 16 (default 1)',
  RUNECAST_WORKER_KINDS: 'job kinds the worker role runs, comma-separated (default every kind)',
  RUNECAST_JOB_LEASE_SECONDS: 'a job whose worker is silent this long is taken again, 5 to 3600 (default 60)',
  RUNECAST_SHUTDOWN_TIMEOUT_SECONDS:
    'seconds a stopping process (SIGTERM, SIGINT) may take before it exits anyway; a second signal exits at once, 1 to 3600 (default 30)',
  RUNECAST_STALE_GRACE_SECONDS:
    'seconds added to RUNECAST_STALE_AFTER_TIMEFRAMES before a series counts as stalled, 0 to 86400 (default 60)',
  RUNECAST_STALE_AFTER_TIMEFRAMES:
    'a tracked series whose newest candle is older than this many timeframes plus RUNECAST_STALE_GRACE_SECONDS makes /ready degraded, naming it, 1 to 1000 (default 3)',
  RUNECAST_CACHE_BREAKER_COOLDOWN_SECONDS:
    'seconds Redis is skipped (every read a miss) before one request probes it again, 1 to 3600 (default 30)',
  RUNECAST_CACHE_BREAKER_FAILURES:
    'Redis cache failures in a row after which Redis is skipped for the cool-down, 1 to 1000 (default 5)',
  RUNECAST_CACHE_TIMEOUT_MS:
    'longest wait for one Redis cache operation in ms before it is served as a miss, 10 to 10000 (default 250)',
  RUNECAST_DISK_MIN_FREE_MB:
    "below this many MB free on the file system of $RUNECAST_HOME, the embedded store or a local PostgreSQL's data directory, the process turns read-only (ingestion and jobs pause, API writes answer 503 with Retry-After) and /ready reports disk degraded with the reason, until 10% more is free; 0 to 10000000, 0 never pauses (default 512)",
  RUNECAST_DISK_CHECK_SECONDS: 'seconds between readings of free disk space, 1 to 3600 (default 10)',
} as const;

/** Variables whose values never appear in error messages. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'RUNECAST_JWT_SECRET',
  'RUNECAST_LLM_API_KEY',
  'RUNECAST_SECRETS_KEY',
  'RUNECAST_ADMIN_PASSWORD',
]);

export type EnvironmentVariable = keyof typeof ENVIRONMENT_VARIABLES;

/** Raised for a bad setting; the message names the variable (or flag) and what is allowed. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const booleanText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const urlWithScheme = (schemes: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { error: `must be a URL starting with ${schemes.map((scheme) => `${scheme}//`).join(' or ')}` },
  );

const marketsText = z.string().transform((value, context) => {
  const markets: TrackedMarket[] = [];
  for (const part of value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const separator = part.indexOf(':');
    const exchange = part.slice(0, separator);
    const symbol = part.slice(separator + 1).toUpperCase();
    if (separator <= 0 || !isValidExchangeId(exchange) || !isValidSymbol(symbol)) {
      context.addIssue({
        code: 'custom',
        message: `"${part}" is not exchange:BASE/QUOTE (e.g. binance:BTC/USDT)`,
      });
      return z.NEVER;
    }
    markets.push({ exchange, symbol });
  }
  if (markets.length === 0) {
    context.addIssue({ code: 'custom', message: 'must name at least one market' });
    return z.NEVER;
  }
  return markets;
});

const newsFeedSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, {
      error: 'must be 1-40 lower-case letters, digits or dashes',
    }),
    name: z.string().trim().min(1).max(200),
    url: urlWithScheme(['http:', 'https:']),
    about: z
      .array(
        z.string().regex(/^[A-Z0-9](?:[A-Z0-9]|•(?=[A-Z0-9])){0,59}$/, { error: 'must be an asset or rune' }),
      )
      .max(50)
      .default([]),
  })
  .strict();

const newsFeedsText = z.string().transform((value, context): NewsFeedSetting[] => {
  if (value.trim() === 'none') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    context.addIssue({ code: 'custom', message: 'must be none or a JSON array of feeds' });
    return z.NEVER;
  }
  const result = z.array(newsFeedSchema).max(200).safeParse(parsed);
  if (!result.success) {
    for (const issue of result.error.issues) {
      context.addIssue({ code: 'custom', message: `${issue.path.join('.') || 'feeds'}: ${issue.message}` });
    }
    return z.NEVER;
  }
  const ids = result.data.map((feed) => feed.id);
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated !== undefined) {
    context.addIssue({ code: 'custom', message: `feed id "${repeated}" is listed twice` });
    return z.NEVER;
  }
  return result.data;
});

const snowflakeText = z.string().regex(/^\d{15,20}$/, { error: 'must be a Discord id (snowflake)' });

const discordChannelSchema = z
  .object({
    id: snowflakeText,
    name: z.string().trim().min(1).max(200),
    about: z
      .array(
        z.string().regex(/^[A-Z0-9](?:[A-Z0-9]|•(?=[A-Z0-9])){0,59}$/, { error: 'must be an asset or rune' }),
      )
      .max(50)
      .default([]),
    guildId: snowflakeText.optional(),
  })
  .strict();

const discordChannelsText = z.string().transform((value, context): DiscordChannelSetting[] => {
  if (value.trim() === 'none') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    context.addIssue({ code: 'custom', message: 'must be none or a JSON array of channels' });
    return z.NEVER;
  }
  const result = z.array(discordChannelSchema).max(500).safeParse(parsed);
  if (!result.success) {
    for (const issue of result.error.issues) {
      context.addIssue({
        code: 'custom',
        message: `${issue.path.join('.') || 'channels'}: ${issue.message}`,
      });
    }
    return z.NEVER;
  }
  const ids = result.data.map((channel) => channel.id);
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated !== undefined) {
    context.addIssue({ code: 'custom', message: `channel id "${repeated}" is listed twice` });
    return z.NEVER;
  }
  return result.data;
});

const integerText = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: `must be a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const environmentSchema = z.object({
  RUNECAST_HOME: z.string().min(1).default('./.runecast'),
  RUNECAST_DATABASE_URL: urlWithScheme(['postgres:', 'postgresql:']).optional(),
  RUNECAST_BUS_URL: urlWithScheme(['nats:', 'memory:']).optional(),
  RUNECAST_EMULATOR_URL: urlWithScheme(['http:', 'https:']).optional(),
  RUNECAST_REPLAY_DIR: z.string().min(1).optional(),
  RUNECAST_HOST: z.string().min(1).default('127.0.0.1'),
  RUNECAST_PORT: integerText(0, 65535).default(8080),
  RUNECAST_MARKETS: marketsText.default([
    { exchange: 'binance', symbol: 'BTC/USDT' },
    { exchange: 'binance', symbol: 'ETH/USDT' },
  ]),
  RUNECAST_TIMEFRAME: z.enum(TIMEFRAMES, { error: `must be one of ${TIMEFRAMES.join(', ')}` }).default('1m'),
  RUNECAST_BACKFILL_DAYS: integerText(0, 3650).default(14),
  RUNECAST_SNAPSHOT_TOP: integerText(0, 5000).default(50),
  RUNECAST_INGEST_LEASE_SECONDS: integerText(2, 300).default(15),
  RUNECAST_RUNES_PROVIDERS: z
    .string()
    .regex(/^\s*(none|(ordiscan|unisat|geniidata)(\s*,\s*(ordiscan|unisat|geniidata))*)\s*$/, {
      error: 'must be runes providers separated by commas (ordiscan, unisat, geniidata) or none',
    })
    .transform((value) =>
      value.trim() === 'none'
        ? []
        : [...new Set(value.split(',').map((item) => item.trim() as 'ordiscan' | 'unisat' | 'geniidata'))],
    )
    .default(['ordiscan', 'unisat', 'geniidata']),
  RUNECAST_GENIIDATA_DATASOURCE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be a datasource id: letters, digits, - or _' })
    .optional(),
  RUNECAST_NEWS_FEEDS: newsFeedsText.optional(),
  RUNECAST_NEWS_RETENTION_DAYS: integerText(0, 36500).default(90),
  RUNECAST_CRYPTOPANIC_CURRENCIES: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((code) => code.trim().toUpperCase())
        .filter((code) => code !== ''),
    )
    .pipe(
      z
        .array(z.string().regex(/^[A-Z0-9]{1,20}$/, 'currency codes are letters and digits, like BTC'))
        .max(50),
    )
    .optional(),
  RUNECAST_DISCORD_CHANNELS: discordChannelsText.optional(),
  RUNECAST_DISCORD_STORE_AUTHOR_IDS: booleanText.default(false),
  RUNECAST_DISCORD_BACKFILL_DAYS: integerText(0, 3650).default(0),
  RUNECAST_DISCORD_RETENTION_DAYS: integerText(0, 36500).default(90),
  RUNECAST_DISCORD_GATEWAY: booleanText.default(false),
  RUNECAST_OFFLINE: booleanText.default(false),
  RUNECAST_EMULATOR_SPEED: integerText(1, 10000).default(1),
  RUNECAST_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  RUNECAST_LOG_FORMAT: z
    .enum(['auto', 'json', 'pretty'], { error: 'must be one of auto, json, pretty' })
    .default('auto'),
  RUNECAST_JWT_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  RUNECAST_SECRETS_KEY: z
    .string()
    .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/, {
      error: 'must be 32 bytes as 64 hex characters or base64 (e.g. from `openssl rand -hex 32`)',
    })
    .optional(),
  RUNECAST_ADMIN_EMAIL: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: 'must be an email address' }))
    .default('admin@runecast.local'),
  RUNECAST_ADMIN_PASSWORD: z
    .string()
    .min(10, { error: 'must be at least 10 characters' })
    .max(256, { error: 'must be at most 256 characters' })
    .optional(),
  RUNECAST_SIGNUP: booleanText.default(false),
  RUNECAST_CORS_ORIGINS: z
    .string()
    .transform((value, context) => {
      const origins = value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      for (const origin of origins) {
        let parsed: URL | null = null;
        try {
          parsed = new URL(origin);
        } catch {
          parsed = null;
        }
        if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
          context.addIssue({
            code: 'custom',
            message: `"${origin}" is not an origin like https://dashboard.example.com (scheme, host, optional port)`,
          });
          return z.NEVER;
        }
      }
      return origins;
    })
    .default([]),
  RUNECAST_CACHE_URL: urlWithScheme(['redis:', 'rediss:', 'memory:']).optional(),
  RUNECAST_ACCESS_TOKEN_TTL: integerText(60, 86_400).default(900),
  RUNECAST_RATE_LIMIT_IP: integerText(1, 1_000_000).default(600),
  RUNECAST_RATE_LIMIT_USER: integerText(1, 1_000_000).default(1200),
  RUNECAST_TRUST_PROXY: booleanText.default(false),
  RUNECAST_SMTP_URL: urlWithScheme(['smtp:', 'smtps:']).optional(),
  RUNECAST_SMTP_FROM: z.email({ error: 'must be an email address' }).default('alerts@runecast.local'),
  RUNECAST_TELEGRAM_API_URL: urlWithScheme(['http:', 'https:']).default('https://api.telegram.org'),
  RUNECAST_LLM_URL: urlWithScheme(['http:', 'https:']).optional(),
  RUNECAST_LLM_API_KEY: z.string().min(1).max(500).optional(),
  RUNECAST_LLM_MODEL: z
    .string()
    .regex(/^[\x21-\x7e]{1,200}$/, { error: 'must be a model name without spaces' })
    .optional(),
  RUNECAST_LLM_SENTIMENT: booleanText.default(false),
  RUNECAST_HORIZONS: z
    .string()
    .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, { error: 'must be minutes separated by commas, e.g. 240,1440' })
    .transform((value) => [...new Set(value.split(',').map((item) => Number(item.trim())))])
    .pipe(
      z
        .array(
          z
            .number()
            .int()
            .min(1)
            .max(60 * 24 * 30),
        )
        .min(1)
        .max(6),
    )
    .optional(),
  RUNECAST_FORECAST_INTERVAL_MINUTES: integerText(1, 1440).default(5),
  RUNECAST_RETRAIN_CRON: z
    .string()
    .regex(/^\S+( \S+){4,5}$/, { error: 'must be a cron expression with 5 or 6 fields, e.g. "0 3 * * *"' })
    .optional(),
  RUNECAST_DEFAULT_MODEL: z
    .string()
    .regex(/^[a-z][a-z-]{1,30}$/, { error: 'must be a model id such as ridge, naive or none' })
    .default('ridge'),
  RUNECAST_WORKER_CONCURRENCY: integerText(1, 16).default(1),
  RUNECAST_WORKER_KINDS: z
    .string()
    .regex(/^\s*[a-z][a-z0-9-]*(\s*,\s*[a-z][a-z0-9-]*)*\s*$/, {
      error: 'must be job kinds separated by commas, e.g. train,backtest',
    })
    .transform((value) => [...new Set(value.split(',').map((item) => item.trim()))])
    .optional(),
  RUNECAST_JOB_LEASE_SECONDS: integerText(5, 3600).default(60),
  RUNECAST_SHUTDOWN_TIMEOUT_SECONDS: integerText(1, 3600).default(30),
  RUNECAST_STALE_GRACE_SECONDS: integerText(0, 86_400).default(60),
  RUNECAST_STALE_AFTER_TIMEFRAMES: integerText(1, 1000).default(3),
  RUNECAST_CACHE_BREAKER_COOLDOWN_SECONDS: integerText(1, 3600).default(30),
  RUNECAST_CACHE_BREAKER_FAILURES: integerText(1, 1000).default(5),
  RUNECAST_CACHE_TIMEOUT_MS: integerText(10, 10_000).default(250),
  RUNECAST_DISK_MIN_FREE_MB: integerText(0, 10_000_000).default(512),
  RUNECAST_DISK_CHECK_SECONDS: integerText(1, 3600).default(10),
});

/** Command-line flags that override variables; `flagName` is used in error messages. */
export type ConfigOverrides = Partial<Record<EnvironmentVariable, string>>;
export const FLAG_FOR_VARIABLE: Partial<Record<EnvironmentVariable, string>> = {
  RUNECAST_HOME: '--home',
  RUNECAST_DATABASE_URL: '--database-url',
  RUNECAST_BUS_URL: '--bus-url',
  RUNECAST_EMULATOR_URL: '--emulator',
  RUNECAST_PORT: '--port',
  RUNECAST_HOST: '--host',
  RUNECAST_OFFLINE: '--offline',
  RUNECAST_LOG_LEVEL: '--log-level',
};

/**
 * Parses the environment (and flag overrides, which win) into a Config.
 * Throws ConfigError naming each bad variable and what it allows.
 */
export function loadConfig(environment: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}): Config {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(ENVIRONMENT_VARIABLES) as EnvironmentVariable[]) {
    const value = overrides[name] ?? environment[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const parsed = environmentSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '');
      const flag =
        overrides[variable as EnvironmentVariable] !== undefined
          ? FLAG_FOR_VARIABLE[variable as EnvironmentVariable]
          : undefined;
      const name = flag ? `${flag} (${variable})` : variable;
      const shown = SECRET_VARIABLES.has(variable) ? '(hidden)' : JSON.stringify(raw[variable]);
      return `${name}=${shown}: ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  const values = parsed.data;
  const stepMinutes = timeframeMinutes(values.RUNECAST_TIMEFRAME);
  const offGrid = (values.RUNECAST_HORIZONS ?? []).filter((minutes) => minutes % stepMinutes !== 0);
  if (offGrid.length > 0) {
    throw new ConfigError([
      `RUNECAST_HORIZONS=${JSON.stringify(raw.RUNECAST_HORIZONS)}: ${offGrid.join(', ')} is not a multiple of the ${values.RUNECAST_TIMEFRAME} timeframe (${stepMinutes} minutes)`,
    ]);
  }
  if (values.RUNECAST_LLM_URL !== undefined && values.RUNECAST_LLM_MODEL === undefined) {
    throw new ConfigError(['RUNECAST_LLM_MODEL: needed with RUNECAST_LLM_URL (the model to summarise with)']);
  }
  if (values.RUNECAST_LLM_SENTIMENT && values.RUNECAST_LLM_URL === undefined) {
    throw new ConfigError([
      'RUNECAST_LLM_SENTIMENT: needs RUNECAST_LLM_URL and RUNECAST_LLM_MODEL (the model to score with)',
    ]);
  }
  const home = resolve(values.RUNECAST_HOME);
  const busUrl = values.RUNECAST_BUS_URL?.startsWith('memory:') ? null : (values.RUNECAST_BUS_URL ?? null);
  return {
    home,
    databaseUrl: values.RUNECAST_DATABASE_URL ?? null,
    pgliteDir: resolve(home, 'pg'),
    busUrl,
    emulatorUrl: values.RUNECAST_EMULATOR_URL ?? null,
    replayDir: values.RUNECAST_REPLAY_DIR ? resolve(values.RUNECAST_REPLAY_DIR) : null,
    host: values.RUNECAST_HOST,
    port: values.RUNECAST_PORT,
    markets: values.RUNECAST_MARKETS,
    timeframe: values.RUNECAST_TIMEFRAME,
    backfillDays: values.RUNECAST_BACKFILL_DAYS,
    snapshotTopInstruments: values.RUNECAST_SNAPSHOT_TOP,
    ingestLeaseTtlMs: values.RUNECAST_INGEST_LEASE_SECONDS * 1000,
    runesProviders: values.RUNECAST_RUNES_PROVIDERS,
    geniiDataDatasource: values.RUNECAST_GENIIDATA_DATASOURCE ?? null,
    newsFeeds: values.RUNECAST_NEWS_FEEDS ?? null,
    newsRetentionDays: values.RUNECAST_NEWS_RETENTION_DAYS,
    cryptoPanicCurrencies: values.RUNECAST_CRYPTOPANIC_CURRENCIES ?? [],
    discordChannels: values.RUNECAST_DISCORD_CHANNELS ?? null,
    discordStoreAuthorIds: values.RUNECAST_DISCORD_STORE_AUTHOR_IDS,
    discordBackfillDays: values.RUNECAST_DISCORD_BACKFILL_DAYS,
    discordRetentionDays: values.RUNECAST_DISCORD_RETENTION_DAYS,
    discordGateway: values.RUNECAST_DISCORD_GATEWAY,
    offline: values.RUNECAST_OFFLINE,
    emulatorSpeed: values.RUNECAST_EMULATOR_SPEED,
    logLevel: values.RUNECAST_LOG_LEVEL,
    logFormat: values.RUNECAST_LOG_FORMAT,
    jwtSecret: values.RUNECAST_JWT_SECRET ?? null,
    secretsKey: values.RUNECAST_SECRETS_KEY ?? null,
    adminEmail: values.RUNECAST_ADMIN_EMAIL,
    adminPassword: values.RUNECAST_ADMIN_PASSWORD ?? null,
    signupEnabled: values.RUNECAST_SIGNUP,
    corsOrigins: values.RUNECAST_CORS_ORIGINS,
    cacheUrl: values.RUNECAST_CACHE_URL?.startsWith('memory:') ? null : (values.RUNECAST_CACHE_URL ?? null),
    accessTokenTtlSeconds: values.RUNECAST_ACCESS_TOKEN_TTL,
    rateLimitPerIp: values.RUNECAST_RATE_LIMIT_IP,
    rateLimitPerUser: values.RUNECAST_RATE_LIMIT_USER,
    trustProxy: values.RUNECAST_TRUST_PROXY,
    smtpUrl: values.RUNECAST_SMTP_URL ?? null,
    smtpFrom: values.RUNECAST_SMTP_FROM,
    telegramApiUrl: values.RUNECAST_TELEGRAM_API_URL,
    horizonsMinutes: values.RUNECAST_HORIZONS ?? defaultHorizonsMinutes(values.RUNECAST_TIMEFRAME),
    forecastIntervalMinutes: values.RUNECAST_FORECAST_INTERVAL_MINUTES,
    retrainCron: values.RUNECAST_RETRAIN_CRON ?? null,
    defaultModel: values.RUNECAST_DEFAULT_MODEL,
    workerConcurrency: values.RUNECAST_WORKER_CONCURRENCY,
    workerKinds: values.RUNECAST_WORKER_KINDS ?? null,
    jobLeaseSeconds: values.RUNECAST_JOB_LEASE_SECONDS,
    shutdownTimeoutSeconds: values.RUNECAST_SHUTDOWN_TIMEOUT_SECONDS,
    staleGraceSeconds: values.RUNECAST_STALE_GRACE_SECONDS,
    staleAfterTimeframes: values.RUNECAST_STALE_AFTER_TIMEFRAMES,
    cacheBreakerCoolDownSeconds: values.RUNECAST_CACHE_BREAKER_COOLDOWN_SECONDS,
    cacheBreakerFailures: values.RUNECAST_CACHE_BREAKER_FAILURES,
    cacheTimeoutMs: values.RUNECAST_CACHE_TIMEOUT_MS,
    diskMinFreeBytes: values.RUNECAST_DISK_MIN_FREE_MB * 1024 * 1024,
    diskCheckIntervalMs: values.RUNECAST_DISK_CHECK_SECONDS * 1000,
    llm:
      values.RUNECAST_LLM_URL === undefined || values.RUNECAST_LLM_MODEL === undefined
        ? null
        : {
            url: values.RUNECAST_LLM_URL,
            apiKey: values.RUNECAST_LLM_API_KEY ?? null,
            model: values.RUNECAST_LLM_MODEL,
          },
    llmSentiment: values.RUNECAST_LLM_SENTIMENT,
  };
}
