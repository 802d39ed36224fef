import pino, { type DestinationStream, type Logger, type MultiStreamRes } from 'pino';

export type { Logger };

const extraStreams = new WeakMap<Logger, MultiStreamRes>();

/** Structured JSON logs on stderr, so stdout stays for command output (tables, --json). */
export function createLogger(level: string, component = 'runecast'): Logger {
  const streams: MultiStreamRes = pino.multistream([
    { level: 'trace' as const, stream: pino.destination({ fd: 2, sync: false }) },
  ]);
  const logger = pino({ level, base: { component } }, streams);
  extraStreams.set(logger, streams);
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
  const streams = extraStreams.get(logger);
  if (!streams) return false;
  streams.add({ level, stream });
  return true;
}
