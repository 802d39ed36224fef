import { randomBytes, randomUUID } from 'node:crypto';
import {
  alertPreviewListedFirings,
  type AlertChannel,
  type AlertChannelDigest,
  type AlertChannelEventModes,
  type AlertDigest,
  type AlertDelivery,
  type AlertEvent,
  type AlertRule,
  type AlertRulePreview,
  type AlertRuleBody,
  type CreateAlertChannelBody,
  type SecurityEventKind,
  timeZoneSchema,
} from '@runecast/contracts';
import {
  type Candle,
  NotFoundError,
  parseSeriesKey,
  type SeriesKey,
  type TimeRange,
  ValidationError,
} from '@runecast/market';
import type { Principal } from '../auth/principal.ts';
import type { Bus } from '../bus/bus.port.ts';
import { alertsFiredTopic } from '../bus/topics.ts';
import type { SecretService } from '../auth/secret.service.ts';
import type {
  AlertRepository,
  DueDelivery,
  DueDigest,
  NewAlertEvent,
  OwnerScope,
} from '../store/alert.repository.ts';
import { composeDigest, dueDigestDay } from './alert-digest.ts';
import { AlertEvaluator } from './alert-evaluator.ts';
import { isInQuietHours, renderAlertMessage } from './alert-message.ts';
import { AlertSender, type ChannelAddress, maskAddress, type SendResult } from './alert-sender.ts';

/** The same security event about the same subject is told at most once in this span. */
const SECURITY_REPEAT_MS = 10 * 60_000;

/** A preview replays this much of the stored past. */
export const PREVIEW_SPAN_MS = 7 * 24 * 3_600_000;
/** Kinds a preview can replay from stored candles alone. */
const PREVIEWABLE_KINDS = new Set<AlertRule['condition']['kind']>(['price-cross', 'move', 'volume-spike']);

/** Reads stored candles, for previews. */
export interface CandleReader {
  listCandles(series: SeriesKey, range: TimeRange): Promise<Candle[]>;
}

/** The secret-store name of a channel's sealed address. */
export function channelSecretName(channelId: string): string {
  return `alert-channel:${channelId}`;
}

/** Retries stop this long after a delivery was queued; it is dead-lettered then. */
export const DELIVERY_RETRY_WINDOW_MS = 24 * 3_600_000;
const FIRST_RETRY_MS = 30_000;
const LONGEST_RETRY_MS = 3_600_000;

/** The wait before try `attempt + 1`: 30 s doubling to at most an hour, or the receiver's own ask. */
export function retryDelayMs(attempt: number, retryAfterMs: number | null): number {
  const backoff = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1));
  return retryAfterMs === null ? backoff : Math.min(LONGEST_RETRY_MS, Math.max(backoff, retryAfterMs));
}

function scopeOf(principal: Principal): OwnerScope {
  return principal.role === 'admin' ? 'all' : { ownerUserId: principal.userId };
}

function addressOf(body: CreateAlertChannelBody): ChannelAddress {
  switch (body.kind) {
    case 'webhook':
      return { kind: 'webhook', url: body.url, secret: randomBytes(32).toString('base64url') };
    case 'discord':
      return { kind: 'discord', url: body.url };
    case 'slack':
      return { kind: 'slack', url: body.url };
    case 'telegram':
      return { kind: 'telegram', botToken: body.botToken, chatId: body.chatId };
    case 'email':
      return { kind: 'email', to: body.to };
  }
}

export interface AlertServiceOptions {
  repository: AlertRepository;
  secrets: SecretService;
  sender?: AlertSender;
  now?: () => number;
  /** Stored candles, for rule previews. */
  candles?: CandleReader;
  /** Where stored firings are announced (`alerts.fired.<owner>`), for the owner's live streams. */
  bus?: Bus;
  /** A firing stored but not announced: its owner sees it at the next poll instead. */
  onPublishError?: (error: unknown) => void;
  /** Saved preferences, for the owner's time zone (a digest's default). */
  preferences?: { get(userId: string): Promise<{ preferences: Record<string, unknown> } | null> };
}

/** The body of a digest setting, before its time zone is resolved. */
type DigestSetting = { at: string; timeZone?: string | undefined } | null;

/**
 * Alert channels, rules and history for their owners (admins see all), and the delivery of
 * queued notifications. A user never reaches another user's objects: a foreign id is not found.
 */
