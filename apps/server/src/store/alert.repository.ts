import { randomUUID } from 'node:crypto';
import {
  alertConditionKinds,
  type AlertChannel,
  type AlertChannelDigest,
  type AlertChannelEventModes,
  type AlertChannelKind,
  type AlertCondition,
  type AlertConditionKind,
  type AlertDelivery,
  type AlertDigest,
  type AlertEvent,
  type AlertRule,
  type AlertSeverity,
  type QuietHours,
} from '@runecast/contracts';
import type { Database } from './database.port.ts';
import { toJsonText } from './job.repository.ts';

/** The tables whose rows are sent with retries. */
type RetriedTable = 'alert_deliveries' | 'alert_digests';

export interface NewAlertChannel {
  ownerUserId: string;
  kind: AlertChannelKind;
  name: string;
  target: string;
  /** Kinds left out are `on`. */
  eventModes: AlertChannelEventModes;
  /** A daily digest instead of each firing, or null. */
  digest: AlertChannelDigest | null;
  createdAtMs: number;
}

export interface NewAlertRule {
  ownerUserId: string;
  name: string;
  series: string | null;
  condition: AlertCondition;
  severity: AlertSeverity;
  cooldownMinutes: number;
  channelIds: string[];
  template: string | null;
  quietHours: QuietHours | null;
  enabled: boolean;
}

export interface AlertRuleState {
  ruleId: string;
  series: string;
  /** Null until a crossing rule has seen its series once. */
  armed: boolean | null;
  lastFiredAtMs: number | null;
}

export interface NewAlertEvent {
  ruleId: string;
  /** The rule's kind: each channel sends it, or not, by its mode for this kind. */
  kind: AlertConditionKind;
  ownerUserId: string;
  idempotencyKey: string;
  ruleName: string;
  series: string;
  severity: AlertSeverity;
  firedAtMs: number;
  message: string;
  values: Record<string, number>;
  silent: boolean;
  /**
   * Channels to deliver to (a channel whose mode for `kind` is not `on` is skipped). A channel with
   * a daily digest takes the firing into its next digest instead, quiet hours or not; a channel
   * without one gets no delivery of a silent firing.
   */
  channelIds: readonly string[];
}

/** A firing as a digest lists it. */
export interface DigestEntry {
  id: string;
  ruleName: string;
  series: string;
  severity: AlertSeverity;
  firedAtMs: number;
  message: string;
}

/** What a digest says, composed from the firings it takes. */
export interface DigestContent {
  message: string;
  /** The firings listed (the first ones, when there are many). */
  events: DigestEntry[];
}

export interface NewAlertDigest {
  channelId: string;
  ownerUserId: string;
  /** The local day, YYYY-MM-DD: with the channel, the digest's idempotency key. */
  day: string;
  timeZone: string;
  /** Firings before this time (the end of the day) that no digest has taken yet are taken. */
  toMs: number;
  /** The start of the day, for the answer (earlier firings stored late are taken too). */
  fromMs: number;
}

export interface DueDigest extends AlertDigest {
  ownerUserId: string;
  events: DigestEntry[];
}

export interface DueDelivery extends AlertDelivery {
  ownerUserId: string;
  /** When it was queued: retries stop a day after. */
  createdAtMs: number;
  event: AlertEvent;
}

/** Who may see what: an owner's own objects, or every object (admins). */
export type OwnerScope = { ownerUserId: string } | 'all';

interface ChannelRow {
  id: string;
  owner_user_id: string;
  kind: AlertChannelKind;
  name: string;
  target: string;
  event_modes: AlertChannelEventModes;
  digest: AlertChannelDigest | null;
  created_at_ms: string | number;
}

interface DigestRow {
  id: string;
  channel_id: string;
  owner_user_id: string;
  day: string;
  time_zone: string;
  from_ms: string | number;
  to_ms: string | number;
  firing_count: number;
  message: string;
  events: DigestEntry[];
  state: AlertDigest['state'];
  attempts: number;
  next_attempt_at_ms: string | number | null;
  last_error: string | null;
  delivered_at_ms: string | number | null;
  created_at_ms: string | number;
}

