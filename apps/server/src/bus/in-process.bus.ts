import { setTimeout as delay } from 'node:timers/promises';
import { ValidationError } from '@runecast/market';
import { BusClosedError } from './bus-errors.ts';
import { requireNonNegativeNumber, requirePositiveInteger } from './bus-options.ts';
import type { Bus, BusMessage, BusStats, BusStatus, SubscribeOptions, Subscription } from './bus.port.ts';
import { checkBusMessage, validateBusMessage } from './message-validation.ts';
import { resolveSubscription } from './subscription-options.ts';
import { assertConcreteTopic, topicMatches } from './topics.ts';

export interface InProcessBusOptions {
  /** Handler attempts per message before it is dropped (and counted). Default 5. */
  maxDeliveries?: number;
  /** Pause before a failed message is handed out again. Default 100 ms. */
  redeliveryDelayMs?: number;
  /** Messages a consumer may hold undelivered; past it the oldest is dropped. Default 10,000. */
  maxBufferedPerConsumer?: number;
  /** Called when a handler throws (the message will be redelivered or, at the last attempt, dropped). */
  onHandlerError?: (error: unknown, message: BusMessage) => void;
  /** Called when a received message fails validation and is dropped. */
  onInvalidMessage?: (reason: string, topic: string) => void;
}

type Handler = (message: BusMessage<never>) => Promise<void> | void;

interface Member {
  handler: Handler;
  active: boolean;
}

interface Pending {
  topic: string;
  data: unknown;
  /** Handler attempts made so far. */
  attempts: number;
  /**
   * True when `publish` already checked this exact payload. Nothing crosses a process boundary
   * here, so checking it again on receipt would only repeat the work (measured: about a third
   * of the in-process ingest path); unchecked publishes are still checked on receipt.
   */
  checked: boolean;
}

/**
 * Array-backed FIFO whose `shift` does not copy the whole array each time. A shifted slot is
 * cleared at once: a delivered message (a batch of 5,000 candles is about a megabyte) must not
 * stay reachable until the array is next compacted.
 */
class MessageQueue {
  private items: (Pending | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: Pending): void {
    this.items.push(item);
  }

  peek(): Pending | undefined {
    return this.items[this.head];
  }

  shift(): Pending | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/** A stream of messages for one pattern, handed round-robin to its members. */
interface LocalConsumer {
  name: string | undefined;
  pattern: string;
  durable: boolean;
  members: Member[];
  nextMemberIndex: number;
  queue: MessageQueue;
  dispatching: Promise<void> | null;
}

/** Hand messages to the event loop now and then, so a long queue does not starve timers and I/O. */
const YIELD_EVERY_MESSAGES = 256;

/**
 * Bus inside one process. Each subscription (or each queue group / durable name) is a consumer
 * with its own FIFO queue, so a topic's messages reach a handler in publish order. A durable
 * consumer keeps collecting messages while it has no members and hands them over when one
 * subscribes again; nothing survives the process.
 */
export class InProcessBus implements Bus {
  readonly kind = 'in-process' as const;
  private readonly consumers = new Set<LocalConsumer>();
  private readonly sharedConsumers = new Map<string, LocalConsumer>();
  private readonly counters: BusStats = {
    published: 0,
    rejected: 0,
    delivered: 0,
    invalid: 0,
    handlerErrors: 0,
    dropped: 0,
  };
  private readonly maxDeliveries: number;
  private readonly redeliveryDelayMs: number;
  private readonly maxBufferedPerConsumer: number;
  private closed = false;

  constructor(private readonly options: InProcessBusOptions = {}) {
    this.maxDeliveries = requirePositiveInteger('maxDeliveries', options.maxDeliveries ?? 5);
    this.redeliveryDelayMs = requireNonNegativeNumber('redeliveryDelayMs', options.redeliveryDelayMs ?? 100);
    this.maxBufferedPerConsumer = requirePositiveInteger(
      'maxBufferedPerConsumer',
      options.maxBufferedPerConsumer ?? 10_000,
    );
  }

  async publish<T>(topic: string, data: T): Promise<void> {
    this.assertOpen();
    let payload: unknown;
    try {
      payload = validateBusMessage(topic, data);
    } catch (error) {
      this.counters.rejected += 1;
      throw error;
    }
    this.counters.published += 1;
    this.enqueue(topic, payload, true);
  }

  /**
   * Enqueues `data` without the publish-time check, the way a message from an older or foreign
   * publisher would arrive; receivers still check it and drop it when invalid.
   */
  async publishUnchecked(topic: string, data: unknown): Promise<void> {
    this.assertOpen();
    assertConcreteTopic(topic);
    this.enqueue(topic, data, false);
  }

