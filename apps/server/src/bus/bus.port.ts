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
}
