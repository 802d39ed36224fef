import {
  streamAlertEventSchema,
  streamBookEventSchema,
  streamCandlesEventSchema,
  streamForecastEventSchema,
  type StreamAlertEvent,
  type StreamBookEvent,
  type StreamCandlesEvent,
  type StreamForecastEvent,
} from '@runecast/contracts';
import type { z } from 'zod';
import { buildQueryString, type ApiClient, type QueryValue } from './api-client.ts';

export type LiveStreamStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** One named event of a Server-Sent Events stream and the contract its data follows. */
export interface EventHandler<Schema extends z.ZodType = z.ZodType> {
  schema: Schema;
  handle(data: z.output<Schema>): void;
}

export interface EventStreamOptions {
  path: string;
  query: Record<string, QueryValue>;
  events: Record<string, EventHandler>;
  onStatus?(status: LiveStreamStatus, reason?: string): void;
}

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Follows a Server-Sent Events stream of the API. EventSource cannot send headers, so each
 * connection is opened with a single-use stream ticket in the URL (asked for with the
 * Authorization header; no token ever goes into a URL). A ticket works once, so when the
 * connection drops or the server ends it (access revoked), a new ticket is fetched and the
 * stream reopened, with backoff. Returns a function that stops it.
 */
export function openEventStream(
  client: Pick<ApiClient, 'streamTicket'>,
  options: EventStreamOptions,
): () => void {
  let source: EventSource | null = null;
  let stopped = false;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  const connect = async () => {
    if (stopped) return;
    options.onStatus?.(attempt === 0 ? 'connecting' : 'reconnecting');
    let ticket: string;
    try {
      ticket = await client.streamTicket();
    } catch (error) {
      options.onStatus?.('closed', (error as Error).message);
      return;
    }
    if (stopped) return;
    const url = `${options.path}${buildQueryString({ ...options.query, ticket })}`;
    const current = new EventSource(url);
    source = current;
    current.addEventListener('open', () => {
      attempt = 0;
      options.onStatus?.('open');
    });
    for (const [name, handler] of Object.entries(options.events)) {
      current.addEventListener(name, (event) => {
        let data: unknown;
        try {
          data = JSON.parse((event as MessageEvent<string>).data);
        } catch {
          return;
        }
        const parsed = handler.schema.safeParse(data);
        if (parsed.success) handler.handle(parsed.data);
      });
    }
    current.addEventListener('error', () => {
      if (stopped) return;
      // EventSource would retry the same URL by itself, and its ticket is used up: reconnect
      // with a new ticket instead.
      current.close();
      attempt += 1;
      const delayMs = Math.min(MAX_RETRY_DELAY_MS, 500 * 2 ** Math.min(attempt - 1, 6));
      options.onStatus?.('reconnecting', `stream closed; reconnecting in ${Math.ceil(delayMs / 1000)} s`);
      retryTimer = setTimeout(() => void connect(), delayMs);
    });
  };

  void connect();
  return () => {
    stopped = true;
    if (retryTimer !== null) clearTimeout(retryTimer);
    source?.close();
    options.onStatus?.('closed');
  };
}

export interface MarketStreamHandlers {
  onCandles?(event: StreamCandlesEvent): void;
  onBook?(event: StreamBookEvent): void;
  onForecast?(event: StreamForecastEvent): void;
  onStatus?(status: LiveStreamStatus, reason?: string): void;
}

/** New candles, top of book and forecasts of the given series (`GET /api/v1/stream`). */
export function openMarketStream(
  client: ApiClient,
  seriesKeys: readonly string[],
  handlers: MarketStreamHandlers,
): () => void {
  const events: Record<string, EventHandler> = {};
  if (handlers.onCandles) {
    const onCandles = handlers.onCandles;
    events.candles = {
      schema: streamCandlesEventSchema,
      handle: (data) => onCandles(data as StreamCandlesEvent),
    };
  }
  if (handlers.onBook) {
    const onBook = handlers.onBook;
    events.book = { schema: streamBookEventSchema, handle: (data) => onBook(data as StreamBookEvent) };
  }
  if (handlers.onForecast) {
    const onForecast = handlers.onForecast;
    events.forecast = {
      schema: streamForecastEventSchema,
      handle: (data) => onForecast(data as StreamForecastEvent),
    };
  }
  return openEventStream(client, {
    path: '/api/v1/stream',
    query: {
      series: seriesKeys.join(','),
      candles: handlers.onCandles !== undefined,
      book: handlers.onBook !== undefined,
      forecasts: handlers.onForecast !== undefined,
    },
    events,
    ...(handlers.onStatus ? { onStatus: handlers.onStatus } : {}),
  });
}

/** The caller's own alert firings as they are stored (`GET /api/v1/stream/alerts`). */
export function openAlertStream(
  client: Pick<ApiClient, 'streamTicket'>,
  handlers: {
    onAlert(event: StreamAlertEvent): void;
    onStatus?(status: LiveStreamStatus, reason?: string): void;
  },
): () => void {
  return openEventStream(client, {
    path: '/api/v1/stream/alerts',
    query: {},
    events: {
      alert: {
        schema: streamAlertEventSchema,
        handle: (data) => handlers.onAlert(data as StreamAlertEvent),
      },
    },
    ...(handlers.onStatus ? { onStatus: handlers.onStatus } : {}),
  });
}
