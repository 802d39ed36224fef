import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from './emulator-context.ts';
import { parseFaultRule, type FaultRuleInput } from './faults/fault-injector.ts';
import type { SeriesStatus } from './market/market-universe.ts';
import type { RunesStatus } from './runes/rune-universe.ts';

export interface EmulatorStatus {
  simulated: boolean;
  speed: number;
  paused: boolean;
  nowMs: number;
  now: string;
  exchanges: string[];
  /** The runes providers, their data, and what of it is real or simulated. */
  runes: RunesStatus;
  symbols: string[];
  series: SeriesStatus[];
  faults: ReturnType<EmulatorContext['faults']['report']>['counters'];
}

export function emulatorStatus(context: EmulatorContext): EmulatorStatus {
  const nowMs = context.clock.nowMs();
  return {
    simulated: context.universe.simulated,
    speed: context.clock.speed,
    paused: context.clock.isPaused,
    nowMs,
    now: new Date(nowMs).toISOString(),
    exchanges: ['binance', 'kraken'],
    runes: context.runes.status(),
    symbols: context.universe.markets.map((market) => market.symbol),
    series: context.universe.seriesStatus(),
    faults: context.faults.report().counters,
  };
}

const clockChangeSchema = z
  .object({
    speed: z.number().min(1).max(10_000).optional(),
    nowMs: z.number().int().nonnegative().optional(),
    advanceMs: z.number().int().nonnegative().optional(),
    paused: z.boolean().optional(),
  })
  .strict();

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ error: { code: 'bad_request', message } });
}

/**
 * The emulator's own control API under `/__emulator`: status, the clock, and fault rules
 * (`POST` one rule or `{ faults: [...] }`, `DELETE` to clear, `GET` for rules and counters).
 */
export function registerControlRoutes(app: FastifyInstance, context: EmulatorContext): void {
  app.get('/__emulator/status', async () => emulatorStatus(context));
  app.get('/health', async () => ({ status: 'ok', simulated: context.universe.simulated }));

  app.get('/__emulator/clock', async () => ({
    nowMs: context.clock.nowMs(),
    speed: context.clock.speed,
    paused: context.clock.isPaused,
  }));
  app.post('/__emulator/clock', async (request, reply) => {
    const parsed = clockChangeSchema.safeParse(request.body ?? {});
    if (!parsed.success)
      return badRequest(
        reply,
        parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
      );
    const change = parsed.data;
    if (change.nowMs !== undefined) context.clock.setNow(change.nowMs);
    if (change.advanceMs !== undefined) context.clock.advance(change.advanceMs);
    if (change.speed !== undefined) context.clock.setSpeed(change.speed);
    if (change.paused === true) context.clock.pause();
    if (change.paused === false) context.clock.resume();
    return { nowMs: context.clock.nowMs(), speed: context.clock.speed, paused: context.clock.isPaused };
  });

  app.get('/__emulator/faults', async () => context.faults.report());
  app.post('/__emulator/faults', async (request, reply) => {
    const body = request.body as { faults?: unknown } | undefined;
    const inputs = body && Array.isArray(body.faults) ? body.faults : [body];
    try {
      // All or nothing: one bad rule in a list adds none of them.
      inputs.forEach((input, index) => {
        try {
          parseFaultRule(input);
        } catch (error) {
          throw new Error(
            inputs.length > 1 ? `faults.${index}: ${(error as Error).message}` : (error as Error).message,
          );
        }
      });
      const added = inputs.map((input) => context.faults.add(input as FaultRuleInput));
      return reply.code(201).send({ rules: added });
    } catch (error) {
      return badRequest(reply, (error as Error).message);
    }
  });
  app.delete('/__emulator/faults', async (request) => {
    const query = (request.query ?? {}) as { counters?: string };
    context.faults.clear({ resetCounters: query.counters === 'true' });
    return context.faults.report();
  });
  app.delete('/__emulator/faults/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!context.faults.remove(id))
      return reply.code(404).send({ error: { code: 'not_found', message: `no fault rule ${id}` } });
    return context.faults.report();
  });
}
