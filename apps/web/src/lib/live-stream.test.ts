import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { openEventStream } from './live-stream.ts';

class FakeEventSource {
  static readonly CLOSED = 2;
  static opened: FakeEventSource[] = [];
  readyState = 0;
  private readonly listeners = new Map<string, ((event: unknown) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.opened.push(this);
  }
  addEventListener(name: string, listener: (event: unknown) => void): void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
  }
  emit(name: string, event: unknown = {}): void {
    for (const listener of this.listeners.get(name) ?? []) listener(event);
  }
  close(): void {
    this.readyState = FakeEventSource.CLOSED;
  }
}

const realEventSource = (globalThis as { EventSource?: unknown }).EventSource;
afterEach(() => {
  (globalThis as { EventSource?: unknown }).EventSource = realEventSource;
  FakeEventSource.opened = [];
});

test('a stream opens with a fresh single-use ticket each time, never a token in the URL', async () => {
  (globalThis as { EventSource?: unknown }).EventSource = FakeEventSource;
  let issued = 0;
  const client = { streamTicket: async () => `rst_ticket-${(issued += 1)}` };
  const statuses: string[] = [];
  const stop = openEventStream(client, {
    path: '/api/v1/stream',
    query: { series: 'binance:BTC/USDT:1m' },
    events: {},
    onStatus: (status) => statuses.push(status),
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(FakeEventSource.opened.length, 1);
  const first = new URL(FakeEventSource.opened[0]!.url, 'http://dashboard');
  assert.equal(first.searchParams.get('ticket'), 'rst_ticket-1');
  assert.equal(first.searchParams.get('access_token'), null);

  // The connection drops: the used ticket is not retried; a new one is asked for.
  FakeEventSource.opened[0]!.emit('error');
  assert.equal(FakeEventSource.opened[0]!.readyState, FakeEventSource.CLOSED);
  await new Promise((resolve) => setTimeout(resolve, 700));
  assert.equal(FakeEventSource.opened.length, 2);
  assert.equal(
    new URL(FakeEventSource.opened[1]!.url, 'http://dashboard').searchParams.get('ticket'),
    'rst_ticket-2',
  );
  stop();
  assert.deepEqual(statuses, ['connecting', 'reconnecting', 'reconnecting', 'closed']);
});
