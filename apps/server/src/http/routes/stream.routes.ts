import {
  alertStreamQuerySchema,
  streamQuerySchema,
  streamTicketResponseSchema,
  fromCandleColumns,
  type AlertFiredMessage,
  type CandleBatchMessage,
  type ForecastMadeMessage,
  type StreamBookEvent,
  type StreamCandlesEvent,
  type TopOfBookMessage,
} from '@runecast/contracts';
import { z } from 'zod';
import { alertsFiredTopic, bookTopic, candlesTopic, forecastsTopic } from '../../bus/topics.ts';
import { formatSeriesKey, parseSeriesKey } from '@runecast/market';
import type { RouteModule } from '../api-context.ts';
import type { LiveFamily } from '../../markets/live-feed.ts';
import { enforceQuota } from '../quotas.ts';
import { openEventStream } from '../server-sent-events.ts';

/** Live candles, top of book and forecasts of chosen series, as Server-Sent Events. */
export const streamRoutes: RouteModule = {
  name: 'stream',
  register(app, context) {
    const streams = new Set<{ close(): void }>();
    app.addHook('onClose', async () => {
      for (const stream of streams) stream.close();
    });

    app.post(
      '/stream/tickets',
      {
        // Reading: a read-only key may open streams too.
        config: { access: 'user', readOnlyAllowed: true, allowedWhileDiskReadOnly: true },
        schema: {
          tags: ['stream'],
          summary:
            'A single-use ticket, good for 30 s, that opens one live stream (`?ticket=`) for a client that cannot send headers (EventSource)',
          response: { 201: streamTicketResponseSchema },
        },
      },
      async (request, reply) => reply.code(201).send(await context.streamTickets.issue(request.principal!)),
    );

    app.get(
      '/stream/alerts',
      {
        config: { access: 'user', allowStreamTicket: true, produces: { 200: 'text/event-stream' } },
        schema: {
          tags: ['stream', 'alerts'],
          summary:
            "Server-Sent Events: `ready`, then `alert` for each firing of the caller's own rules as it is stored (never another user's, an admin's included)",
          querystring: alertStreamQuerySchema,
          response: { 200: z.string().describe('text/event-stream') },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        enforceQuota(
          principal,
          context.quotas,
          'openStreamsPerUser',
          context.streamAccess.countFor(principal.userId),
        );
        const stream = openEventStream(request, reply);
        context.streamAccess.watch(principal, stream);
        streams.add(stream);
        context.metrics.stream.clients.inc();
        stream.onClose(() => {
          streams.delete(stream);
          context.metrics.stream.clients.dec();
        });
        try {
          // The topic names the owner, so this stream hears only the caller's firings.
          const topic = alertsFiredTopic(principal.userId);
          const stop = await context.liveFeed.listen(['alertsFired'], [topic], (_topic, data) => {
            const firing = data as AlertFiredMessage;
            if (firing.ownerUserId !== principal.userId) return;
            stream.send('alert', firing);
            context.metrics.stream.events.inc({ event: 'alert' });
          });
          stream.onClose(stop);
          stream.send('ready', { alerts: true });
        } catch (error) {
          stream.send('error', {
            code: 'unavailable',
            message: `alert events are unavailable: ${(error as Error).message}`,
          });
          stream.close();
        }
        return reply;
      },
    );

    app.get(
      '/stream',
      {
        config: { access: 'user', allowStreamTicket: true, produces: { 200: 'text/event-stream' } },
        schema: {
          tags: ['stream'],
          summary:
            'Server-Sent Events: `ready`, then `candles` (new and updated candles), `book` (top of book) and `forecast` (new forecasts) for the series named',
          querystring: streamQuerySchema,
          response: { 200: z.string().describe('text/event-stream') },
        },
      },
      async (request, reply) => {
        const series = request.query.series.map((text) => parseSeriesKey(text));
        const withBook = request.query.book ?? true;
        const withCandles = request.query.candles ?? true;
        const withForecasts = request.query.forecasts ?? true;
        const families: LiveFamily[] = [];
        const topics = new Map<string, 'candles' | 'book' | 'forecasts'>();
        if (withCandles) {
          families.push('candles');
          for (const key of series) topics.set(candlesTopic(key), 'candles');
        }
        if (withBook) {
          families.push('book');
          for (const key of series) topics.set(bookTopic(key), 'book');
        }
        if (withForecasts) {
          families.push('forecasts');
          for (const key of series) topics.set(forecastsTopic(key), 'forecasts');
        }
        enforceQuota(
          request.principal!,
          context.quotas,
          'openStreamsPerUser',
          context.streamAccess.countFor(request.principal!.userId),
        );
        const stream = openEventStream(request, reply);
        context.streamAccess.watch(request.principal!, stream);
        streams.add(stream);
        context.metrics.stream.clients.inc();
        stream.onClose(() => {
          streams.delete(stream);
          context.metrics.stream.clients.dec();
        });
        try {
          const stop = await context.liveFeed.listen(families, [...topics.keys()], (topic, data) => {
            const family = topics.get(topic);
            if (family === 'forecasts') {
              const forecast = data as ForecastMadeMessage;
              stream.send('forecast', forecast);
              context.metrics.stream.events.inc({ event: 'forecast' });
            } else if (family === 'candles') {
              const batch = data as CandleBatchMessage;
              const event: StreamCandlesEvent = {
                series: formatSeriesKey({
                  exchange: batch.exchange,
                  symbol: batch.symbol,
                  timeframe: batch.timeframe,
                }),
                candles: fromCandleColumns(batch.candles),
                simulated: batch.source.simulated,
              };
              stream.send('candles', event);
              context.metrics.stream.events.inc({ event: 'candles' });
            } else {
              const book = data as TopOfBookMessage;
              const event: StreamBookEvent = {
                exchange: book.exchange,
                symbol: book.symbol,
                timestampMs: book.timestampMs,
                bidPrice: book.bidPrice,
                bidSize: book.bidSize,
                askPrice: book.askPrice,
                askSize: book.askSize,
                simulated: book.source.simulated,
              };
              stream.send('book', event);
              context.metrics.stream.events.inc({ event: 'book' });
            }
          });
          stream.onClose(stop);
          // Sent once subscribed, so a client that waits for it misses nothing published after.
          stream.send('ready', {
            series: series.map(formatSeriesKey),
            book: withBook,
            candles: withCandles,
            forecasts: withForecasts,
          });
        } catch (error) {
          stream.send('error', {
            code: 'unavailable',
            message: `live data is unavailable: ${(error as Error).message}`,
          });
          stream.close();
        }
        return reply;
      },
    );
  },
};
