import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { CandleBatchMessage, SourceStateMessage } from '@runecast/contracts';
import { ValidationError } from '@runecast/market';
import type { Bus, BusMessage } from './bus.port.ts';
import { bookTopic, candlesTopic, sourceStateTopic, tradesTopic } from './topics.ts';

/** What each Bus implementation gives the shared contract suite. */
export interface BusContractHarness {
  /** A new, connected bus. Buses from one harness share a backend, as processes share a broker. */
  createBus(): Promise<Bus>;
  /** Sends a payload past the publish-time check, as a foreign or older publisher could. */
  publishUnchecked(bus: Bus, topic: string, payload: unknown): Promise<void>;
  /**
   * True when a durable consumer outlives its bus (JetStream keeps it on the server); false
   * for the in-process bus, which keeps durable names only for its own lifetime.
   */
  durableAcrossBuses: boolean;
  /** How long to wait for deliveries that must not happen. Default 300 ms. */
  quietPeriodMs?: number;
}

/** How long the suite waits for a message that should arrive, and after one that should not. */
const ARRIVAL_TIMEOUT_MS = 10_000;

/** A fresh lower-case exchange id per test, so tests on a shared broker never see each other's messages. */
function uniqueExchange(): string {
  return `ex${randomBytes(5).toString('hex')}`;
}

const startMs = Date.UTC(2025, 5, 1);

function candleBatch(exchange: string, symbol = 'BTC/USDT', timeframe: '1m' | '5m' = '1m', index = 0) {
  const stepMs = timeframe === '1m' ? 60_000 : 300_000;
  return {
    exchange,
    symbol,
    timeframe,
    source: { label: 'contract-suite', simulated: true },
    candles: {
      openTimeMs: [startMs + index * stepMs],
      open: [100 + index],
      high: [110 + index],
      low: [95 + index],
      close: [105 + index],
      volume: [2],
      quoteVolume: [null],
      tradeCount: [4],
      closed: [true],
    },
  } satisfies CandleBatchMessage;
}

/** A small message whose `attempt` field serves as a sequence number. */
function stateMessage(exchange: string, sequence: number): SourceStateMessage {
  return { exchange, state: 'reconnecting', attempt: sequence, reason: null, atMs: startMs + sequence };
}