interface RuleRow {
  id: string;
  owner_user_id: string;
  name: string;
  series: string | null;
  condition: AlertCondition;
  severity: AlertSeverity;
  cooldown_minutes: number;
  channel_ids: string[];
  template: string | null;
  quiet_hours: QuietHours | null;
  enabled: boolean;
  created_at_ms: string | number;
  updated_at_ms: string | number;
}

interface EventRow {
  id: string;
  rule_id: string;
  owner_user_id: string;
  rule_name: string;
  series: string;
  severity: AlertSeverity;
  fired_at_ms: string | number;
  message: string;
  values: Record<string, number>;
  status: AlertEvent['status'];
  snoozed_until_ms: string | number | null;
  silent: boolean;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  channel_id: string;
  owner_user_id: string;
  state: AlertDelivery['state'];
  attempts: number;
  next_attempt_at_ms: string | number | null;
  last_error: string | null;
  delivered_at_ms: string | number | null;
}

const CHANNEL_COLUMNS = 'id, owner_user_id, kind, name, target, event_modes, digest, created_at_ms';
const DIGEST_COLUMNS = `id, channel_id, owner_user_id, day, time_zone, from_ms, to_ms, firing_count, message, events,
  state, attempts, next_attempt_at_ms, last_error, delivered_at_ms, created_at_ms`;
/** A digest lists at most this many firings (its count covers them all). */
export const DIGEST_LISTED_FIRINGS = 200;
const RULE_COLUMNS = `id, owner_user_id, name, series, condition, severity, cooldown_minutes, channel_ids, template,
  quiet_hours, enabled, created_at_ms, updated_at_ms`;
const EVENT_COLUMNS = `id, rule_id, owner_user_id, rule_name, series, severity, fired_at_ms, message, "values", status,
  snoozed_until_ms, silent`;
const DELIVERY_COLUMNS =
  'id, event_id, channel_id, owner_user_id, state, attempts, next_attempt_at_ms, last_error, delivered_at_ms';

const nullableNumber = (value: string | number | null): number | null =>
  value === null ? null : Number(value);

const channelFromRow = (row: ChannelRow): AlertChannel => ({
  id: row.id,
  ownerUserId: row.owner_user_id,
  kind: row.kind,
  name: row.name,
  target: row.target,
  eventModes: Object.fromEntries(
    alertConditionKinds.map((kind) => [kind, row.event_modes[kind] ?? 'on']),
  ) as AlertChannel['eventModes'],
  digest: row.digest,
  createdAtMs: Number(row.created_at_ms),
});

const digestFromRow = (row: DigestRow): AlertDigest => ({
  id: row.id,
  channelId: row.channel_id,
  day: row.day,
  timeZone: row.time_zone,
  fromMs: Number(row.from_ms),
  toMs: Number(row.to_ms),
  firingCount: row.firing_count,
  message: row.message,
  state: row.state,
  attempts: row.attempts,
  nextAttemptAtMs: nullableNumber(row.next_attempt_at_ms),
  lastError: row.last_error,
  deliveredAtMs: nullableNumber(row.delivered_at_ms),
  createdAtMs: Number(row.created_at_ms),
});

const ruleFromRow = (row: RuleRow): AlertRule => ({
  id: row.id,
  ownerUserId: row.owner_user_id,
  name: row.name,
  series: row.series,
  condition: row.condition,
  severity: row.severity,
  cooldownMinutes: row.cooldown_minutes,
  channelIds: row.channel_ids,
  template: row.template,
  quietHours: row.quiet_hours,
  enabled: row.enabled,
  createdAtMs: Number(row.created_at_ms),
  updatedAtMs: Number(row.updated_at_ms),
});

const eventFromRow = (row: EventRow): AlertEvent => ({
  id: row.id,
  ruleId: row.rule_id,
  ownerUserId: row.owner_user_id,
  ruleName: row.rule_name,
  series: row.series,
  severity: row.severity,
  firedAtMs: Number(row.fired_at_ms),
  message: row.message,
  values: row.values,
  status: row.status,
  snoozedUntilMs: nullableNumber(row.snoozed_until_ms),
  silent: row.silent,
});

