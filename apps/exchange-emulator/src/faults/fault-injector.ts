import { z } from 'zod';
import { createRandom } from '../market/seeded-random.ts';

export const EXCHANGE_IDS = ['binance', 'kraken'] as const;
export type EmulatedExchangeId = (typeof EXCHANGE_IDS)[number];
/** The Bitcoin Runes data providers the emulator serves (HTTP only). */
export const RUNES_PROVIDER_IDS = ['ordiscan', 'unisat', 'geniidata'] as const;
export type RunesProviderId = (typeof RUNES_PROVIDER_IDS)[number];
/** The news feeds the emulator serves (HTTP only), all under one target. */
export const NEWS_TARGET_ID = 'news';
/** Discord's REST API (endpoint `messages` for channel history) and its gateway (stream `gateway`). */
export const DISCORD_TARGET_ID = 'discord';
/** Everything a fault rule can target through its `exchange` field. */
export const FAULT_TARGET_IDS = [
  ...EXCHANGE_IDS,
  ...RUNES_PROVIDER_IDS,
  NEWS_TARGET_ID,
  DISCORD_TARGET_ID,
] as const;
export type FaultTargetId = (typeof FAULT_TARGET_IDS)[number];

export const HTTP_FAULT_KINDS = ['http-429', 'http-418', 'http-5xx', 'http-slow'] as const;
export const WEBSOCKET_FAULT_KINDS = ['ws-drop', 'ws-malformed', 'ws-out-of-order', 'ws-duplicate'] as const;
/**
 * Discord's gateway, on a dispatch: the session is invalidated (op 9, `d: false`; the client must
 * identify anew and has lost what was dispatched meanwhile), or the client is told to reconnect
 * (op 7) and resume. `ws-drop` drops the gateway connection too (no close frame; resumable).
 * `gateway-no-ack` fires on a heartbeat instead: its ACK (op 11) is not sent, so the client
 * should take the connection for a zombie, close it and resume.
 */
export const DISCORD_GATEWAY_FAULT_KINDS = [
  'gateway-invalid-session',
  'gateway-reconnect',
  'gateway-no-ack',
] as const;
/** The stream name of Discord's gateway in fault rules. */
export const DISCORD_GATEWAY_STREAM = 'gateway';
/**
 * Faults in the data the runes providers answer with (not in the transport): malformed values,
 * missing fields, one provider's price off by `percent`, a rune shown under another name or not
 * at all; and a news feed cut off in the middle of its XML (`feed-malformed`). Unlike the others
 * they stay in force until removed, unless `count` is given.
 */
export const RUNES_DATA_FAULT_KINDS = [
  'data-malformed',
  'data-partial',
  'price-offset',
  'rune-renamed',
  'rune-delisted',
] as const;
export const NEWS_DATA_FAULT_KINDS = ['feed-malformed'] as const;
/**
 * Discord: one message of each answered page breaks (no timestamp, an id that is no snowflake,
 * content that is not text), so a client's validation can be seen rejecting it.
 */
