import pino, { type DestinationStream, type Logger, type MultiStreamRes } from 'pino';

export type { Logger };

/** Fields of errors that carry the values a query or request was made with; never logged. */
const HIDDEN_ERROR_FIELDS = ['params', 'parameters', 'queryOptions', 'values'];

/**
 * pino's error serializer, without the values of a failed query (a database driver may attach
 * them: password hashes, token hashes, secrets), for the error and each of its causes.
 */
export function serializeErrorWithoutValues(error: unknown): unknown {
  const hide = (serialized: unknown, depth: number): unknown => {
    if (serialized === null || typeof serialized !== 'object' || depth > 8) return serialized;
    const record = { ...(serialized as Record<string, unknown>) };
    for (const field of HIDDEN_ERROR_FIELDS) if (field in record) record[field] = '[not logged]';
    if ('cause' in record) record.cause = hide(record.cause, depth + 1);
    return record;
  };
  if (!(error instanceof Error)) return error;
  return hide(pino.stdSerializers.err(error), 0);
}

/** Structured JSON logs on stderr, so stdout stays for command output (tables, --json). */
export function createLogger(level: string, component = 'runecast'): Logger {
  const streams: MultiStreamRes = pino.multistream([
    { level: 'trace' as const, stream: pino.destination({ fd: 2, sync: false }) },
  ]);
  const logger = pino(
    { level, base: { component }, serializers: { err: serializeErrorWithoutValues } },
    streams,
  );
  return logger;
}

/**
 * Sends this logger's lines to one more destination as well (the store's log table, once the
 * store is open). Returns false for a logger not made by createLogger.
 */
export function addLogDestination(
  logger: Logger,
  stream: DestinationStream,
  level: pino.Level = 'info',
): boolean {
  // The logger holds its own destination: the multistream createLogger gave it, or another stream.
  const streams = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as
    Partial<MultiStreamRes> | undefined;
  if (typeof streams?.add !== 'function' || !Array.isArray(streams.streams)) return false;
  streams.add({ level, stream });
  return true;
}