/** Collects messages and lets a test wait until a number of them arrived. */
class Inbox<T> {
  readonly messages: BusMessage<T>[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  readonly handler = (message: BusMessage<T>): void => {
    this.messages.push(message);
    this.waiters = this.waiters.filter((waiter) => {
      if (this.messages.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  };

  async waitFor(count: number, timeoutMs = ARRIVAL_TIMEOUT_MS): Promise<BusMessage<T>[]> {
    if (this.messages.length < count) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push({ count, resolve })),
        new Promise<void>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new Error(`waited ${timeoutMs} ms for ${count} messages, got ${this.messages.length}`)),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    }
    return this.messages;
  }
}

function sequencesOf(messages: BusMessage<SourceStateMessage>[]): number[] {
  return messages.map((message) => message.data.attempt);
}

/** The behaviour every Bus implementation must show; call it inside a runner test file. */
export function runBusContract(name: string, harness: BusContractHarness): void {
  const QUIET_PERIOD_MS = harness.quietPeriodMs ?? 300;
  describe(`${name} bus contract`, () => {
    const openBuses: Bus[] = [];
    async function newBus(): Promise<Bus> {
      const bus = await harness.createBus();
      openBuses.push(bus);
      return bus;
    }
    after(async () => {
      await Promise.all(openBuses.map((bus) => bus.close()));
    });

    test('delivers a message published on an exact topic, and only there', async () => {
      const bus = await newBus();
      const exchange = uniqueExchange();
      const inbox = new Inbox<CandleBatchMessage>();
      const topic = candlesTopic({ exchange, symbol: 'BTC/USDT', timeframe: '1m' });
      await bus.subscribe(topic, inbox.handler);
      await bus.publish(
        candlesTopic({ exchange, symbol: 'ETH/USDT', timeframe: '1m' }),
        candleBatch(exchange, 'ETH/USDT'),
      );
      const sent = candleBatch(exchange);
      await bus.publish(topic, sent);
      const [message] = await inbox.waitFor(1);
      assert.equal(message?.topic, 'data.candles.' + exchange + '.BTC-USDT.1m');
      assert.deepEqual(message?.data, sent);
      assert.equal(message?.deliveryCount, 1);
      await bus.flush();
      await delay(QUIET_PERIOD_MS);
      assert.equal(inbox.messages.length, 1, 'the ETH/USDT message must not reach a BTC/USDT subscriber');
      const stats = bus.stats();
      assert.ok(stats.published >= 2 && stats.delivered >= 1, JSON.stringify(stats));
    });

    test('"*" matches exactly one segment', async () => {
      const bus = await newBus();
      const exchange = uniqueExchange();
      const inbox = new Inbox<CandleBatchMessage>();
      await bus.subscribe(`data.candles.${exchange}.*.1m`, inbox.handler);
      await bus.publish(
        candlesTopic({ exchange, symbol: 'BTC/USDT', timeframe: '1m' }),
        candleBatch(exchange),
      );
      await bus.publish(
        candlesTopic({ exchange, symbol: 'BTC/USDT', timeframe: '5m' }),
        candleBatch(exchange, 'BTC/USDT', '5m'),
      );
      await bus.publish(
        candlesTopic({ exchange, symbol: 'ETH/USDT', timeframe: '1m' }),
        candleBatch(exchange, 'ETH/USDT'),
      );
      await inbox.waitFor(2);
      await bus.flush();
      await delay(QUIET_PERIOD_MS);
      assert.deepEqual(inbox.messages.map((message) => message.topic).sort(), [
        `data.candles.${exchange}.BTC-USDT.1m`,
        `data.candles.${exchange}.ETH-USDT.1m`,
      ]);

      const acrossFamilies = new Inbox<unknown>();
      await bus.subscribe(`data.*.${exchange}.SOL-USDT`, acrossFamilies.handler);
      const market = { exchange, symbol: 'SOL/USDT' };
      await bus.publish(tradesTopic(market), {
        ...market,
        source: { label: 'contract-suite', simulated: true },
        trades: [{ tradeId: 't1', timestampMs: startMs, price: 150, amount: 1, side: 'sell' }],
      });
      await bus.publish(bookTopic(market), {
        ...market,
        timestampMs: startMs,
        bidPrice: 149.9,
        bidSize: 3,
        askPrice: 150.1,
        askSize: 4,
        source: { label: 'contract-suite', simulated: true },
      });
      await acrossFamilies.waitFor(2);
      assert.deepEqual(acrossFamilies.messages.map((message) => message.topic.split('.')[1]).sort(), [
        'book',
        'trades',
      ]);
    });

    test('">" matches one or more trailing segments', async () => {
      const bus = await newBus();
      const exchange = uniqueExchange();
      const inbox = new Inbox<CandleBatchMessage>();
      await bus.subscribe(`data.candles.${exchange}.>`, inbox.handler);
      await bus.publish(
        candlesTopic({ exchange, symbol: 'BTC/USDT', timeframe: '1m' }),
        candleBatch(exchange),
      );
      await bus.publish(
        candlesTopic({ exchange, symbol: 'ETH/USDT', timeframe: '5m' }),
        candleBatch(exchange, 'ETH/USDT', '5m'),
      );
      await bus.publish(sourceStateTopic(exchange), stateMessage(exchange, 1));
      await inbox.waitFor(2);
      await bus.flush();
      await delay(QUIET_PERIOD_MS);
      assert.deepEqual(inbox.messages.map((message) => message.topic).sort(), [
        `data.candles.${exchange}.BTC-USDT.1m`,
        `data.candles.${exchange}.ETH-USDT.5m`,
      ]);
    });

    test('keeps publish order per topic, even for publishes not awaited one by one', async () => {
      const bus = await newBus();
      const exchange = uniqueExchange();
      const inbox = new Inbox<SourceStateMessage>();
      const topic = sourceStateTopic(exchange);
      await bus.subscribe(topic, inbox.handler);
      const count = 60;
      for (let sequence = 0; sequence < count / 2; sequence += 1) {
        await bus.publish(topic, stateMessage(exchange, sequence));
      }
      await Promise.all(
        Array.from({ length: count / 2 }, (_, index) =>
          bus.publish(topic, stateMessage(exchange, count / 2 + index)),
        ),
      );
      await inbox.waitFor(count);
      assert.deepEqual(
        sequencesOf(inbox.messages),
        Array.from({ length: count }, (_, index) => index),
      );
    });

    test('publish rejects invalid payloads and topics with a clear error, and sends nothing', async () => {
      const bus = await newBus();
      const exchange = uniqueExchange();
      const inbox = new Inbox<unknown>();
      await bus.subscribe(`data.candles.${exchange}.>`, inbox.handler);
      const topic = candlesTopic({ exchange, symbol: 'BTC/USDT', timeframe: '1m' });
      const before = bus.stats();
      const highBelowLow = candleBatch(exchange);
      highBelowLow.candles.high[0] = 1;
      await assert.rejects(bus.publish(topic, highBelowLow), (error: Error) => {
        assert.ok(error instanceof ValidationError);
        assert.match(error.message, /candles\.high\.0: high 1 is below low 95/);
        assert.match(error.message, new RegExp(topic.replaceAll('.', '\\.')));
        return true;
      });
      const nanVolume = candleBatch(exchange);
      nanVolume.candles.volume[0] = Number.NaN;
      await assert.rejects(bus.publish(topic, nanVolume), /candles\.volume\.0/);
      await assert.rejects(bus.publish(topic, { hello: 'world' }), ValidationError);
      await assert.rejects(bus.publish(topic, candleBatch('binance')), /exchange "binance" does not match/);
      await assert.rejects(
        bus.publish(candlesTopic({ exchange, symbol: 'BTC/USDT', timeframe: '5m' }), candleBatch(exchange)),
        /timeframe "1m" does not match/,
      );
      await assert.rejects(bus.publish(`data.candles.${exchange}.*.1m`, candleBatch(exchange)), /wildcard/);
      await assert.rejects(
        bus.publish(`data.candlesticks.${exchange}`, candleBatch(exchange)),
        /no known family/,
      );
      await assert.rejects(
        bus.publish(`data.candles.${exchange}.BTC/USDT.1m`, candleBatch(exchange)),
        /bad segment/,
      );
      await assert.rejects(bus.subscribe('data..candles', inbox.handler), /bad segment/);
      await assert.rejects(bus.subscribe('data.>.candles', inbox.handler), /last segment/);
      await assert.rejects(bus.subscribe('weather.>', inbox.handler), /no known topic/);
      await bus.flush();
      await delay(QUIET_PERIOD_MS);
      assert.equal(inbox.messages.length, 0);
      const afterStats = bus.stats();
      assert.equal(afterStats.published, before.published);
      assert.equal(afterStats.rejected, before.rejected + 8);
    });

    test('invalid messages on the wire are counted and never reach a handler', async () => {
      const bus = await newBus();
      const exchange = uniqueExchange();
      const inbox = new Inbox<SourceStateMessage>();
      const topic = sourceStateTopic(exchange);
      await bus.subscribe(topic, inbox.handler);
      const invalidBefore = bus.stats().invalid;
      await harness.publishUnchecked(bus, topic, { ...stateMessage(exchange, 1), state: 'exploded' });
      await harness.publishUnchecked(bus, topic, stateMessage('binance', 2));
      await harness.publishUnchecked(bus, topic, stateMessage(exchange, 3));
      await inbox.waitFor(1);
      await bus.flush();
      await delay(QUIET_PERIOD_MS);
      assert.deepEqual(sequencesOf(inbox.messages), [3]);
      assert.equal(bus.stats().invalid, invalidBefore + 2);
    });

    test('a handler that throws gets the message again, with deliveryCount 2', async () => {
      const bus = await newBus();
      const exchange = uniqueExchange();
      const topic = sourceStateTopic(exchange);
      const attempts: BusMessage<SourceStateMessage>[] = [];
      const inbox = new Inbox<SourceStateMessage>();
      await bus.subscribe<SourceStateMessage>(topic, (message) => {
        attempts.push(message);
        if (message.deliveryCount === 1) throw new Error('store unavailable');
        inbox.handler(message);
      });
      const errorsBefore = bus.stats().handlerErrors;
      await bus.publish(topic, stateMessage(exchange, 7));
      const [redelivered] = await inbox.waitFor(1);
      assert.equal(redelivered?.deliveryCount, 2);
      assert.equal(redelivered?.data.attempt, 7);
      await bus.flush();
      await delay(QUIET_PERIOD_MS);
      assert.deepEqual(
        attempts.map((message) => message.deliveryCount),
        [1, 2],
      );
      assert.equal(bus.stats().handlerErrors, errorsBefore + 1);
    });

    test('members of a queue group split the messages, each delivered once', async () => {
      const bus = await newBus();
      const exchange = uniqueExchange();
      const topic = sourceStateTopic(exchange);
      const first = new Inbox<SourceStateMessage>();
      const second = new Inbox<SourceStateMessage>();
      const everything = new Inbox<SourceStateMessage>();
      const slowly =
        (inbox: Inbox<SourceStateMessage>) => async (message: BusMessage<SourceStateMessage>) => {
          await delay(5);
          inbox.handler(message);
        };
      await bus.subscribe(topic, slowly(first), { queueGroup: 'writers' });
      await bus.subscribe(topic, slowly(second), { queueGroup: 'writers' });
      await bus.subscribe(topic, everything.handler);
      const count = 40;
      for (let sequence = 0; sequence < count; sequence += 1)
        await bus.publish(topic, stateMessage(exchange, sequence));
      await everything.waitFor(count);
      await bus.flush();
      await delay(QUIET_PERIOD_MS);
      const split = [...sequencesOf(first.messages), ...sequencesOf(second.messages)].sort((a, b) => a - b);
      assert.deepEqual(
        split,
        Array.from({ length: count }, (_, index) => index),
      );
      assert.ok(first.messages.length > 0 && second.messages.length > 0, 'both members should get a share');
      assert.equal(
        everything.messages.length,
        count,
        'a subscriber outside the group still gets every message',
      );
    });

    test('unsubscribe stops delivery', async () => {
      const bus = await newBus();
      const exchange = uniqueExchange();
      const topic = sourceStateTopic(exchange);
      const inbox = new Inbox<SourceStateMessage>();
      const subscription = await bus.subscribe(topic, inbox.handler);
      await bus.publish(topic, stateMessage(exchange, 1));
      await inbox.waitFor(1);
      await subscription.unsubscribe();
      await subscription.unsubscribe();
      await bus.publish(topic, stateMessage(exchange, 2));
      await bus.flush();
      await delay(QUIET_PERIOD_MS);
      assert.deepEqual(sequencesOf(inbox.messages), [1]);
    });

    test('flush resolves only after slow handlers have taken every message', async () => {
      const bus = await newBus();
      const exchange = uniqueExchange();
      const topic = sourceStateTopic(exchange);
      const handled: number[] = [];
      await bus.subscribe<SourceStateMessage>(topic, async (message) => {
        await delay(20);
        handled.push(message.data.attempt);
      });
      for (let sequence = 0; sequence < 5; sequence += 1)
        await bus.publish(topic, stateMessage(exchange, sequence));
      await bus.flush();
      assert.deepEqual(handled, [0, 1, 2, 3, 4]);
    });

    test('a durable subscriber gets, on its return, what was published while it was away', async () => {
      const bus = await newBus();
      const exchange = uniqueExchange();
      const topic = sourceStateTopic(exchange);
      const durableName = `ingest-${exchange}`;
      const firstVisit = new Inbox<SourceStateMessage>();
      const subscription = await bus.subscribe(topic, firstVisit.handler, { durableName });
      await bus.publish(topic, stateMessage(exchange, 1));
      await firstVisit.waitFor(1);
      await bus.flush();
      await subscription.unsubscribe();
      await bus.publish(topic, stateMessage(exchange, 2));
      await bus.publish(topic, stateMessage(exchange, 3));
      const secondVisit = new Inbox<SourceStateMessage>();
      await bus.subscribe(topic, secondVisit.handler, { durableName });
      await secondVisit.waitFor(2);
      await bus.flush();
      await delay(QUIET_PERIOD_MS);
      assert.deepEqual(sequencesOf(firstVisit.messages), [1]);
      assert.deepEqual(sequencesOf(secondVisit.messages), [2, 3]);
    });

    test(
      'a durable subscriber resumes on a new bus (process restart)',
      { skip: harness.durableAcrossBuses ? false : 'this bus keeps no state across restarts' },
      async () => {
        const exchange = uniqueExchange();
        const topic = sourceStateTopic(exchange);
        const durableName = `restart-${exchange}`;
        const before = await harness.createBus();
        const firstLife = new Inbox<SourceStateMessage>();
        await before.subscribe(topic, firstLife.handler, { durableName });
        await before.publish(topic, stateMessage(exchange, 1));
        await firstLife.waitFor(1);
        await before.flush();
        await before.close();
        const publisher = await newBus();
        await publisher.publish(topic, stateMessage(exchange, 2));
        await publisher.publish(topic, stateMessage(exchange, 3));
        const afterRestart = await newBus();
        const secondLife = new Inbox<SourceStateMessage>();
        await afterRestart.subscribe(topic, secondLife.handler, { durableName });
        await secondLife.waitFor(2);
        await afterRestart.flush();
        await delay(QUIET_PERIOD_MS);
        assert.deepEqual(sequencesOf(secondLife.messages), [2, 3]);
      },
    );

    test('close stops handlers, refuses further use and reports the bus down', async () => {
      const bus = await harness.createBus();
      const exchange = uniqueExchange();
      const topic = sourceStateTopic(exchange);
      const inbox = new Inbox<SourceStateMessage>();
      await bus.subscribe(topic, inbox.handler);
      assert.equal(bus.status().state, 'ok');
      await bus.publish(topic, stateMessage(exchange, 1));
      await inbox.waitFor(1);
      await bus.close();
      await bus.close();
      assert.equal(bus.status().state, 'down');
      await assert.rejects(bus.publish(topic, stateMessage(exchange, 2)), /closed/);
      await assert.rejects(bus.subscribe(topic, inbox.handler), /closed/);
      const observer = await newBus();
      await observer.publish(topic, stateMessage(exchange, 3));
      await observer.flush();
      await delay(QUIET_PERIOD_MS);
      assert.deepEqual(sequencesOf(inbox.messages), [1]);
    });
  });
}