export const DISCORD_DATA_FAULT_KINDS = ['message-malformed'] as const;
export const DATA_FAULT_KINDS = [
  ...RUNES_DATA_FAULT_KINDS,
  ...NEWS_DATA_FAULT_KINDS,
  ...DISCORD_DATA_FAULT_KINDS,
] as const;
export const FAULT_KINDS = [
  ...HTTP_FAULT_KINDS,
  ...WEBSOCKET_FAULT_KINDS,
  ...DISCORD_GATEWAY_FAULT_KINDS,
  ...DATA_FAULT_KINDS,
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type HttpFaultKind = (typeof HTTP_FAULT_KINDS)[number];
export type WebSocketFaultKind = (typeof WEBSOCKET_FAULT_KINDS)[number];
export type DiscordGatewayFaultKind =
  Exclude<(typeof DISCORD_GATEWAY_FAULT_KINDS)[number], 'gateway-no-ack'> | 'ws-drop';
export type DataFaultKind = (typeof DATA_FAULT_KINDS)[number];

const SPACED_RUNE_NAME = /^[A-Z](?:[•.]?[A-Z])*$/;

/** A fault to inject, as given to the control API or to `faults.add()`. */
export const faultRuleInputSchema = z
  .object({
    kind: z.enum(FAULT_KINDS),
    /** Only this exchange or runes provider; all of them when absent. */
    exchange: z.enum(FAULT_TARGET_IDS).optional(),
    /**
     * HTTP and data faults: endpoint name, case-insensitive (`klines`, `exchangeInfo`, `ticker/24hr`,
     * `OHLC`, `AssetPairs`; runes: `runes`, `rune`, `rune/market`, `info-list`, `info`, `holders`,
     * `runes_types`, `runes_types_specified`, `results`; news: the feed id, `cryptonews`; discord:
     * `messages`, `channel`).
     */
    endpoint: z.string().min(1).optional(),
    /** WebSocket faults: stream kind (`kline`, `trade`, `aggTrade`, `bookTicker`, `depth`, `ticker`, `ohlc`, `book`; Discord: `gateway`). */
    stream: z.string().min(1).optional(),
    /** Stop after firing this many times; unlimited when absent and `probability` is given or for data faults, else 1. */
    count: z.number().int().positive().optional(),
    /** Chance to fire for each eligible request or message. */
    probability: z.number().min(0).max(1).optional(),
    /** Let this many eligible requests or messages pass before the rule may fire. */
    skip: z.number().int().nonnegative().default(0),
    /** http-429 / http-418: the Retry-After header, in seconds. */
    retryAfterSeconds: z.number().int().nonnegative().default(1),
    /** http-5xx: the status code. */
    statusCode: z.number().int().min(500).max(599).default(503),
    /** http-slow: how long to hold the response. */
    delayMs: z.number().int().nonnegative().max(600_000).default(2_000),
    /** ws-malformed: cut the JSON in half, or send well-formed JSON with NaN / negative numbers. */
    variant: z.enum(['truncated-json', 'bad-values']).default('truncated-json'),
    /** Data faults: the rune (name with or without spacers, or id `BLOCK:TX`); see each kind for absent. */
    rune: z.string().min(1).optional(),
    /** data-malformed: which values to break (`price` non-numeric, `holders` negative); both when absent. */
    field: z.enum(['price', 'holders']).optional(),
    /** price-offset: the provider's price (and market cap) of the rune is off by this many percent. */
    percent: z.number().min(-99).max(10_000).optional(),
    /** rune-renamed: the name the provider shows instead (spaced with `•` or `.`, A–Z). */
    newName: z.string().regex(SPACED_RUNE_NAME, 'must be A-Z letters with single • spacers').optional(),
  })
  .strict()
  .superRefine((rule, context) => {
    const isHttp = (HTTP_FAULT_KINDS as readonly string[]).includes(rule.kind);
    const isData = (DATA_FAULT_KINDS as readonly string[]).includes(rule.kind);
    const isRunesTarget =
      rule.exchange !== undefined && (RUNES_PROVIDER_IDS as readonly string[]).includes(rule.exchange);
    const isNewsData = (NEWS_DATA_FAULT_KINDS as readonly string[]).includes(rule.kind);
    const isDiscordData = (DISCORD_DATA_FAULT_KINDS as readonly string[]).includes(rule.kind);
    if (isData) {
      if (isDiscordData && rule.exchange !== undefined && rule.exchange !== DISCORD_TARGET_ID) {
        context.addIssue({
          code: 'custom',
          path: ['exchange'],
          message: `${rule.kind} applies to Discord (${DISCORD_TARGET_ID})`,
        });
      }
      if (isNewsData && rule.exchange !== undefined && rule.exchange !== NEWS_TARGET_ID) {
        context.addIssue({
          code: 'custom',
          path: ['exchange'],
          message: `${rule.kind} applies to the news feeds (${NEWS_TARGET_ID})`,
        });
      }
      if (!isNewsData && !isDiscordData && rule.exchange !== undefined && !isRunesTarget) {
        context.addIssue({
          code: 'custom',
          path: ['exchange'],
          message: `${rule.kind} applies to the runes providers (${RUNES_PROVIDER_IDS.join(', ')})`,
        });
      }
      if (rule.stream !== undefined) {
        context.addIssue({ code: 'custom', path: ['stream'], message: `${rule.kind} is a data fault` });
      }
      const needsRune = rule.kind === 'price-offset' || rule.kind.startsWith('rune-');
      if (needsRune && rule.rune === undefined) {
        context.addIssue({ code: 'custom', path: ['rune'], message: `${rule.kind} needs the rune` });
      }
      if (rule.kind === 'price-offset' && rule.percent === undefined) {
        context.addIssue({ code: 'custom', path: ['percent'], message: 'price-offset needs percent' });
      }
      if (rule.kind === 'rune-renamed' && rule.newName === undefined) {
        context.addIssue({ code: 'custom', path: ['newName'], message: 'rune-renamed needs newName' });
      }
      return;
    }
    const isGateway = (DISCORD_GATEWAY_FAULT_KINDS as readonly string[]).includes(rule.kind);
    if (isGateway && rule.exchange !== undefined && rule.exchange !== DISCORD_TARGET_ID) {
      context.addIssue({
        code: 'custom',
        path: ['exchange'],
        message: `${rule.kind} applies to Discord's gateway (${DISCORD_TARGET_ID})`,
      });
    }
    if (rule.exchange === DISCORD_TARGET_ID && !isHttp && !isGateway && rule.kind !== 'ws-drop') {
      context.addIssue({
        code: 'custom',
        path: ['kind'],
        message: `Discord's gateway takes ws-drop, ${DISCORD_GATEWAY_FAULT_KINDS.join(', ')}; not ${rule.kind}`,
      });
    }
    if (!isHttp && (isRunesTarget || rule.exchange === NEWS_TARGET_ID)) {
      context.addIssue({
        code: 'custom',
        path: ['exchange'],
        message: `${rule.exchange} has no websocket; ${rule.kind} does not apply`,
      });
    }
    if (isHttp && rule.stream !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['stream'],
        message: `${rule.kind} is an HTTP fault; use endpoint`,
      });
    }
    if (!isHttp && rule.endpoint !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: `${rule.kind} is a websocket fault; use stream`,
      });
    }
  });

