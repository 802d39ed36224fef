/** A message received from the bus; `ack` is implied when the handler resolves. */
export interface BusMessage<T = unknown> {
  topic: string;
  data: T;
  /** Delivery attempt, starting at 1 (redeliveries after a failed handler count up). */
  deliveryCount: number;
}

export interface SubscribeOptions {
  /**
   * Durable consumer name: messages published while the subscriber was away are delivered
   * when it comes back (JetStream). In-process buses keep no history across restarts.
   */
  durableName?: string;
  /** Subscribers sharing a group split the messages between them (each message to one). */
  queueGroup?: string;
}

export interface Subscription {
  unsubscribe(): Promise<void>;
}

/** Counters since the bus was created. */
export interface BusStats {
  /** Messages accepted by `publish`. */
  published: number;
  /** Publishes refused because the topic or payload was invalid (nothing was sent). */
  rejected: number;
  /** Handler calls, redeliveries included. */
  delivered: number;
  /** Received messages that failed validation; dropped, never handed to a handler. */
  invalid: number;
  /** Handler calls that threw or rejected; the message is redelivered. */
  handlerErrors: number;
  /** Messages given up on: delivery attempts exhausted, or a buffer overflowed. */
  dropped: number;
}

/** Connection health, for readiness checks: `degraded` while reconnecting, `down` when closed. */
export interface BusStatus {
  state: 'ok' | 'degraded' | 'down';
  reason: string | null;
}

/**
 * The message bus port. Topics are dot-separated (`data.candles.binance.BTC-USDT.1m`);
 * patterns use NATS wildcards (`*` one segment, `>` the rest). Payloads are validated against
 * the zod schemas in @runecast/contracts on publish and on receipt.
 */
export interface Bus {
  readonly kind: 'in-process' | 'nats';
  publish<T>(topic: string, data: T): Promise<void>;
  subscribe<T>(
    pattern: string,
    handler: (message: BusMessage<T>) => Promise<void> | void,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /** Resolves when everything published so far was handed to subscribers. */
  flush(): Promise<void>;
  close(): Promise<void>;
  stats(): BusStats;
  status(): BusStatus;
}
