import type { FastifyReply, FastifyRequest } from 'fastify';

/** Bytes a slow client may leave unread before its stream is closed. */
const MAX_BUFFERED_BYTES = 1 << 20;
const HEARTBEAT_MS = 15_000;

export interface EventStream {
  send(event: string, data: unknown): void;
  /** Ends the stream; `onClose` callbacks run once. */
  close(): void;
  onClose(callback: () => void): void;
  readonly closed: boolean;
}

/**
 * Takes over the reply and opens a Server-Sent Events stream. Headers set by hooks (CORS,
 * security headers) are carried over. A comment line every 15 s keeps proxies from closing an
 * idle stream; a client that stops reading is dropped instead of buffering without bound.
 */
export function openEventStream(request: FastifyRequest, reply: FastifyReply): EventStream {
  reply.hijack();
  const raw = reply.raw;
  const headers: Record<string, string | string[] | number> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name] = value;
  }
  raw.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const callbacks: (() => void)[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const callback of callbacks.splice(0)) {
      try {
        callback();
      } catch {
        // A failing clean-up must not keep the others from running.
      }
    }
    if (!raw.writableEnded) raw.end();
  };
  const write = (text: string) => {
    if (closed) return;
    raw.write(text);
    if (raw.writableLength > MAX_BUFFERED_BYTES) close();
  };
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  request.raw.on('close', close);
  raw.on('close', close);
  raw.on('error', close);
  // Reconnecting clients wait this long (ms) before trying again.
  write('retry: 3000\n\n');
  return {
    send(event, data) {
      write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close,
    onClose(callback) {
      if (closed) callback();
      else callbacks.push(callback);
    },
    get closed() {
      return closed;
    },
  };
}
