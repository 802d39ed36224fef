import { z } from 'zod';
import { faultRuleInputSchema } from './faults/fault-injector.ts';

const startTimeSchema = z.union([z.number(), z.string()]).transform((value, context) => {
  const timeMs = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isSafeInteger(timeMs) || timeMs < 0) {
    context.addIssue({
      code: 'custom',
      message: 'must be epoch milliseconds or an ISO date such as 2025-06-15T00:00:00Z',
    });
    return z.NEVER;
  }
  return timeMs;
});

/** Options of `startEmulator`; every field has a default. */
export const emulatorOptionsSchema = z
  .object({
    /** 0 picks a free port. */
    port: z.number().int().min(0).max(65535).default(0),
    host: z.string().min(1).default('127.0.0.1'),
    /** Folder of kline files to replay; without it the market is simulated (and says so). */
    replayDir: z.string().min(1).optional(),
    /** Emulated time runs this many times faster than the wall clock. */
    speed: z.number().min(1).max(10_000).default(1),
    /** Emulated start (ms or ISO). Default: the middle of the main replay series' last stretch, or now. */
    startTime: startTimeSchema.optional(),
    /** Start with the clock stopped (it can be moved through the control API). */
    paused: z.boolean().default(false),
    /** Seeds the simulated market, the synthetic trades and the fault probabilities. */
    seed: z.number().int().default(1),
    simulatedSymbols: z
      .array(z.string().regex(/^[A-Z0-9]{2,10}\/[A-Z0-9]{2,10}$/, 'must look like BTC/USDT'))
      .min(1)
      .default(['BTC/USDT', 'ETH/USDT', 'SOL/USDT']),
    /** Days of simulated history before the start. */
    simulatedHistoryDays: z.number().int().min(1).max(365).default(30),
    /** At most this many synthetic trades per candle (the candle's trade count is spread over them). */
    tradesPerCandle: z.number().int().min(4).max(1000).default(12),
    /** Levels per side of the synthetic order book. */
    bookDepth: z.number().int().min(5).max(1000).default(100),
    /** How often (wall clock) websocket streams push what happened. */
    tickMs: z.number().int().min(10).max(5_000).default(100),
    /** Simulated runes besides DOG•GO•TO•THE•MOON served by the runes providers. */
    simulatedRuneCount: z.number().int().min(10).max(5_000).default(120),
    /** API keys the runes providers accept; any non-empty key when absent. */
    runesApiKeys: z.array(z.string().min(1)).min(1).optional(),
    /** Bot tokens Discord accepts (`Authorization: Bot <token>`); any non-empty token when absent. */
    discordBotTokens: z.array(z.string().min(1)).min(1).optional(),
    /**
     * Discord's emulated rate limits: requests per window of one route and channel, and per token
     * overall (Discord's global limit is 50 a second; its per-route numbers are unpublished).
     */
    discordRateLimit: z
      .object({
        routeLimit: z.number().int().min(1).max(10_000).default(10),
        routeWindowMs: z.number().int().min(10).max(600_000).default(1_000),
        globalLimit: z.number().int().min(1).max(10_000).default(50),
        globalWindowMs: z.number().int().min(10).max(600_000).default(1_000),
      })
      .strict()
      .prefault({}),
    /**
     * Discord's gateway and the simulated live chat it carries: heartbeat interval sent in HELLO,
     * whether the bot may use the privileged Message Content intent, how long a dropped session
     * can be resumed and how many dispatches it keeps for that; a new simulated message every
     * `messageIntervalMs` (0: none) once a client has identified, each with these chances of also
     * editing or deleting an earlier simulated one.
     */
    discordGateway: z
      .object({
        heartbeatIntervalMs: z.number().int().min(100).max(120_000).default(41_250),
        allowMessageContent: z.boolean().default(true),
        resumeWindowMs: z.number().int().min(0).max(86_400_000).default(300_000),
        replayBufferSize: z.number().int().min(1).max(1_000_000).default(10_000),
        messageIntervalMs: z.number().int().min(0).max(86_400_000).default(15_000),
        editShare: z.number().min(0).max(1).default(0.2),
        deleteShare: z.number().min(0).max(1).default(0.1),
      })
      .strict()
      .prefault({}),
    /** Fault rules active from the start. */
    faults: z.array(faultRuleInputSchema).default([]),
  })
  .strict();

export type EmulatorOptions = z.input<typeof emulatorOptionsSchema>;
export type ResolvedEmulatorOptions = z.output<typeof emulatorOptionsSchema>;

/** Raised for bad options; the message names each wrong option and what is allowed. */
export class EmulatorOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid emulator options: ${problems.join('; ')}`);
    this.name = 'EmulatorOptionsError';
  }
}

export function parseEmulatorOptions(options: unknown): ResolvedEmulatorOptions {
  const result = emulatorOptionsSchema.safeParse(options ?? {});
  if (result.success) return result.data;
  throw new EmulatorOptionsError(
    result.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`),
  );
}
