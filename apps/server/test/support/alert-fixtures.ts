import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CandleBatchMessage, toCandleColumns } from '@runecast/contracts';
import type { Candle, Timeframe } from '@runecast/market';

export interface ReceivedRequest {
  headers: IncomingMessage['headers'];
  body: string;
  url: string;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>`; any path is accepted. */
  url: string;
  /** Every request, in arrival order. */
  received: ReceivedRequest[];
  /** The next requests are answered with these statuses, in order (200 once they are used up). */
  failNext(statuses: readonly number[]): void;
  clearFailures(): void;
  close(): Promise<void>;
}

/** A real local HTTP receiver for notifications: records every request, answers as told. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const queued: number[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        url: request.url ?? '',
      });
      const status = queued.shift() ?? 200;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(status === 200 ? '{"ok":true}' : '{"error":"try later"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    failNext: (statuses) => queued.push(...statuses),
    clearFailures: () => queued.splice(0),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Closed candles of one series with the given closes (open, high and low the same), one step apart from `firstMs`. */
export function closesCandles(
  series: { exchange: string; symbol: string; timeframe: Timeframe },
  closes: readonly number[],
  firstMs: number,
  stepMs = 60_000,
): Candle[] {
  return closes.map((close, index) => ({
    exchange: series.exchange,
    symbol: series.symbol,
    timeframe: series.timeframe,
    openTimeMs: firstMs + index * stepMs,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
    quoteVolume: null,
    tradeCount: null,
    closed: true,
  }));
}

/** A closed candle batch of one series with the given closes, one step apart from `firstMs`. */
export function closesBatch(
  series: { exchange: string; symbol: string; timeframe: Timeframe },
  closes: readonly number[],
  firstMs: number,
  stepMs = 60_000,
): CandleBatchMessage {
  return {
    ...series,
    source: { label: 'test', simulated: true },
    candles: toCandleColumns(
      closesCandles(series, closes, firstMs, stepMs).map(
        ({ exchange: _exchange, symbol: _symbol, timeframe: _timeframe, ...candle }) => candle,
      ),
    ),
  };
}
