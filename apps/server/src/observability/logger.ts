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

export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerOptions {
  /** `auto`: readable lines when the destination is a terminal, JSON lines otherwise. */
  format?: LogFormat;
  /** Component of lines whose logger names none (default `runecast`). */
  component?: string;
  /** Where lines go (default stderr); tests pass a stream of their own. */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
}

const LEVEL_LABELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const LEVEL_COLOURS: Record<number, string> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '35' };
const LINE_FIELDS = new Set(['level', 'time', 'msg', 'component', 'pid', 'hostname', 'v']);

function describeValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * One JSON log line as a readable line: `12:04:05.123 INFO  [ingest] backfilled 1440 candles
 * series=binance:BTC/USDT:1m`, an error's stack under it. Colours only when `colour` is true.
 */
export function formatLogLine(line: string, colour: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toISOString().slice(11, 23);
  const paint = (code: string, text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const fields: string[] = [];
  let stack: string | null = null;
  for (const [key, value] of Object.entries(entry)) {
    if (LINE_FIELDS.has(key)) continue;
    if (key === 'err' && value !== null && typeof value === 'object') {
      const error = value as { message?: unknown; stack?: unknown };
      fields.push(`err=${describeValue(error.message ?? '')}`);
      if (typeof error.stack === 'string') stack = error.stack;
      continue;
    }
    fields.push(`${key}=${describeValue(value)}`);
  }
  const head = `${paint('90', time)} ${paint(LEVEL_COLOURS[level] ?? '0', LEVEL_LABELS[level] ?? String(level))} ${paint('36', `[${String(entry.component ?? 'runecast')}]`)} ${String(entry.msg ?? '')}`;
  const rest = fields.length > 0 ? ` ${paint('90', fields.join(' '))}` : '';
  const trace = stack !== null ? `\n${paint('90', stack.replace(/^/gm, '    '))}` : '';
  return `${head}${rest}${trace}\n`;
}

/** A pino destination writing each JSON line as a readable one to `target`. */
function prettyStream(target: NodeJS.WritableStream, colour: boolean): DestinationStream {
  return {
    write(line: string) {
      target.write(formatLogLine(line, colour));
    },
  };
}

/** `,"component":"…"` as pino writes a binding into a line; a JSON string value never matches. */
const COMPONENT_BINDING = /,"component":"(?:[^"\\]|\\.)*"/g;

/**
 * Gives every child logger one `component`: `logger.child({ component: 'http' })` on a logger
 * that has one already replaces it instead of writing the key twice into every line (pino
 * keeps bindings as ready-made JSON text and appends a child's to its parent's).
 */
function replaceComponentInChildren(logger: Logger): void {
  const chindings = pino.symbols.chindingsSym as unknown as string;
  const original = Object.getPrototypeOf(logger).child as Logger['child'];
  // Set on the root: children are made with Object.create(parent), so they inherit it.
  (logger as unknown as { child: Logger['child'] }).child = function (this: Logger, bindings, options) {
    const made = original.call(this, bindings, options);
    if (bindings !== null && typeof bindings === 'object' && 'component' in bindings) {
      const record = made as unknown as Record<string, string>;
      const text = record[chindings] ?? '';
      const matches = text.match(COMPONENT_BINDING) ?? [];
      if (matches.length > 1) {
        let seen = 0;
        record[chindings] = text.replace(COMPONENT_BINDING, (match) =>
          (seen += 1) === matches.length ? match : '',
        );
      }
    }
    return made;
  } as Logger['child'];
}

/**
 * Logs on stderr, so stdout stays for command output (tables, --json): readable lines on a
 * terminal, JSON lines when piped or redirected, or as `format` says. Extra destinations (the
 * log table) always get JSON.
 */
export function createLogger(level: string, options: LoggerOptions | string = {}): Logger {
  const settings: LoggerOptions = typeof options === 'string' ? { component: options } : options;
  const target = settings.destination ?? process.stderr;
  const format = settings.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && target.isTTY === true);
  const primary: DestinationStream = pretty
    ? prettyStream(target, target.isTTY === true && process.env.NO_COLOR === undefined)
    : settings.destination !== undefined
      ? (settings.destination as unknown as DestinationStream)
      : pino.destination({ fd: 2, sync: false });
  const streams: MultiStreamRes = pino.multistream([{ level: 'trace' as const, stream: primary }]);
  const logger = pino(
    {
      level,
      base: { component: settings.component ?? 'runecast' },
      serializers: { err: serializeErrorWithoutValues },
    },
    streams,
  );
  replaceComponentInChildren(logger);
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