const deliveryFromRow = (row: DeliveryRow): AlertDelivery => ({
  id: row.id,
  eventId: row.event_id,
  channelId: row.channel_id,
  state: row.state,
  attempts: row.attempts,
  nextAttemptAtMs: nullableNumber(row.next_attempt_at_ms),
  lastError: row.last_error,
  deliveredAtMs: nullableNumber(row.delivered_at_ms),
});

/** `AND owner_user_id = $n` for an owner's scope, nothing for admins. */
function ownerFilter(scope: OwnerScope, params: unknown[], column = 'owner_user_id'): string {
  if (scope === 'all') return '';
  params.push(scope.ownerUserId);
  return ` AND ${column} = $${params.length}`;
}

/**
 * Alert channels, rules, rule states, events and deliveries. Reads and changes take an owner
 * scope: a user's call never touches another user's rows, so a foreign id is simply not found.
 */
export class SqlAlertRepository {
  constructor(private readonly database: Database) {}

  async createChannel(channel: NewAlertChannel): Promise<AlertChannel> {
    const [row] = await this.database.query<ChannelRow>(
      `INSERT INTO alert_channels (${CHANNEL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8)
       RETURNING ${CHANNEL_COLUMNS}`,
      [
        randomUUID(),
        channel.ownerUserId,
        channel.kind,
        channel.name,
        channel.target,
        toJsonText(channel.eventModes),
        channel.digest === null ? null : toJsonText(channel.digest),
        channel.createdAtMs,
      ],
    );
    return channelFromRow(row!);
  }

  /** Replaces a channel's modes per rule kind; null when the channel is not in scope. */
  async setChannelModes(
    scope: OwnerScope,
    id: string,
    eventModes: AlertChannelEventModes,
  ): Promise<AlertChannel | null> {
    const params: unknown[] = [id, toJsonText(eventModes)];
    const [row] = await this.database.query<ChannelRow>(
      `UPDATE alert_channels SET event_modes = $2::jsonb WHERE id = $1${ownerFilter(scope, params)}
       RETURNING ${CHANNEL_COLUMNS}`,
      params,
    );
    return row ? channelFromRow(row) : null;
  }

  /**
   * Sets or clears a channel's daily digest; null when the channel is not in scope. Clearing it
   * drops the firings waiting for its next digest (they stay in the history), so a digest turned
   * on again later does not list old ones.
   */
  async setChannelDigest(
    scope: OwnerScope,
    id: string,
    digest: AlertChannelDigest | null,
  ): Promise<AlertChannel | null> {
    return this.database.transaction(async (transaction) => {
      const params: unknown[] = [id, digest === null ? null : toJsonText(digest)];
      const [row] = await transaction.query<ChannelRow>(
        `UPDATE alert_channels SET digest = $2::jsonb WHERE id = $1${ownerFilter(scope, params)}
         RETURNING ${CHANNEL_COLUMNS}`,
        params,
      );
      if (!row) return null;
      if (digest === null) {
        await transaction.query(
          'DELETE FROM alert_digest_entries WHERE channel_id = $1 AND digest_id IS NULL',
          [id],
        );
      }
      return channelFromRow(row);
    });
  }

  /** Every channel with a daily digest, for the digest clock. */
  async digestChannels(): Promise<AlertChannel[]> {
    const rows = await this.database.query<ChannelRow>(
      `SELECT ${CHANNEL_COLUMNS} FROM alert_channels WHERE digest IS NOT NULL ORDER BY created_at_ms, id`,
    );
    return rows.map(channelFromRow);
  }

  async getChannel(scope: OwnerScope, id: string): Promise<AlertChannel | null> {
    const params: unknown[] = [id];
    const [row] = await this.database.query<ChannelRow>(
      `SELECT ${CHANNEL_COLUMNS} FROM alert_channels WHERE id = $1${ownerFilter(scope, params)}`,
      params,
    );
    return row ? channelFromRow(row) : null;
  }

