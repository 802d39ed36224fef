import { setTimeout as delay } from 'node:timers/promises';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type PubAck,
} from '@nats-io/jetstream';
import { connect, nanos, nuid, type NatsConnection } from '@nats-io/transport-node';
import { ValidationError } from '@runecast/market';
import { BusClosedError, BusUnavailableError } from './bus-errors.ts';
import { requireNonNegativeNumber, requirePositiveInteger } from './bus-options.ts';
import type { Bus, BusMessage, BusStats, BusStatus, SubscribeOptions, Subscription } from './bus.port.ts';
import { checkBusMessage, validateBusMessage } from './message-validation.ts';
import { resolveSubscription } from './subscription-options.ts';
import { topicMatches, topicPatternsOverlap } from './topics.ts';

export interface NatsBusOptions {
  /** `nats://host:port` (user and password may sit in the URL). */
  url: string;
  /** JetStream stream holding every bus message. Default `RUNECAST`. */
  streamName?: string;
  /**
   * Prepended (with a dot) to every subject, so several deployments or test runs can share one
   * server: topic `data.candles…` travels as `<prefix>.data.candles…`. Default none.
   */
  subjectPrefix?: string;
  /** Topic patterns the stream captures (before the prefix). Default `data.>`, `ingest.>`, `source.>`, `jobs.>`, `forecasts.>`. */
  subjects?: string[];
  /** Messages older than this leave the stream. Default 24 h. */
  maxAgeMs?: number;
  /** The stream drops its oldest messages beyond this size. Default 1 GiB. */
  maxBytes?: number;
  /** Handler attempts per message before it is given up on (and counted as dropped). Default 5. */
  maxDeliveries?: number;
  /** Delay before a message whose handler failed is delivered again. Default 100 ms. */
  redeliveryDelayMs?: number;
  /** A delivered message not acknowledged within this time is delivered again. Default 30 s. */
  ackWaitMs?: number;
  /** Non-durable consumers (plain and queue-group subscriptions) unused this long are removed by the server. Default 60 s. */
  inactiveConsumerMs?: number;
  /** Messages each subscription pulls ahead of its handler. Default 32. */
  pullBatchSize?: number;
  /**
   * The server sends an idle heartbeat this often on each pull; two missed ones make the
   * subscription check (and if need be recreate) its consumer. Default 5 s.
   */
  heartbeatMs?: number;
  /** `flush` gives up (and rejects) after this long. Default 30 s. */
  flushTimeoutMs?: number;
  /** Time allowed for the first connection. Default 5 s. */
  connectTimeoutMs?: number;
  /** Client name the server shows in its connection list. Default `runecast`. */
  connectionName?: string;
  onHandlerError?: (error: unknown, message: BusMessage) => void;
  onInvalidMessage?: (reason: string, topic: string) => void;
  /**
   * Told once when the connection to NATS is lost and once when it is back (not for every
   * reconnect attempt in between), so an outage is logged and counted once.
   */
  onConnectionChange?: (change: BusConnectionChange) => void;
}

/** The connection to NATS was lost, or came back after `downForMs`. */
export type BusConnectionChange =
  { state: 'disconnected'; server: string } | { state: 'reconnected'; server: string; downForMs: number };

export const DEFAULT_STREAM_NAME = 'RUNECAST';
export const DEFAULT_STREAM_SUBJECTS = [
  'data.>',
  'ingest.>',
  'source.>',
  'jobs.>',
  'forecasts.>',
  'alerts.>',
  'health.>',
];

const STREAM_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const SUBJECT_PREFIX_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const CONSUMER_INFO_POLL_MS = 20;
const CONSUMER_RECOVERY_RETRY_MS = 1000;
const PULL_EXPIRES_MS = 30_000;

interface ActiveSubscription {
  pattern: string;
  consumerName: string;
  consumerConfig: Partial<ConsumerConfig> & { name: string };
  /** Consumers of plain subscriptions are the subscription's alone and are deleted on unsubscribe. */
  ownsConsumer: boolean;
  handler: (message: BusMessage<never>) => Promise<void> | void;
  /** The current pull; replaced when the consumer has to be recreated. */
  messages: ConsumerMessages | null;
  active: boolean;
  inFlight: number;
  loop: Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

/**
 * Bus over NATS JetStream. Every message is stored in one stream; each subscription reads it
 * through a pull consumer: a private one that the server drops after inactivity, a durable one
 * that remembers its position across restarts, or one shared by a queue group's members so each
 * message goes to one of them. A message is acknowledged after its handler resolves and
 * negatively acknowledged (redelivered after a short delay) when the handler throws.
 */
export class NatsBus implements Bus {
  readonly kind = 'nats' as const;
  private readonly subscriptions = new Set<ActiveSubscription>();
  private readonly pendingPublishes = new Set<Promise<PubAck>>();
  private readonly counters: BusStats = {
    published: 0,
    rejected: 0,
    delivered: 0,
    invalid: 0,
    handlerErrors: 0,
    dropped: 0,
  };
  private connectionStatus: BusStatus = { state: 'ok', reason: null };
  private closed = false;

