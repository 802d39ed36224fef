import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stderr, so stdout stays for command output (tables, --json). */
export function createLogger(level: string, component = 'runecast'): Logger {
  return pino({ level, base: { component } }, pino.destination({ fd: 2, sync: false }));
}