  async listChannels(scope: OwnerScope): Promise<AlertChannel[]> {
    const params: unknown[] = [];
    const rows = await this.database.query<ChannelRow>(
      `SELECT ${CHANNEL_COLUMNS} FROM alert_channels WHERE true${ownerFilter(scope, params)} ORDER BY created_at_ms, id`,
      params,
    );
    return rows.map(channelFromRow);
  }

  /** Deletes a channel and takes its id out of every rule that named it. */
  async deleteChannel(scope: OwnerScope, id: string): Promise<boolean> {
    return this.database.transaction(async (transaction) => {
      const params: unknown[] = [id];
      const rows = await transaction.query<{ id: string; owner_user_id: string }>(
        `DELETE FROM alert_channels WHERE id = $1${ownerFilter(scope, params)} RETURNING id, owner_user_id`,
        params,
      );
      if (rows.length === 0) return false;
      await transaction.query(
        `UPDATE alert_rules SET channel_ids = channel_ids - $1::text
         WHERE owner_user_id = $2 AND channel_ids ? $1::text`,
        [id, rows[0]!.owner_user_id],
      );
      return true;
    });
  }

  async createRule(rule: NewAlertRule, nowMs: number): Promise<AlertRule> {
    const [row] = await this.database.query<RuleRow>(
      `INSERT INTO alert_rules (${RULE_COLUMNS})
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8::jsonb, $9, $10::jsonb, $11, $12, $12)
       RETURNING ${RULE_COLUMNS}`,
      [
        randomUUID(),
        rule.ownerUserId,
        rule.name,
        rule.series,
        toJsonText(rule.condition),
        rule.severity,
        rule.cooldownMinutes,
        toJsonText(rule.channelIds),
        rule.template,
        rule.quietHours === null ? null : toJsonText(rule.quietHours),
        rule.enabled,
        nowMs,
      ],
    );
    return ruleFromRow(row!);
  }

  /** Replaces a rule's definition; its state restarts (armed anew, no cooldown). */
  async updateRule(scope: OwnerScope, id: string, rule: Omit<NewAlertRule, 'ownerUserId'>, nowMs: number) {
    return this.database.transaction(async (transaction) => {
      const params: unknown[] = [
        id,
        rule.name,
        rule.series,
        toJsonText(rule.condition),
        rule.severity,
        rule.cooldownMinutes,
        toJsonText(rule.channelIds),
        rule.template,
        rule.quietHours === null ? null : toJsonText(rule.quietHours),
        rule.enabled,
        nowMs,
      ];
      const [row] = await transaction.query<RuleRow>(
        `UPDATE alert_rules SET name = $2, series = $3, condition = $4::jsonb, severity = $5, cooldown_minutes = $6,
           channel_ids = $7::jsonb, template = $8, quiet_hours = $9::jsonb, enabled = $10, updated_at_ms = $11
         WHERE id = $1${ownerFilter(scope, params)}
         RETURNING ${RULE_COLUMNS}`,
        params,
      );
      if (!row) return null;
      await transaction.query('DELETE FROM alert_rule_states WHERE rule_id = $1', [id]);
      return ruleFromRow(row);
    });
  }

  async getRule(scope: OwnerScope, id: string): Promise<AlertRule | null> {
    const params: unknown[] = [id];
    const [row] = await this.database.query<RuleRow>(
      `SELECT ${RULE_COLUMNS} FROM alert_rules WHERE id = $1${ownerFilter(scope, params)}`,
      params,
    );
    return row ? ruleFromRow(row) : null;
  }

  async listRules(scope: OwnerScope): Promise<AlertRule[]> {
    const params: unknown[] = [];
    const rows = await this.database.query<RuleRow>(
      `SELECT ${RULE_COLUMNS} FROM alert_rules WHERE true${ownerFilter(scope, params)} ORDER BY created_at_ms, id`,
      params,
    );
    return rows.map(ruleFromRow);
  }