  private constructor(
    private readonly connection: NatsConnection,
    private readonly client: JetStreamClient,
    private readonly manager: JetStreamManager,
    private readonly settings: ResolvedSettings,
  ) {
    void this.watchConnection();
  }

  /** Connects, creates or updates the stream, and returns a ready bus. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const settings = resolveSettings(options);
    let connection: NatsConnection;
    try {
      connection = await connect({
        servers: settings.url,
        name: settings.connectionName,
        timeout: settings.connectTimeoutMs,
        // Keep trying for as long as the process runs; status() reports the outage meanwhile.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1000,
      });
    } catch (error) {
      throw new BusUnavailableError(
        `cannot connect to NATS at ${redactUrl(settings.url)}: ${(error as Error).message}`,
        { url: redactUrl(settings.url) },
      );
    }
    try {
      const manager = await jetstreamManager(connection);
      await ensureStream(manager, settings);
      return new NatsBus(connection, jetstream(connection), manager, settings);
    } catch (error) {
      await connection.close().catch(() => undefined);
      if (error instanceof ValidationError || error instanceof BusUnavailableError) throw error;
      throw new BusUnavailableError(
        `NATS at ${redactUrl(settings.url)}: cannot set up JetStream stream "${settings.streamName}": ${(error as Error).message}`,
      );
    }
  }

  async publish<T>(topic: string, data: T): Promise<void> {
    this.assertOpen();
    let bytes: Uint8Array;
    try {
      const payload = validateBusMessage(topic, data);
      if (!this.settings.subjects.some((subject) => topicMatches(subject, topic))) {
        throw new ValidationError(
          `topic "${topic}" is outside the stream's subjects (${this.settings.subjects.join(', ')})`,
        );
      }
      bytes = encoder.encode(JSON.stringify(payload));
      const maxPayload = this.connection.info?.max_payload;
      if (maxPayload !== undefined && bytes.length > maxPayload) {
        throw new ValidationError(
          `message on "${topic}" is ${bytes.length} bytes, over the server's limit of ${maxPayload}; send smaller batches`,
        );
      }
    } catch (error) {
      this.counters.rejected += 1;
      throw error;
    }
    const acknowledged = this.client.publish(this.subjectOf(topic), bytes);
    this.pendingPublishes.add(acknowledged);
    try {
      await acknowledged;
    } catch (error) {
      throw new BusUnavailableError(`publishing to "${topic}" failed: ${(error as Error).message}`, {
        topic,
      });
    } finally {
      this.pendingPublishes.delete(acknowledged);
    }
    this.counters.published += 1;
  }

  /**
   * Publishes raw bytes with no check at all, as a foreign or older publisher could; receivers
   * still check each message and drop what is invalid.
   */
  async publishUnchecked(topic: string, payload: Uint8Array | string): Promise<void> {
    this.assertOpen();
    await this.client.publish(
      this.subjectOf(topic),
      typeof payload === 'string' ? encoder.encode(payload) : payload,
    );
  }

