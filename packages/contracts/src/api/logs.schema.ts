import { z } from 'zod';
import { safeText } from '../common.schema.ts';
import { integerQuerySchema, timeQuerySchema } from './common.schema.ts';

export const logLevelNames = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevelName = (typeof logLevelNames)[number];
/** pino's numbers for the level names. */
export const logLevelNumbers: Readonly<Record<LogLevelName, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

export const logsQuerySchema = z.strictObject({
  from: timeQuerySchema.optional(),
  to: timeQuerySchema.optional(),
  /** Lowest level returned (default: every level). */
  level: z.enum(logLevelNames, { error: `must be one of ${logLevelNames.join(', ')}` }).optional(),
  component: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be a component name, e.g. http or ingest')
    .optional(),
  /** Text the message contains (case-insensitive). */
  search: safeText().min(1).max(200).optional(),
  limit: integerQuerySchema({ min: 1, max: 1000 }).optional(),
  /** Page backwards: only entries with a smaller id. */
  beforeId: integerQuerySchema({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional(),
});

export const logEntrySchema = z.object({
  id: z.int(),
  timeMs: z.int(),
  level: z.enum(logLevelNames),
  component: z.string(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type LogEntry = z.infer<typeof logEntrySchema>;

/** Newest first. */
export const logsResponseSchema = z.object({
  entries: z.array(logEntrySchema),
  nextBeforeId: z.int().nullable(),
});