export class AlertService {
  private readonly repository: AlertRepository;
  private readonly secrets: SecretService;
  readonly sender: AlertSender;
  private readonly now: () => number;
  private readonly bus: Bus | null;
  private readonly candles: CandleReader | null;
  private readonly onPublishError: (error: unknown) => void;
  private readonly preferences: AlertServiceOptions['preferences'] | null;
  /** Security subjects told of lately, so a flood of one event is one alert. */
  private readonly securitySeen = new Map<string, number>();

  constructor(options: AlertServiceOptions) {
    this.repository = options.repository;
    this.secrets = options.secrets;
    this.sender = options.sender ?? new AlertSender();
    this.now = options.now ?? Date.now;
    this.bus = options.bus ?? null;
    this.candles = options.candles ?? null;
    this.preferences = options.preferences ?? null;
    this.onPublishError =
      options.onPublishError ??
      ((error) => {
        throw error;
      });
  }

  /**
   * Stores a firing and queues its deliveries once per idempotency key (null when the key fired
   * before), then announces it on the bus so API processes push it to its owner's streams.
   */
  async recordFiring(event: NewAlertEvent, nowMs: number): Promise<AlertEvent | null> {
    const stored = await this.repository.recordEvent(event, nowMs);
    if (stored !== null && this.bus !== null) {
      try {
        await this.bus.publish(alertsFiredTopic(stored.ownerUserId), stored);
      } catch (error) {
        // Stored already: a redelivery would find the key taken, so retrying the whole message
        // would not announce it either. Reported; the bell's poll shows it.
        this.onPublishError(error);
      }
    }
    return stored;
  }

  /** Creates a channel; a webhook's signing secret is in this answer only. */
  async createChannel(
    principal: Principal,
    body: CreateAlertChannelBody,
  ): Promise<AlertChannel & { secret: string | null }> {
    if (body.kind === 'email' && !this.sender.sendsEmail) {
      throw new ValidationError(
        'body.kind: email channels need an SMTP server; the admin sets RUNECAST_SMTP_URL',
      );
    }
    const address = addressOf(body);
    const channel = await this.repository.createChannel({
      ownerUserId: principal.userId,
      kind: body.kind,
      name: body.name,
      target: maskAddress(address),
      eventModes: body.eventModes ?? {},
      digest: await this.resolveDigest(principal.userId, body.digest ?? null),
      createdAtMs: this.now(),
    });
    try {
      await this.secrets.put(channelSecretName(channel.id), JSON.stringify(address));
    } catch (error) {
      await this.repository.deleteChannel('all', channel.id);
      throw error;
    }
    return { ...channel, secret: address.kind === 'webhook' ? address.secret : null };
  }

  listChannels(principal: Principal): Promise<AlertChannel[]> {
    return this.repository.listChannels(scopeOf(principal));
  }

  async getChannel(principal: Principal, id: string): Promise<AlertChannel> {
    const channel = await this.repository.getChannel(scopeOf(principal), id);
    if (channel === null) throw new NotFoundError(`no alert channel ${id}`);
    return channel;
  }

  /** Replaces the channel's on / silent / off setting per rule kind (kinds left out are on). */
  async setChannelModes(
    principal: Principal,
    id: string,
    eventModes: AlertChannelEventModes,
  ): Promise<AlertChannel> {
    const channel = await this.repository.setChannelModes(scopeOf(principal), id, eventModes);
    if (channel === null) throw new NotFoundError(`no alert channel ${id}`);
    return channel;
  }

  /**
   * Sets a channel's daily digest (firings it would send one by one are kept for it instead) or,
   * with null, goes back to one message per firing (firings waiting for a digest are then not sent).
   */
  async setChannelDigest(principal: Principal, id: string, digest: DigestSetting): Promise<AlertChannel> {
    const existing = await this.getChannel(principal, id);
    const resolved = await this.resolveDigest(existing.ownerUserId, digest);
    const channel = await this.repository.setChannelDigest(scopeOf(principal), id, resolved);
    if (channel === null) throw new NotFoundError(`no alert channel ${id}`);
    return channel;
  }

  /** A digest's time zone: as given, else the owner's saved one, else UTC. */
  private async resolveDigest(
    ownerUserId: string,
    digest: DigestSetting,
  ): Promise<AlertChannelDigest | null> {
    if (digest === null) return null;
    if (digest.timeZone !== undefined) return { at: digest.at, timeZone: digest.timeZone };
    const saved = await this.preferences?.get(ownerUserId);
    const zone = timeZoneSchema.safeParse(saved?.preferences.timeZone);
    return { at: digest.at, timeZone: zone.success ? zone.data : 'UTC' };
  }

