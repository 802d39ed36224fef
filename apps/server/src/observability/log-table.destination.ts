/** One structured log line as the log table keeps it. */
export interface NewLogEntry {
  timeMs: number;
  /** pino level number: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
  level: number;
  component: string;
  message: string;
  data: Record<string, unknown>;
}

/** Where log lines are kept (the store's log repository); this room names only what it needs. */
export interface LogSink {
  insertEntries(entries: readonly NewLogEntry[]): Promise<number>;
  deleteOlderThan(timeMs: number): Promise<number>;
}

export interface LogTableDestinationOptions {
  /** Longest a line waits before it is written (default 1 s). */
  flushIntervalMs?: number;
  /** Lines written in one statement (default 500). */
  maxBatch?: number;
  /** Lines held while the store is slow or down; past it the oldest are dropped (default 10,000). */
  maxBuffered?: number;
  /** Entries older than this are deleted now and then (default 14 days; 0 keeps everything). */
  retentionDays?: number;
  /** Component of lines that name none (default `runecast`). */
  defaultComponent?: string;
  /**
   * Told when a batch cannot be written. It must not log through the same logger (that would
   * feed the failure back into this destination); the default writes one line to stderr.
   */
  onError?: (error: unknown) => void;
  /** True while nothing may be written (the disk is nearly full): lines wait, up to `maxBuffered`. */
  paused?: () => boolean;
  now?: () => number;
}

/** A pino destination: `write` takes one JSON line. */
export interface LogTableDestination {
  write(line: string): boolean;
  /** Writes everything buffered so far. */
  flush(): Promise<void>;
  /** Flushes and stops the timer; later lines are ignored. */
  close(): Promise<void>;
  stats(): { written: number; dropped: number; failedBatches: number };
}

const PINO_FIELDS = new Set(['time', 'level', 'msg', 'component', 'pid', 'hostname', 'v']);
const RETENTION_CHECK_MS = 3_600_000;

/** A pino line turned into a row; null for anything that is not a JSON object. */
export function parseLogLine(line: string, defaultComponent: string, nowMs: number): NewLogEntry | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const record = parsed as Record<string, unknown>;
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (!PINO_FIELDS.has(key)) data[key] = value;
  return {
    timeMs: typeof record.time === 'number' && Number.isFinite(record.time) ? Math.trunc(record.time) : nowMs,
    level: typeof record.level === 'number' ? record.level : 30,
    component:
      typeof record.component === 'string' && record.component !== '' ? record.component : defaultComponent,
    message: typeof record.msg === 'string' ? record.msg : '',
    data,
  };
}

/**
 * Batches structured log lines into the `logs` table. Use it as a pino destination, usually
 * beside stderr: `pino(options, pino.multistream([{ stream: process.stderr }, { stream: destination }]))`.
 * Writes never block logging: lines are buffered and written every `flushIntervalMs` or every
 * `maxBatch` lines; when the store fails, lines wait (up to `maxBuffered`) for the next try.
 */
export function createLogTableDestination(
  repository: LogSink,
  options: LogTableDestinationOptions = {},
): LogTableDestination {
  const flushIntervalMs = options.flushIntervalMs ?? 1_000;
  const maxBatch = options.maxBatch ?? 500;
  const maxBuffered = options.maxBuffered ?? 10_000;
  const retentionMs = (options.retentionDays ?? 14) * 86_400_000;
  const defaultComponent = options.defaultComponent ?? 'runecast';
  const now = options.now ?? Date.now;
  const onError =
    options.onError ??
    ((error: unknown) =>
      process.stderr.write(`runecast: cannot write logs to the store: ${String(error)}\n`));
  let buffer: NewLogEntry[] = [];
  let written = 0;
  let dropped = 0;
  let failedBatches = 0;
  let closed = false;
  let flushing: Promise<void> | null = null;
  let lastRetentionMs = 0;

  const writeBatches = async () => {
    if (options.paused?.()) return;
    while (buffer.length > 0) {
      const batch = buffer.slice(0, maxBatch);
      try {
        await repository.insertEntries(batch);
      } catch (error) {
        failedBatches += 1;
        onError(error);
        return;
      }
      buffer = buffer.slice(batch.length);
      written += batch.length;
    }
    const nowMs = now();
    if (retentionMs > 0 && nowMs - lastRetentionMs > RETENTION_CHECK_MS) {
      lastRetentionMs = nowMs;
      await repository.deleteOlderThan(nowMs - retentionMs).catch(onError);
    }
  };

  const flush = (): Promise<void> => {
    flushing ??= writeBatches().finally(() => {
      flushing = null;
    });
    return flushing;
  };

  const timer = setInterval(() => {
    if (buffer.length > 0) void flush();
  }, flushIntervalMs);
  timer.unref();

  return {
    write(line: string): boolean {
      if (closed) return true;
      const entry = parseLogLine(line, defaultComponent, now());
      if (entry === null) return true;
      buffer.push(entry);
      if (buffer.length > maxBuffered) {
        const excess = buffer.length - maxBuffered;
        buffer = buffer.slice(excess);
        dropped += excess;
      }
      if (buffer.length >= maxBatch) void flush();
      return true;
    },
    async flush() {
      if (flushing) await flushing;
      await flush();
    },
    async close() {
      clearInterval(timer);
      if (flushing) await flushing;
      await flush();
      closed = true;
    },
    stats: () => ({ written, dropped, failedBatches }),
  };
}
