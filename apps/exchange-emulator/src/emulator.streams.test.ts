import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import ccxt, { type Exchange } from 'ccxt';
import { WebSocket } from 'ws';
import { emulatorOverrides, startEmulator, type RunningEmulator } from './index.ts';

const START_MS = Date.UTC(2025, 1, 10, 9, 30);

/** A raw websocket that records parsed messages and can wait for one that matches. */
async function openSocket(url: string): Promise<{
  socket: WebSocket;
  messages: unknown[];
  waitFor(match: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}> {
  const socket = new WebSocket(url);
  const messages: unknown[] = [];
  const waiters: Array<{
    match: (message: Record<string, unknown>) => boolean;
    resolve: (message: Record<string, unknown>) => void;
  }> = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as Record<string, unknown>;
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    messages,
    waitFor: (match) =>
      new Promise((resolve, reject) => {
        const found = messages.find((message) => match(message as Record<string, unknown>));
        if (found) return resolve(found as Record<string, unknown>);
        waiters.push({ match, resolve });
        setTimeout(() => reject(new Error('no matching message within 10 s')), 10_000).unref();
      }),
  };
}

describe('stream protocols', () => {
  let emulator: RunningEmulator;

  before(async () => {
    emulator = await startEmulator({
      startTime: START_MS,
      speed: 1200,
      seed: 5,
      simulatedHistoryDays: 2,
      tickMs: 50,
    });
  });
  after(async () => emulator?.close());

  test('Binance combined streams wrap events; SUBSCRIBE, LIST_SUBSCRIPTIONS and UNSUBSCRIBE answer by id', async () => {
    const client = await openSocket(
      `${emulator.wsUrl}/binance/stream?streams=btcusdt@kline_5m/ethusdt@aggTrade`,
    );
    try {
      const kline = await client.waitFor((message) => message.stream === 'btcusdt@kline_5m');
      const data = kline.data as { e: string; s: string; k: { i: string; t: number } };
      assert.equal(data.e, 'kline');
      assert.equal(data.k.i, '5m');
      assert.equal(data.k.t % 300_000, 0);
      await client.waitFor((message) => message.stream === 'ethusdt@aggTrade');
      client.socket.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['solusdt@bookTicker'], id: 7 }));
      assert.deepEqual(await client.waitFor((message) => message.id === 7), { result: null, id: 7 });
      const book = await client.waitFor((message) => message.stream === 'solusdt@bookTicker');
      const top = book.data as { b: string; a: string; u: number };
      assert.ok(Number(top.b) < Number(top.a));
      client.socket.send(JSON.stringify({ method: 'UNSUBSCRIBE', params: ['ethusdt@aggTrade'], id: 8 }));
      await client.waitFor((message) => message.id === 8);
      client.socket.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 9 }));
      const list = await client.waitFor((message) => message.id === 9);
      assert.deepEqual((list.result as string[]).sort(), ['btcusdt@kline_5m', 'solusdt@bookTicker']);
      client.socket.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdt@nonsense'], id: 10 }));
      const refused = await client.waitFor((message) => message.id === 10);
      assert.match(JSON.stringify(refused.error), /unknown stream/);
    } finally {
      client.socket.terminate();
    }
  });

  test('Kraken v2: status on connect, acks per symbol, snapshots, errors for unknown pairs, ping', async () => {
    const client = await openSocket(`${emulator.wsUrl}/kraken/ws/v2`);
    try {
      const status = await client.waitFor((message) => message.channel === 'status');
      assert.equal((status.data as Array<{ api_version: string }>)[0]!.api_version, 'v2');
      client.socket.send(
        JSON.stringify({
          method: 'subscribe',
          params: { channel: 'ohlc', symbol: ['BTC/USDT', 'XYZ/USDT'], interval: 15 },
          req_id: 3,
        }),
      );
      const ack = await client.waitFor((message) => message.req_id === 3 && message.success === true);
      assert.deepEqual(ack.result, { channel: 'ohlc', symbol: 'BTC/USDT', snapshot: true, interval: 15 });
      const error = await client.waitFor((message) => message.req_id === 3 && message.success === false);
      assert.match(String(error.error), /Currency pair not supported XYZ\/USDT/);
      const snapshot = await client.waitFor(
        (message) => message.channel === 'ohlc' && message.type === 'snapshot',
      );
      const candles = snapshot.data as Array<{ interval: number; interval_begin: string }>;
      assert.ok(candles.length > 10);
      assert.ok(
        candles.every(
          (candle) => candle.interval === 15 && Date.parse(candle.interval_begin) % 900_000 === 0,
        ),
      );
      await client.waitFor((message) => message.channel === 'ohlc' && message.type === 'update');
      client.socket.send(JSON.stringify({ method: 'ping', req_id: 4 }));
      assert.equal((await client.waitFor((message) => message.req_id === 4)).method, 'pong');
      await client.waitFor((message) => message.channel === 'heartbeat');
    } finally {
      client.socket.terminate();
    }
  });

  test('books kept by ccxt from the diff streams equal the emulator book', async () => {
    for (const id of ['binance', 'kraken'] as const) {
      const exchange: Exchange = new ccxt.pro[id]({
        ...emulatorOverrides(id, emulator.url),
        enableRateLimit: false,
      });
      try {
        const depth = id === 'kraken' ? 10 : undefined;
        for (let update = 0; update < 5; update += 1) await exchange.watchOrderBook('ETH/USDT', depth);
        // With the clock stopped the last diff arrives within a tick or two; ccxt applies it on receipt.
        emulator.clock.pause();
        const truth = emulator.universe.find('ETH/USDT')!.bookAt(emulator.clock.nowMs());
        const levels = 10;
        const expected = {
          bids: truth.bids.slice(0, levels).map((level) => [level.price, level.quantity]),
          asks: truth.asks.slice(0, levels).map((level) => [level.price, level.quantity]),
        };
        const keptTop = (): typeof expected => {
          const kept = exchange.orderbooks['ETH/USDT']!;
          return {
            bids: Array.from(kept.bids.slice(0, levels), ([price, quantity]) => [price!, quantity!]),
            asks: Array.from(kept.asks.slice(0, levels), ([price, quantity]) => [price!, quantity!]),
          };
        };
        for (let wait = 0; wait < 100 && JSON.stringify(keptTop()) !== JSON.stringify(expected); wait += 1)
          await sleep(50);
        assert.deepEqual(keptTop(), expected, id);
        const bidsAsks = await Promise.race([
          exchange.watchBidsAsks(['ETH/USDT']),
          (async () => {
            emulator.clock.resume();
            await sleep(5_000);
            return null;
          })(),
        ]);
        assert.ok(bidsAsks?.['ETH/USDT']?.bid, `${id} watchBidsAsks`);
      } finally {
        emulator.clock.resume();
        await exchange.close();
      }
    }
  });
});