  /** Every enabled rule, for the evaluator. */
  async enabledRules(): Promise<AlertRule[]> {
    const rows = await this.database.query<RuleRow>(
      `SELECT ${RULE_COLUMNS} FROM alert_rules WHERE enabled ORDER BY created_at_ms, id`,
    );
    return rows.map(ruleFromRow);
  }

  async deleteRule(scope: OwnerScope, id: string): Promise<boolean> {
    const params: unknown[] = [id];
    const rows = await this.database.query<{ id: string }>(
      `DELETE FROM alert_rules WHERE id = $1${ownerFilter(scope, params)} RETURNING id`,
      params,
    );
    return rows.length > 0;
  }

  async ruleStates(): Promise<AlertRuleState[]> {
    const rows = await this.database.query<{
      rule_id: string;
      series: string;
      armed: boolean | null;
      last_fired_at_ms: string | number | null;
    }>('SELECT rule_id, series, armed, last_fired_at_ms FROM alert_rule_states');
    return rows.map((row) => ({
      ruleId: row.rule_id,
      series: row.series,
      armed: row.armed,
      lastFiredAtMs: nullableNumber(row.last_fired_at_ms),
    }));
  }

  /** Writes changed rule states in one statement; states of deleted rules are skipped. */
  async saveRuleStates(states: readonly AlertRuleState[]): Promise<void> {
    if (states.length === 0) return;
    await this.database.query(
      `INSERT INTO alert_rule_states (rule_id, series, armed, last_fired_at_ms)
       SELECT s.rule_id, s.series, s.armed, s.last_fired_at_ms
       FROM jsonb_to_recordset($1::jsonb) AS s (rule_id uuid, series text, armed boolean, last_fired_at_ms bigint)
       WHERE EXISTS (SELECT 1 FROM alert_rules r WHERE r.id = s.rule_id)
       ON CONFLICT (rule_id, series) DO UPDATE SET armed = excluded.armed, last_fired_at_ms = excluded.last_fired_at_ms`,
      [
        toJsonText(
          states.map((state) => ({
            rule_id: state.ruleId,
            series: state.series,
            armed: state.armed,
            last_fired_at_ms: state.lastFiredAtMs,
          })),
        ),
      ],
    );
  }

  /**
   * Stores a firing and queues its deliveries, once per idempotency key: null when that key
   * fired before (a redelivered message, a second evaluator) or the rule is gone.
   */
  async recordEvent(event: NewAlertEvent, nowMs: number): Promise<AlertEvent | null> {
    return this.database.transaction(async (transaction) => {
      const [row] = await transaction.query<EventRow>(
        `INSERT INTO alert_events (id, rule_id, owner_user_id, idempotency_key, rule_name, series, severity,
           fired_at_ms, message, "values", silent)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11
         WHERE EXISTS (SELECT 1 FROM alert_rules WHERE id = $2)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING ${EVENT_COLUMNS}`,
        [
          randomUUID(),
          event.ruleId,
          event.ownerUserId,
          event.idempotencyKey,
          event.ruleName,
          event.series,
          event.severity,
          event.firedAtMs,
          event.message,
          toJsonText(event.values),
          event.silent,
        ],
      );
      if (!row) return null;
      if (event.channelIds.length > 0) {
        // Only the owner's own channels: a rule naming another user's channel sends nothing there.
        // A channel silent or off for this kind of rule gets no delivery; one with a daily digest
        // keeps the firing for its digest instead.
        if (!event.silent) {
          await transaction.query(
            `INSERT INTO alert_deliveries (id, event_id, channel_id, owner_user_id, next_attempt_at_ms, created_at_ms)
             SELECT gen_random_uuid(), $1, c.id, c.owner_user_id, $3, $3
             FROM alert_channels c WHERE c.id = ANY($2::uuid[]) AND c.owner_user_id = $4
               AND coalesce(c.event_modes ->> $5::text, 'on') = 'on' AND c.digest IS NULL
             ON CONFLICT (event_id, channel_id) DO NOTHING`,
            [row.id, [...event.channelIds], nowMs, event.ownerUserId, event.kind],
          );
        }
        await transaction.query(
          `INSERT INTO alert_digest_entries (event_id, channel_id, fired_at_ms)
           SELECT $1, c.id, $3
           FROM alert_channels c WHERE c.id = ANY($2::uuid[]) AND c.owner_user_id = $4
             AND coalesce(c.event_modes ->> $5::text, 'on') = 'on' AND c.digest IS NOT NULL
           ON CONFLICT (event_id, channel_id) DO NOTHING`,
          [row.id, [...event.channelIds], event.firedAtMs, event.ownerUserId, event.kind],
        );
      }
      return eventFromRow(row);
    });
  }