  async subscribe<T>(
    pattern: string,
    handler: (message: BusMessage<T>) => Promise<void> | void,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.assertOpen();
    const sharedName = resolveSubscription(pattern, options);
    if (!this.settings.subjects.some((subject) => topicPatternsOverlap(subject, pattern))) {
      throw new ValidationError(
        `topic pattern "${pattern}" matches nothing the stream captures (${this.settings.subjects.join(', ')})`,
      );
    }
    const consumerConfig = await this.ensureConsumer(pattern, sharedName, options.durableName !== undefined);
    const subscription: ActiveSubscription = {
      pattern,
      consumerName: consumerConfig.name,
      consumerConfig,
      ownsConsumer: sharedName === undefined,
      handler: handler as ActiveSubscription['handler'],
      messages: null,
      active: true,
      inFlight: 0,
      loop: Promise.resolve(),
    };
    await this.startConsuming(subscription);
    this.subscriptions.add(subscription);
    return { unsubscribe: () => this.stopSubscription(subscription) };
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.pendingPublishes]);
    if (this.closed) return;
    await this.connection.flush();
    const deadline = Date.now() + this.settings.flushTimeoutMs;
    for (const subscription of this.subscriptions) {
      for (;;) {
        if (!subscription.active) break;
        const info = await this.manager.consumers.info(this.settings.streamName, subscription.consumerName);
        if (info.num_pending === 0 && info.num_ack_pending === 0 && subscription.inFlight === 0) break;
        if (Date.now() > deadline) {
          throw new BusUnavailableError(
            `flush gave up after ${this.settings.flushTimeoutMs} ms: consumer "${subscription.consumerName}" still has ${info.num_pending} waiting and ${info.num_ack_pending} unacknowledged messages`,
          );
        }
        await delay(CONSUMER_INFO_POLL_MS);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(
      [...this.subscriptions].map((subscription) => this.stopSubscription(subscription)),
    );
    await Promise.allSettled([...this.pendingPublishes]);
    try {
      await this.connection.drain();
    } catch {
      await this.connection.close().catch(() => undefined);
    }
    this.connectionStatus = { state: 'down', reason: 'the bus is closed' };
  }

  stats(): BusStats {
    return { ...this.counters };
  }

  status(): BusStatus {
    return { ...this.connectionStatus };
  }

  private assertOpen(): void {
    if (this.closed) throw new BusClosedError();
  }

  private subjectOf(topic: string): string {
    return this.settings.subjectPrefix === '' ? topic : `${this.settings.subjectPrefix}.${topic}`;
  }

  private topicOf(subject: string): string {
    const prefix = this.settings.subjectPrefix;
    return prefix === '' ? subject : subject.slice(prefix.length + 1);
  }

  /** Creates (or finds) the consumer a subscription reads through; returns the config to recreate it with. */
  private async ensureConsumer(
    pattern: string,
    sharedName: string | undefined,
    durable: boolean,
  ): Promise<Partial<ConsumerConfig> & { name: string }> {
    const { streamName } = this.settings;
    const filterSubject = this.subjectOf(pattern);
    const base = {
      ack_policy: AckPolicy.Explicit,
      // A new consumer starts at the next message; a durable one then keeps its place.
      deliver_policy: DeliverPolicy.New,
      filter_subject: filterSubject,
      ack_wait: nanos(this.settings.ackWaitMs),
      max_deliver: this.settings.maxDeliveries,
    };
    const name = sharedName ?? `sub_${nuid.next()}`;
    const config: Partial<ConsumerConfig> & { name: string } = durable
      ? { ...base, name, durable_name: name }
      : { ...base, name, inactive_threshold: nanos(this.settings.inactiveConsumerMs) };
    if (sharedName !== undefined) {
      try {
        const existing = await this.manager.consumers.info(streamName, sharedName);
        if (existing.config.filter_subject !== filterSubject) {
          await this.manager.consumers.update(streamName, sharedName, { filter_subject: filterSubject });
        }
        return config;
      } catch (error) {
        if (!isApiError(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
      }
    }
    // Several members may race to create the same consumer; identical configs make that harmless.
    await this.manager.consumers.add(streamName, config);
    return config;
  }

  private async startConsuming(subscription: ActiveSubscription): Promise<void> {
    const consumer = await this.client.consumers.get(this.settings.streamName, subscription.consumerName);
    const messages = await consumer.consume({
      max_messages: this.settings.pullBatchSize,
      idle_heartbeat: this.settings.heartbeatMs,
      expires: Math.max(PULL_EXPIRES_MS, this.settings.heartbeatMs * 3),
    });
    if (!subscription.active) {
      // Unsubscribed while a lost consumer was being recreated.
      await messages.close().catch(() => undefined);
      return;
    }
    subscription.messages = messages;
    subscription.loop = this.consumeLoop(subscription, messages);
    void this.watchConsumer(subscription, messages);
  }

  /**
   * The client alone would resume a lost consumer only after missing heartbeats for a long
   * while, so a consumer the server deleted (or expired during an outage) is recreated here and
   * pulled afresh at once.
   */
  private async watchConsumer(subscription: ActiveSubscription, messages: ConsumerMessages): Promise<void> {
    try {
      for await (const notification of messages.status()) {
        if (notification.type === 'consumer_deleted' || notification.type === 'consumer_not_found') {
          await this.recoverConsumer(subscription, messages);
          return;
        }
      }
    } catch {
      // The status feed ends with the pull it belongs to; nothing to recover then.
    }
  }

  private async recoverConsumer(subscription: ActiveSubscription, lost: ConsumerMessages): Promise<void> {
    await lost.close().catch(() => undefined);
    // The old pull's in-flight handler finishes first, so messages stay in order.
    await subscription.loop.catch(() => undefined);
    while (subscription.active && !this.closed && subscription.messages === lost) {
      try {
        await this.manager.consumers.add(this.settings.streamName, subscription.consumerConfig);
        await this.startConsuming(subscription);
        return;
      } catch {
        await delay(CONSUMER_RECOVERY_RETRY_MS);
      }
    }
  }

  private async consumeLoop(subscription: ActiveSubscription, messages: ConsumerMessages): Promise<void> {
    for await (const message of messages) {
      if (!subscription.active) {
        // Pulled ahead but not handled: hand it back so another member (or a later one) gets it.
        message.nak();
        continue;
      }
      subscription.inFlight += 1;
      try {
        await this.handle(subscription, message);
      } finally {
        subscription.inFlight -= 1;
      }
    }
  }

  private async handle(subscription: ActiveSubscription, message: JsMsg): Promise<void> {
    const topic = this.topicOf(message.subject);
    let data: unknown;
    try {
      data = JSON.parse(decoder.decode(message.data));
    } catch {
      this.rejectReceived(message, topic, `message on "${topic}" is not JSON`);
      return;
    }
    const check = checkBusMessage(topic, data);
    if (!check.ok) {
      this.rejectReceived(message, topic, check.reason);
      return;
    }
    const deliveryCount = message.info.deliveryCount;
    const busMessage: BusMessage = { topic, data: check.data, deliveryCount };
    this.counters.delivered += 1;
    // Tell the server a slow handler is still working, so the message is not redelivered meanwhile.
    const keepAlive = setInterval(() => message.working(), Math.max(1000, this.settings.ackWaitMs / 2));
    try {
      await subscription.handler(busMessage as BusMessage<never>);
    } catch (error) {
      this.counters.handlerErrors += 1;
      this.settings.onHandlerError?.(error, busMessage);
      if (deliveryCount >= this.settings.maxDeliveries) {
        this.counters.dropped += 1;
        message.term();
      } else {
        message.nak(this.settings.redeliveryDelayMs);
      }
      return;
    } finally {
      clearInterval(keepAlive);
    }
    message.ack();
  }

  private rejectReceived(message: JsMsg, topic: string, reason: string): void {
    this.counters.invalid += 1;
    this.settings.onInvalidMessage?.(reason, topic);
    // Terminated, not nak'ed: an invalid message stays invalid however often it is delivered.
    message.term();
  }

  private async stopSubscription(subscription: ActiveSubscription): Promise<void> {
    if (!subscription.active) return;
    subscription.active = false;
    this.subscriptions.delete(subscription);
    await subscription.messages?.close().catch(() => undefined);
    await subscription.loop.catch(() => undefined);
    if (subscription.ownsConsumer && !this.connection.isClosed()) {
      await this.manager.consumers
        .delete(this.settings.streamName, subscription.consumerName)
        .catch(() => undefined);
    }
  }

  private async watchConnection(): Promise<void> {
    void this.connection.closed().then((error) => {
      this.connectionStatus = {
        state: 'down',
        reason: error ? `connection closed: ${error.message}` : 'the bus is closed',
      };
    });
    let disconnectedAtMs: number | null = null;
    const tell = (change: BusConnectionChange) => {
      try {
        this.settings.onConnectionChange?.(change);
      } catch {
        // A listener's bug must not stop the bus from tracking its connection.
      }
    };
    for await (const event of this.connection.status()) {
      if (this.closed) continue;
      switch (event.type) {
        case 'disconnect':
          this.connectionStatus = { state: 'degraded', reason: `disconnected from ${event.server}` };
          if (disconnectedAtMs === null) {
            disconnectedAtMs = Date.now();
            tell({ state: 'disconnected', server: String(event.server) });
          }
          break;
        case 'reconnecting':
          this.connectionStatus = { state: 'degraded', reason: 'reconnecting to NATS' };
          break;
        case 'staleConnection':
          this.connectionStatus = { state: 'degraded', reason: 'connection to NATS went stale' };
          break;
        case 'reconnect':
          this.connectionStatus = { state: 'ok', reason: null };
          if (disconnectedAtMs !== null) {
            tell({
              state: 'reconnected',
              server: String(event.server),
              downForMs: Date.now() - disconnectedAtMs,
            });
            disconnectedAtMs = null;
          }
          break;
        default:
          break;
      }
    }
  }
}

interface ResolvedSettings {
  url: string;
  streamName: string;
  subjectPrefix: string;
  subjects: string[];
  maxAgeMs: number;
  maxBytes: number;
  maxDeliveries: number;
  redeliveryDelayMs: number;
  ackWaitMs: number;
  inactiveConsumerMs: number;
  pullBatchSize: number;
  heartbeatMs: number;
  flushTimeoutMs: number;
  connectTimeoutMs: number;
  connectionName: string;
  onHandlerError: NatsBusOptions['onHandlerError'];
  onInvalidMessage: NatsBusOptions['onInvalidMessage'];
  onConnectionChange: NatsBusOptions['onConnectionChange'];
}

function resolveSettings(options: NatsBusOptions): ResolvedSettings {
  const streamName = options.streamName ?? DEFAULT_STREAM_NAME;
  if (!STREAM_NAME_PATTERN.test(streamName)) {
    throw new ValidationError(`NATS stream name "${streamName}" must be 1-64 letters, digits, "-" or "_"`);
  }
  const subjectPrefix = options.subjectPrefix ?? '';
  if (subjectPrefix !== '' && !SUBJECT_PREFIX_PATTERN.test(subjectPrefix)) {
    throw new ValidationError(
      `NATS subject prefix "${subjectPrefix}" must be dot-separated letters, digits, "-" or "_" (no wildcards, no trailing dot)`,
    );
  }
  const subjects = options.subjects ?? DEFAULT_STREAM_SUBJECTS;
  if (subjects.length === 0) throw new ValidationError('the NATS stream needs at least one subject');
  return {
    url: options.url,
    streamName,
    subjectPrefix,
    subjects,
    maxAgeMs: requirePositiveInteger('maxAgeMs', options.maxAgeMs ?? 24 * 60 * 60 * 1000),
    maxBytes: requirePositiveInteger('maxBytes', options.maxBytes ?? 1024 ** 3),
    maxDeliveries: requirePositiveInteger('maxDeliveries', options.maxDeliveries ?? 5),
    redeliveryDelayMs: requireNonNegativeNumber('redeliveryDelayMs', options.redeliveryDelayMs ?? 100),
    ackWaitMs: requirePositiveInteger('ackWaitMs', options.ackWaitMs ?? 30_000),
    inactiveConsumerMs: requirePositiveInteger('inactiveConsumerMs', options.inactiveConsumerMs ?? 60_000),
    pullBatchSize: requirePositiveInteger('pullBatchSize', options.pullBatchSize ?? 32),
    heartbeatMs: requirePositiveInteger('heartbeatMs', options.heartbeatMs ?? 5000),
    flushTimeoutMs: requirePositiveInteger('flushTimeoutMs', options.flushTimeoutMs ?? 30_000),
    connectTimeoutMs: requirePositiveInteger('connectTimeoutMs', options.connectTimeoutMs ?? 5000),
    connectionName: options.connectionName ?? 'runecast',
    onHandlerError: options.onHandlerError,
    onInvalidMessage: options.onInvalidMessage,
    onConnectionChange: options.onConnectionChange,
  };
}

async function ensureStream(manager: JetStreamManager, settings: ResolvedSettings): Promise<void> {
  const subjects = settings.subjects.map((subject) =>
    settings.subjectPrefix === '' ? subject : `${settings.subjectPrefix}.${subject}`,
  );
  const limits = {
    subjects,
    max_age: nanos(settings.maxAgeMs),
    max_bytes: settings.maxBytes,
    discard: DiscardPolicy.Old,
  };
  try {
    const existing = await manager.streams.info(settings.streamName);
    if (existing.config.storage !== StorageType.File) {
      throw new ValidationError(
        `NATS stream "${settings.streamName}" exists with ${existing.config.storage} storage; the bus needs file storage`,
      );
    }
    await manager.streams.update(settings.streamName, limits);
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.StreamNotFound)) throw error;
    await manager.streams.add({
      name: settings.streamName,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      num_replicas: 1,
      ...limits,
    });
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** Connects to NATS JetStream and returns a ready bus (stream created or updated). */
export function createNatsBus(options: NatsBusOptions): Promise<NatsBus> {
  return NatsBus.connect(options);
}
