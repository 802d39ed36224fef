import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface ReceivedEvent {
  event: string;
  data: Record<string, unknown>;
}

/** A Server-Sent Events connection a test reads: every event received so far, and waits on them. */
export interface EventStreamClient {
  readonly statusCode: number;
  readonly events: ReceivedEvent[];
  /** Resolves with the first event (from the start) that `predicate` accepts; rejects after `timeoutMs`. */
  waitFor(predicate: (event: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Opens `path` on a listening server and parses the event stream as it arrives. */
export async function openEventStreamClient(port: number, path: string): Promise<EventStreamClient> {
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path }).on('response', resolve).on('error', reject).end();
  });
  const events: ReceivedEvent[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    buffer += chunk;
    let split = buffer.indexOf('\n\n');
    while (split >= 0) {
      const block = buffer.slice(0, split);
      buffer = buffer.slice(split + 2);
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
      split = buffer.indexOf('\n\n');
    }
    for (const wake of [...waiters]) wake();
  });
  const ended = new Promise<void>((resolve) => {
    response.on('end', resolve);
    response.on('close', resolve);
  });
  return {
    statusCode: response.statusCode ?? 0,
    events,
    ended,
    waitFor(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (found === undefined) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching event within ${timeoutMs} ms; received: ${events.map((item) => item.event).join(', ')}`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close() {
      response.destroy();
    },
  };
}