  async listEvents(
    scope: OwnerScope,
    filter: { status?: AlertEvent['status']; ruleId?: string; limit: number },
  ): Promise<{ events: AlertEvent[]; openCount: number }> {
    const params: unknown[] = [];
    let where = `true${ownerFilter(scope, params)}`;
    const countParams = [...params];
    const countWhere = `${where} AND status = 'open'`;
    if (filter.status) {
      params.push(filter.status);
      where += ` AND status = $${params.length}`;
    }
    if (filter.ruleId) {
      params.push(filter.ruleId);
      where += ` AND rule_id = $${params.length}`;
    }
    params.push(filter.limit);
    const rows = await this.database.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM alert_events WHERE ${where} ORDER BY fired_at_ms DESC, id LIMIT $${params.length}`,
      params,
    );
    const [count] = await this.database.query<{ open: string | number }>(
      `SELECT count(*) AS open FROM alert_events WHERE ${countWhere}`,
      countParams,
    );
    return { events: rows.map(eventFromRow), openCount: Number(count?.open ?? 0) };
  }

  async setEventStatus(
    scope: OwnerScope,
    id: string,
    status: AlertEvent['status'],
    snoozedUntilMs: number | null,
  ): Promise<AlertEvent | null> {
    const params: unknown[] = [id, status, snoozedUntilMs];
    const [row] = await this.database.query<EventRow>(
      `UPDATE alert_events SET status = $2, snoozed_until_ms = $3 WHERE id = $1${ownerFilter(scope, params)}
       RETURNING ${EVENT_COLUMNS}`,
      params,
    );
    return row ? eventFromRow(row) : null;
  }

  /** Snoozed events whose time is up open again. */
  async reopenSnoozed(nowMs: number): Promise<number> {
    const rows = await this.database.query<{ id: string }>(
      `UPDATE alert_events SET status = 'open', snoozed_until_ms = NULL
       WHERE status = 'snoozed' AND snoozed_until_ms <= $1 RETURNING id`,
      [nowMs],
    );
    return rows.length;
  }

  /**
   * Takes up to `limit` pending deliveries that are due and not held by another sender, and holds
   * them until `nowMs + holdMs`.
   */
  async claimDueDeliveries(nowMs: number, holdMs: number, limit: number): Promise<DueDelivery[]> {
    const rows = await this.database.query<DeliveryRow & { created_at_ms: string | number; event: EventRow }>(
      `WITH due AS (
         SELECT id FROM alert_deliveries
         WHERE state = 'pending' AND next_attempt_at_ms <= $1 AND (claimed_until_ms IS NULL OR claimed_until_ms <= $1)
         ORDER BY next_attempt_at_ms, id LIMIT $3
         FOR UPDATE SKIP LOCKED
       )
       UPDATE alert_deliveries d SET claimed_until_ms = $1 + $2
       FROM due WHERE d.id = due.id
       RETURNING ${DELIVERY_COLUMNS.split(', ')
         .map((column) => `d.${column}`)
         .join(', ')}, d.created_at_ms,
         (SELECT to_jsonb(e) FROM alert_events e WHERE e.id = d.event_id) AS event`,
      [nowMs, holdMs, limit],
    );
    return rows.map((row) => ({
      ...deliveryFromRow(row),
      ownerUserId: row.owner_user_id,
      createdAtMs: Number(row.created_at_ms),
      event: eventFromRow(row.event),
    }));
  }

  markDelivered(id: string, nowMs: number): Promise<void> {
    return this.markSent('alert_deliveries', id, nowMs);
  }

  /** Records a failed attempt: retried at `nextAttemptAtMs`, or dead when that is null. */
  markFailed(id: string, error: string, nextAttemptAtMs: number | null): Promise<void> {
    return this.markAttemptFailed('alert_deliveries', id, error, nextAttemptAtMs);
  }

  /** Single deliveries and digests share one retry state: pending, sent or dead. */
  private async markSent(table: RetriedTable, id: string, nowMs: number): Promise<void> {
    await this.database.query(
      `UPDATE ${table} SET state = 'sent', attempts = attempts + 1, delivered_at_ms = $2,
         next_attempt_at_ms = NULL, claimed_until_ms = NULL, last_error = NULL
       WHERE id = $1`,
      [id, nowMs],
    );
  }

  private async markAttemptFailed(
    table: RetriedTable,
    id: string,
    error: string,
    nextAttemptAtMs: number | null,
  ): Promise<void> {
    await this.database.query(
      `UPDATE ${table} SET attempts = attempts + 1, last_error = $2, claimed_until_ms = NULL,
         next_attempt_at_ms = $3, state = CASE WHEN $3::bigint IS NULL THEN 'dead' ELSE 'pending' END
       WHERE id = $1`,
      [id, error.slice(0, 500), nextAttemptAtMs],
    );
  }

  async listDeliveries(
    scope: OwnerScope,
    filter: { state?: AlertDelivery['state']; limit: number },
  ): Promise<AlertDelivery[]> {
    const params: unknown[] = [];
    let where = `true${ownerFilter(scope, params)}`;
    if (filter.state) {
      params.push(filter.state);
      where += ` AND state = $${params.length}`;
    }
    params.push(filter.limit);
    const rows = await this.database.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries WHERE ${where}
       ORDER BY created_at_ms DESC, id LIMIT $${params.length}`,
      params,
    );
    return rows.map(deliveryFromRow);
  }

  /** Sends a dead delivery again: pending, due now, attempts counted afresh. */
  async replayDelivery(scope: OwnerScope, id: string, nowMs: number): Promise<AlertDelivery | null> {
    const params: unknown[] = [id, nowMs];
    const [row] = await this.database.query<DeliveryRow>(
      `UPDATE alert_deliveries SET state = 'pending', attempts = 0, next_attempt_at_ms = $2, claimed_until_ms = NULL,
         created_at_ms = $2
       WHERE id = $1 AND state = 'dead'${ownerFilter(scope, params)}
       RETURNING ${DELIVERY_COLUMNS}`,
      params,
    );
    return row ? deliveryFromRow(row) : null;
  }

  /** Whether the channel's digest of `day` is composed already. */
  async hasDigest(channelId: string, day: string): Promise<boolean> {
    const rows = await this.database.query<{ id: string }>(
      'SELECT id FROM alert_digests WHERE channel_id = $1 AND day = $2',
      [channelId, day],
    );
    return rows.length > 0;
  }

  /**
   * Composes a channel's digest of one day, once: it takes every firing waiting for the channel
   * from before `toMs` (late ones of earlier days too) and stores the digest under its channel
   * and day. Null when that day's digest exists already (composed before, or by another process).
   */
  async composeDigest(
    digest: NewAlertDigest,
    nowMs: number,
    compose: (firingCount: number, events: DigestEntry[]) => DigestContent,
  ): Promise<AlertDigest | null> {
    return this.database.transaction(async (transaction) => {
      const taken = await transaction.query<{ id: string }>(
        'SELECT id FROM alert_digests WHERE channel_id = $1 AND day = $2',
        [digest.channelId, digest.day],
      );
      if (taken.length > 0) return null;
      const [count] = await transaction.query<{ firings: string | number }>(
        `SELECT count(*) AS firings FROM alert_digest_entries
         WHERE channel_id = $1 AND digest_id IS NULL AND fired_at_ms < $2`,
        [digest.channelId, digest.toMs],
      );
      const firingCount = Number(count?.firings ?? 0);
      const rows = await transaction.query<EventRow>(
        `SELECT ${EVENT_COLUMNS.split(',')
          .map((column) => `e.${column.trim()}`)
          .join(', ')}
         FROM alert_digest_entries d JOIN alert_events e ON e.id = d.event_id
         WHERE d.channel_id = $1 AND d.digest_id IS NULL AND d.fired_at_ms < $2
         ORDER BY d.fired_at_ms, e.id LIMIT $3`,
        [digest.channelId, digest.toMs, DIGEST_LISTED_FIRINGS],
      );
      const events = rows.map(eventFromRow).map((event) => ({
        id: event.id,
        ruleName: event.ruleName,
        series: event.series,
        severity: event.severity,
        firedAtMs: event.firedAtMs,
        message: event.message,
      }));
      const content = compose(firingCount, events);
      const fromMs = Math.min(digest.fromMs, events[0]?.firedAtMs ?? digest.fromMs);
      const [row] = await transaction.query<DigestRow>(
        `INSERT INTO alert_digests (id, channel_id, owner_user_id, day, time_zone, from_ms, to_ms, firing_count,
           message, events, state, next_attempt_at_ms, created_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13)
         ON CONFLICT (channel_id, day) DO NOTHING
         RETURNING ${DIGEST_COLUMNS}`,
        [
          randomUUID(),
          digest.channelId,
          digest.ownerUserId,
          digest.day,
          digest.timeZone,
          fromMs,
          digest.toMs,
          firingCount,
          content.message,
          toJsonText(content.events),
          firingCount === 0 ? 'empty' : 'pending',
          firingCount === 0 ? null : nowMs,
          nowMs,
        ],
      );
      if (!row) return null;
      await transaction.query(
        `UPDATE alert_digest_entries SET digest_id = $3
         WHERE channel_id = $1 AND digest_id IS NULL AND fired_at_ms < $2`,
        [digest.channelId, digest.toMs, row.id],
      );
      return digestFromRow(row);
    });
  }

  /** Takes up to `limit` due digests not held by another sender, holding them until `nowMs + holdMs`. */
  async claimDueDigests(nowMs: number, holdMs: number, limit: number): Promise<DueDigest[]> {
    const rows = await this.database.query<DigestRow>(
      `WITH due AS (
         SELECT id FROM alert_digests
         WHERE state = 'pending' AND next_attempt_at_ms <= $1 AND (claimed_until_ms IS NULL OR claimed_until_ms <= $1)
         ORDER BY next_attempt_at_ms, id LIMIT $3
         FOR UPDATE SKIP LOCKED
       )
       UPDATE alert_digests d SET claimed_until_ms = $1 + $2
       FROM due WHERE d.id = due.id
       RETURNING ${DIGEST_COLUMNS.split(',')
         .map((column) => `d.${column.trim()}`)
         .join(', ')}`,
      [nowMs, holdMs, limit],
    );
    return rows.map((row) => ({ ...digestFromRow(row), ownerUserId: row.owner_user_id, events: row.events }));
  }

  markDigestDelivered(id: string, nowMs: number): Promise<void> {
    return this.markSent('alert_digests', id, nowMs);
  }

  /** Records a failed attempt: retried at `nextAttemptAtMs`, or dead when that is null. */
  markDigestFailed(id: string, error: string, nextAttemptAtMs: number | null): Promise<void> {
    return this.markAttemptFailed('alert_digests', id, error, nextAttemptAtMs);
  }

  async listDigests(
    scope: OwnerScope,
    filter: { channelId?: string | undefined; limit: number },
  ): Promise<AlertDigest[]> {
    const params: unknown[] = [];
    let where = `true${ownerFilter(scope, params)}`;
    if (filter.channelId) {
      params.push(filter.channelId);
      where += ` AND channel_id = $${params.length}`;
    }
    params.push(filter.limit);
    const rows = await this.database.query<DigestRow>(
      `SELECT ${DIGEST_COLUMNS} FROM alert_digests WHERE ${where}
       ORDER BY created_at_ms DESC, id LIMIT $${params.length}`,
      params,
    );
    return rows.map(digestFromRow);
  }
}

export type AlertRepository = SqlAlertRepository;