  listDigests(
    principal: Principal,
    filter: { channelId?: string | undefined; limit: number },
  ): Promise<AlertDigest[]> {
    return this.repository.listDigests(scopeOf(principal), filter);
  }

  /**
   * Composes every digest that is due (each channel's previous local day, once its time of day has
   * passed) and not composed yet. The channel and day are the digest's key, so a second run, a
   * restart or a second process composes nothing twice. Returns the digests composed.
   */
  async composeDueDigests(): Promise<AlertDigest[]> {
    const nowMs = this.now();
    const composed: AlertDigest[] = [];
    for (const channel of await this.repository.digestChannels()) {
      if (channel.digest === null) continue;
      const due = dueDigestDay(channel.digest, nowMs);
      if (await this.repository.hasDigest(channel.id, due.day)) continue;
      const { timeZone } = channel.digest;
      const digest = await this.repository.composeDigest(
        {
          channelId: channel.id,
          ownerUserId: channel.ownerUserId,
          day: due.day,
          timeZone,
          fromMs: due.fromMs,
          toMs: due.toMs,
        },
        nowMs,
        (firingCount, events) => composeDigest(channel.name, due.day, timeZone, firingCount, events),
      );
      if (digest !== null) composed.push(digest);
    }
    return composed;
  }

  async deleteChannel(principal: Principal, id: string): Promise<void> {
    if (!(await this.repository.deleteChannel(scopeOf(principal), id))) {
      throw new NotFoundError(`no alert channel ${id}`);
    }
    await this.secrets.delete(channelSecretName(id)).catch(() => undefined);
  }

  /** Sends a test notification through the channel now, outside the queue. */
  async testChannel(principal: Principal, id: string): Promise<SendResult> {
    const channel = await this.getChannel(principal, id);
    const address = await this.addressOf(channel.id);
    return this.sender.send(address, {
      id: randomUUID(),
      type: 'test',
      event: null,
      message: `Runecast test notification for channel "${channel.name}"`,
    });
  }

  private async addressOf(channelId: string): Promise<ChannelAddress> {
    const sealed = await this.secrets.reveal(channelSecretName(channelId));
    if (sealed === null) throw new NotFoundError(`alert channel ${channelId} has no stored address`);
    return JSON.parse(sealed) as ChannelAddress;
  }

  private async checkChannels(principal: Principal, channelIds: readonly string[]): Promise<void> {
    const own = new Set(
      (await this.repository.listChannels({ ownerUserId: principal.userId })).map((c) => c.id),
    );
    const missing = channelIds.filter((id) => !own.has(id));
    if (missing.length > 0) {
      throw new ValidationError(
        `body.channelIds: no alert channel of yours has the id ${missing.join(', ')}`,
      );
    }
  }

  private checkKind(principal: Principal, body: AlertRuleBody): void {
    if (body.condition.kind === 'security' && principal.role !== 'admin') {
      throw new ValidationError('body.condition.kind: security rules are for admins');
    }
    if (body.condition.kind === 'component-unhealthy' && principal.role !== 'admin') {
      throw new ValidationError('body.condition.kind: component-unhealthy rules are for admins');
    }
  }

  async createRule(principal: Principal, body: AlertRuleBody): Promise<AlertRule> {
    this.checkKind(principal, body);
    await this.checkChannels(principal, body.channelIds);
    return this.repository.createRule({ ownerUserId: principal.userId, ...ruleFields(body) }, this.now());
  }

  async updateRule(principal: Principal, id: string, body: AlertRuleBody): Promise<AlertRule> {
    const existing = await this.getRule(principal, id);
    this.checkKind(principal, body);
    await this.checkChannels({ ...principal, userId: existing.ownerUserId }, body.channelIds);
    const updated = await this.repository.updateRule(scopeOf(principal), id, ruleFields(body), this.now());
    if (updated === null) throw new NotFoundError(`no alert rule ${id}`);
    return updated;
  }