export type FaultRuleInput = z.input<typeof faultRuleInputSchema>;
export type FaultRuleSettings = z.output<typeof faultRuleInputSchema>;

export interface FaultRule extends FaultRuleSettings {
  id: string;
  /** Eligible requests or messages seen so far. */
  seen: number;
  /** Times it fired. */
  fired: number;
}

export interface FaultCounters {
  total: number;
  byKind: Record<FaultKind, number>;
  byExchange: Record<FaultTargetId, number>;
}

export interface FaultReport {
  rules: FaultRule[];
  counters: FaultCounters;
}

function emptyCounters(): FaultCounters {
  return {
    total: 0,
    byKind: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>,
    byExchange: Object.fromEntries(FAULT_TARGET_IDS.map((target) => [target, 0])) as Record<
      FaultTargetId,
      number
    >,
  };
}

/** Parses rule input, throwing an Error that names each wrong field. */
export function parseFaultRule(input: unknown): FaultRuleSettings {
  const result = faultRuleInputSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || 'fault'}: ${issue.message}`,
    );
    throw new Error(`invalid fault rule: ${problems.join('; ')}`);
  }
  return result.data;
}

/**
 * Holds fault rules and decides, request by request and message by message, whether one fires.
 * Probabilities draw from a seeded generator, so a run with the same seed injects the same faults.
 */
export class FaultInjector {
  private rules: FaultRule[] = [];
  private counters = emptyCounters();
  private nextId = 1;
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = createRandom(seed ^ 0x5eed);
  }

  add(input: FaultRuleInput): FaultRule {
    const settings = parseFaultRule(input);
    const rule: FaultRule = { ...settings, id: `fault-${this.nextId}`, seen: 0, fired: 0 };
    this.nextId += 1;
    this.rules.push(rule);
    return rule;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length < before;
  }

  /** Removes every rule; counters stay unless `resetCounters`. */
  clear(options: { resetCounters?: boolean } = {}): void {
    this.rules = [];
    if (options.resetCounters) this.counters = emptyCounters();
  }

  resetCounters(): void {
    this.counters = emptyCounters();
  }

  report(): FaultReport {
    return {
      rules: this.rules.map((rule) => ({ ...rule })),
      counters: {
        total: this.counters.total,
        byKind: { ...this.counters.byKind },
        byExchange: { ...this.counters.byExchange },
      },
    };
  }

  /** Count of faults injected, all kinds or one kind. */
  injected(kind?: FaultKind): number {
    return kind ? this.counters.byKind[kind] : this.counters.total;
  }

  private matches(
    rule: FaultRule,
    kinds: readonly FaultKind[],
    target: FaultTargetId,
    scopeField: 'endpoint' | 'stream',
    scopeValue: string,
  ): boolean {
    if (!kinds.includes(rule.kind)) return false;
    if (rule.exchange !== undefined && rule.exchange !== target) return false;
    const scope = rule[scopeField];
    if (scope !== undefined && scope.toLowerCase() !== scopeValue.toLowerCase()) return false;
    const isData = (DATA_FAULT_KINDS as readonly string[]).includes(rule.kind);
    const limit = rule.count ?? (rule.probability === undefined && !isData ? 1 : Number.POSITIVE_INFINITY);
    return rule.fired < limit;
  }

  /** Counts an eligible event for the rule; true when the rule fires on it (then counted too). */
  private tryFire(rule: FaultRule, target: FaultTargetId): boolean {
    rule.seen += 1;
    if (rule.seen <= rule.skip) return false;
    if (rule.probability !== undefined && this.random() >= rule.probability) return false;
    rule.fired += 1;
    this.counters.total += 1;
    this.counters.byKind[rule.kind] += 1;
    this.counters.byExchange[target] += 1;
    return true;
  }

  private decide<Kind extends FaultKind>(
    kinds: readonly Kind[],
    target: FaultTargetId,
    scopeField: 'endpoint' | 'stream',
    scopeValue: string,
  ): (FaultRule & { kind: Kind }) | null {
    for (const rule of this.rules) {
      if (!this.matches(rule, kinds, target, scopeField, scopeValue)) continue;
      if (this.tryFire(rule, target)) return rule as FaultRule & { kind: Kind };
    }
    return null;
  }

  /** The HTTP fault to apply to this request, if any (already counted). */
  forRequest(target: FaultTargetId, endpoint: string): (FaultRule & { kind: HttpFaultKind }) | null {
    return this.decide(HTTP_FAULT_KINDS, target, 'endpoint', endpoint);
  }

  /**
   * Every data fault that fires on this runes provider request (each counted once per request).
   * The caller applies them to the answer.
   */
  dataFaultsFor(provider: RunesProviderId, endpoint: string): (FaultRule & { kind: DataFaultKind })[] {
    return this.fireDataFaults(RUNES_DATA_FAULT_KINDS, provider, endpoint);
  }

  /** Every data fault that fires on this request for a news feed (`endpoint` is the feed id). */
  newsFaultsFor(feed: string): (FaultRule & { kind: DataFaultKind })[] {
    return this.fireDataFaults(NEWS_DATA_FAULT_KINDS, NEWS_TARGET_ID, feed);
  }

  private fireDataFaults(
    kinds: readonly DataFaultKind[],
    provider: FaultTargetId,
    endpoint: string,
  ): (FaultRule & { kind: DataFaultKind })[] {
    const fired: (FaultRule & { kind: DataFaultKind })[] = [];
    for (const rule of this.rules) {
      if (!this.matches(rule, kinds, provider, 'endpoint', endpoint)) continue;
      if (this.tryFire(rule, provider)) fired.push(rule as FaultRule & { kind: DataFaultKind });
    }
    return fired;
  }

  /** Every data fault that fires on this Discord request (`endpoint`: `messages`). */
  discordFaultsFor(endpoint: string): (FaultRule & { kind: DataFaultKind })[] {
    return this.fireDataFaults(DISCORD_DATA_FAULT_KINDS, DISCORD_TARGET_ID, endpoint);
  }

  /** The fault to apply to this dispatch of Discord's gateway, if any (already counted). */
  forGatewayDispatch(): (FaultRule & { kind: DiscordGatewayFaultKind }) | null {
    return this.decide(
      ['ws-drop', 'gateway-invalid-session', 'gateway-reconnect'] as const,
      DISCORD_TARGET_ID,
      'stream',
      DISCORD_GATEWAY_STREAM,
    );
  }

  /** True when this heartbeat of Discord's gateway goes unacknowledged (already counted). */
  withholdsGatewayAck(): boolean {
    return (
      this.decide(['gateway-no-ack'] as const, DISCORD_TARGET_ID, 'stream', DISCORD_GATEWAY_STREAM) !== null
    );
  }

  /** The websocket fault to apply to this outgoing message, if any (already counted). */
  forMessage(
    exchange: EmulatedExchangeId,
    stream: string,
  ): (FaultRule & { kind: WebSocketFaultKind }) | null {
    return this.decide(WEBSOCKET_FAULT_KINDS, exchange, 'stream', stream);
  }
}