  async subscribe<T>(
    pattern: string,
    handler: (message: BusMessage<T>) => Promise<void> | void,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.assertOpen();
    const name = resolveSubscription(pattern, options);
    let consumer = name === undefined ? undefined : this.sharedConsumers.get(name);
    if (consumer !== undefined && consumer.pattern !== pattern) {
      if (consumer.members.length > 0) {
        throw new ValidationError(
          `consumer "${name}" is already subscribed to "${consumer.pattern}"; cannot also take "${pattern}"`,
        );
      }
      consumer.pattern = pattern;
    }
    if (consumer === undefined) {
      consumer = {
        name,
        pattern,
        durable: options.durableName !== undefined,
        members: [],
        nextMemberIndex: 0,
        queue: new MessageQueue(),
        dispatching: null,
      };
      this.consumers.add(consumer);
      if (name !== undefined) this.sharedConsumers.set(name, consumer);
    }
    const member: Member = { handler: handler as Handler, active: true };
    consumer.members.push(member);
    this.startDispatching(consumer);
    const owner = consumer;
    return {
      unsubscribe: async () => {
        if (!member.active) return;
        member.active = false;
        owner.members = owner.members.filter((candidate) => candidate !== member);
        if (owner.members.length === 0 && !owner.durable) this.removeConsumer(owner);
      },
    };
  }

  async flush(): Promise<void> {
    for (;;) {
      const running = [...this.consumers]
        .map((consumer) => consumer.dispatching)
        .filter((dispatching): dispatching is Promise<void> => dispatching !== null);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const consumer of this.consumers) {
      for (const member of consumer.members) member.active = false;
      consumer.members = [];
    }
    await this.flush();
    this.consumers.clear();
    this.sharedConsumers.clear();
  }

  stats(): BusStats {
    return { ...this.counters };
  }

  status(): BusStatus {
    return this.closed ? { state: 'down', reason: 'the bus is closed' } : { state: 'ok', reason: null };
  }

  private assertOpen(): void {
    if (this.closed) throw new BusClosedError();
  }

  private removeConsumer(consumer: LocalConsumer): void {
    this.consumers.delete(consumer);
    if (consumer.name !== undefined) this.sharedConsumers.delete(consumer.name);
  }

  private enqueue(topic: string, data: unknown, checked: boolean): void {
    let handedOut = false;
    for (const consumer of this.consumers) {
      if (!topicMatches(consumer.pattern, topic)) continue;
      if (consumer.queue.length >= this.maxBufferedPerConsumer) {
        consumer.queue.shift();
        this.counters.dropped += 1;
      }
      // A checked payload is already the bus's own copy; further consumers get copies of it.
      const payload = checked && handedOut ? structuredClone(data) : data;
      handedOut = true;
      consumer.queue.push({ topic, data: payload, attempts: 0, checked });
      this.startDispatching(consumer);
    }
  }

  private startDispatching(consumer: LocalConsumer): void {
    if (consumer.dispatching !== null || consumer.members.length === 0 || consumer.queue.length === 0) return;
    consumer.dispatching = this.dispatch(consumer).finally(() => {
      consumer.dispatching = null;
      if (!this.closed) this.startDispatching(consumer);
    });
  }

  private nextMember(consumer: LocalConsumer): Member | undefined {
    if (consumer.members.length === 0) return undefined;
    const index = consumer.nextMemberIndex % consumer.members.length;
    consumer.nextMemberIndex = index + 1;
    return consumer.members[index];
  }

  private async dispatch(consumer: LocalConsumer): Promise<void> {
    // Delivery is asynchronous: publish resolves before any handler runs, as on a broker.
    await Promise.resolve();
    let handledSinceYield = 0;
    for (;;) {
      const pending = consumer.queue.peek();
      if (pending === undefined) return;
      const member = this.nextMember(consumer);
      if (member === undefined) return;
      const check =
        pending.checked && pending.attempts === 0
          ? { ok: true as const, data: pending.data }
          : checkBusMessage(pending.topic, pending.data);
      if (!check.ok) {
        consumer.queue.shift();
        this.counters.invalid += 1;
        this.options.onInvalidMessage?.(check.reason, pending.topic);
        continue;
      }
      pending.attempts += 1;
      this.counters.delivered += 1;
      const message: BusMessage = { topic: pending.topic, data: check.data, deliveryCount: pending.attempts };
      try {
        await member.handler(message as BusMessage<never>);
        consumer.queue.shift();
      } catch (error) {
        this.counters.handlerErrors += 1;
        this.options.onHandlerError?.(error, message);
        if (pending.attempts >= this.maxDeliveries) {
          consumer.queue.shift();
          this.counters.dropped += 1;
        } else {
          // The failed message stays at the head: later messages on this consumer wait, keeping order.
          await delay(this.redeliveryDelayMs);
        }
      }
      handledSinceYield += 1;
      if (handledSinceYield >= YIELD_EVERY_MESSAGES) {
        handledSinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
}

/** Creates the in-process bus (the embedded default). */
export function createInProcessBus(options: InProcessBusOptions = {}): InProcessBus {
  return new InProcessBus(options);
}