  /**
   * What a rule would have fired over the last 7 days of its series' stored candles, evaluated in
   * memory as the alerts role would have (cooldown and re-arming included); nothing is stored.
   */
  async previewRule(
    principal: Principal,
    body: AlertRuleBody,
    /** The end of the 7 days replayed (default now). */
    untilMs?: number,
  ): Promise<AlertRulePreview> {
    this.checkKind(principal, body);
    if (!PREVIEWABLE_KINDS.has(body.condition.kind)) {
      return {
        available: false,
        reason: `preview not available for ${body.condition.kind} rules: they fire on forecasts, jobs, events or rune stats that are not replayed; only price-cross, move and volume-spike rules can be previewed`,
      };
    }
    if (body.series === undefined) {
      throw new ValidationError('body.series: a preview needs one series to replay');
    }
    if (this.candles === null) throw new Error('rule previews need the candle store');
    const toMs = untilMs ?? this.now();
    const fromMs = toMs - PREVIEW_SPAN_MS;
    const key = parseSeriesKey(body.series);
    const stored = await this.candles.listCandles(key, { startMs: fromMs, endMs: toMs });
    const rule: AlertRule = {
      id: randomUUID(),
      ownerUserId: principal.userId,
      ...ruleFields(body),
      enabled: true,
      createdAtMs: toMs,
      updatedAtMs: toMs,
    };
    const evaluator = new AlertEvaluator([rule], [], fromMs);
    const firings = evaluator.onCandles(
      body.series,
      key.timeframe,
      stored.map((candle) => ({
        openTimeMs: candle.openTimeMs,
        close: candle.close,
        volume: candle.volume,
        closed: candle.closed,
      })),
    );
    return {
      available: true,
      series: body.series,
      fromMs,
      toMs,
      candles: stored.length,
      firingCount: firings.length,
      firings: firings
        .slice(0, alertPreviewListedFirings)
        .map((firing) => ({ firedAtMs: firing.firedAtMs, values: firing.values })),
      latestMessage: firings.at(-1)?.message ?? null,
    };
  }

  listRules(principal: Principal): Promise<AlertRule[]> {
    return this.repository.listRules(scopeOf(principal));
  }

  async getRule(principal: Principal, id: string): Promise<AlertRule> {
    const rule = await this.repository.getRule(scopeOf(principal), id);
    if (rule === null) throw new NotFoundError(`no alert rule ${id}`);
    return rule;
  }

  async deleteRule(principal: Principal, id: string): Promise<void> {
    if (!(await this.repository.deleteRule(scopeOf(principal), id)))
      throw new NotFoundError(`no alert rule ${id}`);
  }

  async history(
    principal: Principal,
    filter: { status?: AlertEvent['status']; ruleId?: string; limit: number },
  ): Promise<{ events: AlertEvent[]; openCount: number }> {
    await this.repository.reopenSnoozed(this.now());
    return this.repository.listEvents(scopeOf(principal), filter);
  }

  async actOnEvent(
    principal: Principal,
    id: string,
    action: { action: 'acknowledge' } | { action: 'resolve' } | { action: 'snooze'; minutes: number },
  ): Promise<AlertEvent> {
    const status =
      action.action === 'acknowledge' ? 'acknowledged' : action.action === 'resolve' ? 'resolved' : 'snoozed';
    const until = action.action === 'snooze' ? this.now() + action.minutes * 60_000 : null;
    const event = await this.repository.setEventStatus(scopeOf(principal), id, status, until);
    if (event === null) throw new NotFoundError(`no alert event ${id}`);
    return event;
  }

  listDeliveries(
    principal: Principal,
    filter: { state?: AlertDelivery['state']; limit: number },
  ): Promise<AlertDelivery[]> {
    return this.repository.listDeliveries(scopeOf(principal), filter);
  }

  /** Queues a dead-lettered delivery again. */
  async replayDelivery(principal: Principal, id: string): Promise<AlertDelivery> {
    const delivery = await this.repository.replayDelivery(scopeOf(principal), id, this.now());
    if (delivery === null) throw new NotFoundError(`no dead-lettered alert delivery ${id}`);
    return delivery;
  }

