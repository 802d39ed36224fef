import { z } from 'zod';
import { createRandom } from '../market/seeded-random.ts';

export const EXCHANGE_IDS = ['binance', 'kraken'] as const;
export type EmulatedExchangeId = (typeof EXCHANGE_IDS)[number];

export const HTTP_FAULT_KINDS = ['http-429', 'http-418', 'http-5xx', 'http-slow'] as const;
export const WEBSOCKET_FAULT_KINDS = ['ws-drop', 'ws-malformed', 'ws-out-of-order', 'ws-duplicate'] as const;
export const FAULT_KINDS = [...HTTP_FAULT_KINDS, ...WEBSOCKET_FAULT_KINDS] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type HttpFaultKind = (typeof HTTP_FAULT_KINDS)[number];
export type WebSocketFaultKind = (typeof WEBSOCKET_FAULT_KINDS)[number];

/** A fault to inject, as given to the control API or to `faults.add()`. */
export const faultRuleInputSchema = z
  .object({
    kind: z.enum(FAULT_KINDS),
    /** Only this exchange; both when absent. */
    exchange: z.enum(EXCHANGE_IDS).optional(),
    /** HTTP faults: endpoint name, case-insensitive (`klines`, `exchangeInfo`, `ticker/24hr`, `OHLC`, `AssetPairs`). */
    endpoint: z.string().min(1).optional(),
    /** WebSocket faults: stream kind (`kline`, `trade`, `aggTrade`, `bookTicker`, `depth`, `ticker`, `ohlc`, `book`). */
    stream: z.string().min(1).optional(),
    /** Stop after firing this many times; unlimited when absent and `probability` is given, else 1. */
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
  })
  .strict()
  .superRefine((rule, context) => {
    const isHttp = (HTTP_FAULT_KINDS as readonly string[]).includes(rule.kind);
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
  byExchange: Record<EmulatedExchangeId, number>;
}

export interface FaultReport {
  rules: FaultRule[];
  counters: FaultCounters;
}

function emptyCounters(): FaultCounters {
  return {
    total: 0,
    byKind: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>,
    byExchange: { binance: 0, kraken: 0 },
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

  private decide<Kind extends FaultKind>(
    kinds: readonly Kind[],
    exchange: EmulatedExchangeId,
    scopeField: 'endpoint' | 'stream',
    scopeValue: string,
  ): (FaultRule & { kind: Kind }) | null {
    const wanted = scopeValue.toLowerCase();
    for (const rule of this.rules) {
      if (!(kinds as readonly string[]).includes(rule.kind)) continue;
      if (rule.exchange !== undefined && rule.exchange !== exchange) continue;
      const scope = rule[scopeField];
      if (scope !== undefined && scope.toLowerCase() !== wanted) continue;
      const limit = rule.count ?? (rule.probability === undefined ? 1 : Number.POSITIVE_INFINITY);
      if (rule.fired >= limit) continue;
      rule.seen += 1;
      if (rule.seen <= rule.skip) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.fired += 1;
      this.counters.total += 1;
      this.counters.byKind[rule.kind] += 1;
      this.counters.byExchange[exchange] += 1;
      return rule as FaultRule & { kind: Kind };
    }
    return null;
  }

  /** The HTTP fault to apply to this request, if any (already counted). */
  forRequest(exchange: EmulatedExchangeId, endpoint: string): (FaultRule & { kind: HttpFaultKind }) | null {
    return this.decide(HTTP_FAULT_KINDS, exchange, 'endpoint', endpoint);
  }

  /** The websocket fault to apply to this outgoing message, if any (already counted). */
  forMessage(
    exchange: EmulatedExchangeId,
    stream: string,
  ): (FaultRule & { kind: WebSocketFaultKind }) | null {
    return this.decide(WEBSOCKET_FAULT_KINDS, exchange, 'stream', stream);
  }
}