  /**
   * Records a security event for every admin's security rule that asks for its kind (each
   * subject at most once per 10 minutes); the alerts role sends the notifications.
   */
  async recordSecurityEvent(event: {
    kind: SecurityEventKind;
    subject: string;
    detail: string;
    atMs: number;
  }): Promise<number> {
    const last = this.securitySeen.get(`${event.kind}|${event.subject}`);
    if (last !== undefined && event.atMs - last < SECURITY_REPEAT_MS) return 0;
    if (this.securitySeen.size > 10_000) this.securitySeen.clear();
    this.securitySeen.set(`${event.kind}|${event.subject}`, event.atMs);
    const rules = (await this.repository.enabledRules()).filter(
      (rule) =>
        rule.condition.kind === 'security' &&
        (rule.condition.events === undefined || rule.condition.events.includes(event.kind)),
    );
    let recorded = 0;
    for (const rule of rules) {
      const values: Record<string, number> = {};
      const message = renderAlertMessage(rule, 'security', values, event.atMs, {
        event: event.kind,
        error: event.detail,
      });
      const stored = await this.recordFiring(
        {
          ruleId: rule.id,
          kind: 'security',
          ownerUserId: rule.ownerUserId,
          idempotencyKey: `${rule.id}|security:${event.kind}:${event.subject}:${Math.floor(event.atMs / SECURITY_REPEAT_MS)}`,
          ruleName: rule.name,
          series: 'security',
          severity: rule.severity,
          firedAtMs: event.atMs,
          message,
          values,
          silent: rule.quietHours !== null && isInQuietHours(rule.quietHours, event.atMs),
          channelIds: rule.channelIds,
        },
        this.now(),
      );
      if (stored !== null) recorded += 1;
    }
    return recorded;
  }

  /**
   * Sends the deliveries that are due, each held by this process while it sends; failed ones are
   * retried with backoff for a day, then dead-lettered. Returns how many were tried.
   */
  async deliverDue(
    options: { limit?: number; holdMs?: number } = {},
  ): Promise<{ tried: number; sent: number }> {
    const due = await this.repository.claimDueDeliveries(
      this.now(),
      options.holdMs ?? 60_000,
      options.limit ?? 50,
    );
    const digests = await this.repository.claimDueDigests(
      this.now(),
      options.holdMs ?? 60_000,
      options.limit ?? 50,
    );
    let sent = 0;
    await Promise.all([
      ...due.map(async (delivery) => {
        if (await this.deliverOne(delivery)) sent += 1;
      }),
      ...digests.map(async (digest) => {
        if (await this.deliverDigest(digest)) sent += 1;
      }),
    ]);
    return { tried: due.length + digests.length, sent };
  }

  private async deliverDigest(digest: DueDigest): Promise<boolean> {
    let result: SendResult;
    try {
      const address = await this.addressOf(digest.channelId);
      result = await this.sender.send(address, {
        // The same id on every try: receivers de-duplicate on it.
        id: digest.id,
        type: 'digest',
        event: null,
        message: digest.message,
        digest: {
          channelId: digest.channelId,
          day: digest.day,
          timeZone: digest.timeZone,
          fromMs: digest.fromMs,
          toMs: digest.toMs,
          firingCount: digest.firingCount,
          events: digest.events,
        },
      });
    } catch (error) {
      result = { delivered: false, status: null, error: (error as Error).message, retryAfterMs: null };
    }
    const nowMs = this.now();
    if (result.delivered) {
      await this.repository.markDigestDelivered(digest.id, nowMs);
      return true;
    }
    const next = nowMs + retryDelayMs(digest.attempts + 1, result.retryAfterMs);
    const dead = next > digest.createdAtMs + DELIVERY_RETRY_WINDOW_MS;
    await this.repository.markDigestFailed(digest.id, result.error ?? 'not delivered', dead ? null : next);
    return false;
  }

  private async deliverOne(delivery: DueDelivery): Promise<boolean> {
    let result: SendResult;
    try {
      const address = await this.addressOf(delivery.channelId);
      const { event } = delivery;
      result = await this.sender.send(address, {
        id: event.id,
        type: 'alert',
        event: {
          ruleId: event.ruleId,
          ruleName: event.ruleName,
          series: event.series,
          severity: event.severity,
          firedAtMs: event.firedAtMs,
          message: event.message,
          values: event.values,
        },
        message: event.message,
      });
    } catch (error) {
      result = { delivered: false, status: null, error: (error as Error).message, retryAfterMs: null };
    }
    const nowMs = this.now();
    if (result.delivered) {
      await this.repository.markDelivered(delivery.id, nowMs);
      return true;
    }
    const next = nowMs + retryDelayMs(delivery.attempts + 1, result.retryAfterMs);
    const dead = next > delivery.createdAtMs + DELIVERY_RETRY_WINDOW_MS;
    await this.repository.markFailed(delivery.id, result.error ?? 'not delivered', dead ? null : next);
    return false;
  }
}

function ruleFields(body: AlertRuleBody) {
  return {
    name: body.name,
    series: body.series ?? null,
    condition: body.condition,
    severity: body.severity,
    cooldownMinutes: body.cooldownMinutes,
    channelIds: [...new Set(body.channelIds)],
    template: body.template ?? null,
    quietHours: body.quietHours ?? null,
    enabled: body.enabled,
  };
}
