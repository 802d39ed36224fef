import { isValidMetricName } from '@runecast/market';
import { z } from 'zod';
import { safeText, seriesKeySchema } from '../common.schema.ts';
import { jobKindSchema } from '../jobs.schema.ts';
import { emailSchema } from './auth.schema.ts';
import { integerQuerySchema, timeZoneSchema, uuidSchema } from './common.schema.ts';

/** Where a notification goes. Each kind has its own address shape and message format. */
export const alertChannelKinds = ['webhook', 'discord', 'slack', 'telegram', 'email'] as const;
export const alertChannelKindSchema = z.enum(alertChannelKinds, {
  error: `must be one of ${alertChannelKinds.join(', ')}`,
});
export type AlertChannelKind = z.infer<typeof alertChannelKindSchema>;

/** An http(s) address a notification is posted to. */
const endpointUrlSchema = safeText()
  .max(2_000, 'must be at most 2000 characters')
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }));

const channelNameSchema = safeText().trim().min(1, 'must not be empty').max(100);

/** Every kind of rule, in the order the API and the dashboard list them. */
export const alertConditionKinds = [
  'price-cross',
  'move',
  'volume-spike',
  'forecast-move',
  'forecast-band',
  'stale',
  'job-failed',
  'security',
  'component-unhealthy',
  'model-behind-naive',
  'rune-stat',
  'sentiment-shift',
] as const satisfies readonly AlertConditionKind[];

/**
 * What a channel does with firings of one rule kind: `on` sends them, `silent` stores and shows
 * them in the app without sending through this channel, `off` ignores them on this channel.
 */
export const alertChannelModes = ['on', 'silent', 'off'] as const;
export const alertChannelModeSchema = z.enum(alertChannelModes, {
  error: `must be one of ${alertChannelModes.join(', ')}`,
});
export type AlertChannelMode = z.infer<typeof alertChannelModeSchema>;

/** Modes by rule kind; a kind left out is `on`. */
export const alertChannelEventModesSchema = z
  .strictObject(
    Object.fromEntries(
      alertConditionKinds.map((kind) => [kind, alertChannelModeSchema.optional()]),
    ) as Record<AlertConditionKind, z.ZodOptional<typeof alertChannelModeSchema>>,
  )
  .describe('on, silent or off per rule kind (a kind left out is on)');
export type AlertChannelEventModes = z.infer<typeof alertChannelEventModesSchema>;

const timeOfDaySchema = safeText().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');

/**
 * A channel's daily digest: one message a day at `at` in `timeZone`, listing the previous day's
 * firings, instead of one message per firing.
 */
export const alertChannelDigestBodySchema = z
  .strictObject({
    at: timeOfDaySchema.describe('the time of day the digest is sent (HH:MM, 24-hour)'),
    timeZone: timeZoneSchema
      .optional()
      .describe("the time zone of `at` and of the day; default the owner's saved time zone, else UTC"),
  })
  .describe('send one digest a day instead of each firing');

/** A channel's digest as stored: the time zone is resolved. */
export const alertChannelDigestSchema = z.object({ at: z.string(), timeZone: z.string() });
export type AlertChannelDigest = z.infer<typeof alertChannelDigestSchema>;

/** `PUT /api/v1/alerts/channels/{id}/digest`: a digest time, or null for one message per firing. */
export const alertChannelDigestSettingBodySchema = z.strictObject({
  digest: alertChannelDigestBodySchema.nullable(),
});
export type AlertChannelDigestSettingBody = z.infer<typeof alertChannelDigestSettingBodySchema>;

/** `PUT /api/v1/alerts/channels/{id}/modes`: the channel's modes, replaced as a whole. */
export const alertChannelModesBodySchema = z.strictObject({ eventModes: alertChannelEventModesSchema });

export const createAlertChannelBodySchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('webhook'),
      name: channelNameSchema,
      url: endpointUrlSchema,
      eventModes: alertChannelEventModesSchema.optional(),
      digest: alertChannelDigestBodySchema.optional(),
    }),
    z.strictObject({
      kind: z.literal('discord'),
      name: channelNameSchema,
      eventModes: alertChannelEventModesSchema.optional(),
      digest: alertChannelDigestBodySchema.optional(),
      url: endpointUrlSchema.describe('the Discord channel webhook URL'),
    }),
    z.strictObject({
      kind: z.literal('slack'),
      name: channelNameSchema,
      eventModes: alertChannelEventModesSchema.optional(),
      digest: alertChannelDigestBodySchema.optional(),
      url: endpointUrlSchema.describe('the Slack incoming webhook URL'),
    }),
    z.strictObject({
      kind: z.literal('telegram'),
      name: channelNameSchema,
      eventModes: alertChannelEventModesSchema.optional(),
      digest: alertChannelDigestBodySchema.optional(),
      botToken: safeText()
        .regex(/^\d{3,20}:[A-Za-z0-9_-]{20,100}$/, 'must be a bot token as BotFather gives it (123456:ABC…)')
        .describe('the bot token from BotFather'),
      chatId: safeText()
        .regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{4,64})$/, 'must be a numeric chat id or @channelname')
        .describe('the chat the bot writes to'),
    }),
    z.strictObject({
      kind: z.literal('email'),
      name: channelNameSchema,
      eventModes: alertChannelEventModesSchema.optional(),
      digest: alertChannelDigestBodySchema.optional(),
      to: emailSchema.describe('the address alert emails go to'),
    }),
  ],
  { error: `kind must be one of ${alertChannelKinds.join(', ')}` },
);
export type CreateAlertChannelBody = z.infer<typeof createAlertChannelBodySchema>;

export const alertChannelSchema = z
  .object({
    id: uuidSchema,
    ownerUserId: uuidSchema,
    kind: alertChannelKindSchema,
    name: z.string(),
    /** The address with any token in it masked; the full address is never shown again. */
    target: z.string(),
    /** On, silent or off for every rule kind. */
    eventModes: z.record(z.enum(alertConditionKinds), alertChannelModeSchema),
    /** Its daily digest, or null: every firing is sent on its own. */
    digest: alertChannelDigestSchema.nullable(),
    createdAtMs: z.int(),
  })
  .meta({ id: 'AlertChannel' });
export type AlertChannel = z.infer<typeof alertChannelSchema>;

export const createAlertChannelResponseSchema = alertChannelSchema
  .extend({
    secret: z
      .string()
      .describe(
        'Signing secret of a webhook channel (HMAC-SHA256 of the raw body, header X-Runecast-Signature); shown in this answer only',
      )
      .nullable(),
  })
  .meta({ id: 'CreatedAlertChannel' });

export const alertChannelListResponseSchema = z.object({ channels: z.array(alertChannelSchema) });

export const alertSeverities = ['info', 'warning', 'critical'] as const;
export const alertSeveritySchema = z.enum(alertSeverities, {
  error: `must be one of ${alertSeverities.join(', ')}`,
});
export type AlertSeverity = z.infer<typeof alertSeveritySchema>;

/** Security events admins can be alerted to. */
export const securityEventKinds = ['login-burst', 'api-key-new-address', 'disabled-account-token'] as const;
export type SecurityEventKind = (typeof securityEventKinds)[number];

const percentSchema = z.number().positive('must be above 0').max(1_000, 'must be at most 1000');

/** What a rule watches for. */
export const alertConditionSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('price-cross'),
      direction: z.enum(['above', 'below'], { error: 'must be above or below' }),
      level: z.number().positive('must be above 0').max(1e15),
    }),
    z.strictObject({
      kind: z.literal('move'),
      percent: percentSchema.describe('the move, up or down, that fires'),
      windowMinutes: z.int().min(1).max(10_080).describe('the span the move happens within'),
    }),
    z.strictObject({
      kind: z.literal('volume-spike'),
      zScore: z.number().min(1).max(100).describe('how many standard deviations above the mean'),
      lookbackCandles: z.int().min(10).max(1_440).describe('candles the mean and deviation come from'),
    }),
    z.strictObject({
      kind: z.literal('forecast-move'),
      percent: percentSchema.describe('fires when a new forecast points this far from the last close'),
      horizonMinutes: z.int().min(1).max(525_600).optional(),
    }),
    z.strictObject({
      kind: z.literal('forecast-band'),
      horizonMinutes: z.int().min(1).max(525_600).optional(),
    }),
    z.strictObject({
      kind: z.literal('stale'),
      afterMinutes: z.int().min(1).max(10_080).describe('fires when no candle has arrived for this long'),
    }),
    z.strictObject({
      kind: z.literal('security'),
      events: z
        .array(z.enum(securityEventKinds))
        .min(1)
        .optional()
        .describe('which security events (default all); admins only'),
    }),
    z.strictObject({
      kind: z.literal('component-unhealthy'),
      components: z
        .array(
          safeText()
            .min(1)
            .max(200)
            .regex(/^[^*]+\*?$/, 'must be a component name, or a prefix ending in * (source:*)'),
        )
        .min(1)
        .max(50)
        .optional()
        .describe('only these components (a name, or a prefix ending in *); default every component'),
      includeDegraded: z
        .boolean()
        .optional()
        .describe('fire on degraded as well as down (default down only); admins only'),
    }),
    z.strictObject({
      kind: z.literal('model-behind-naive'),
      relativeMae: z
        .number()
        .min(0.5)
        .max(10)
        .default(1)
        .describe(
          "fires when the model's MAE over its last 100 scored forecasts is above this multiple of naive's",
        ),
      minScored: z
        .int()
        .min(5)
        .max(100)
        .default(20)
        .describe('only once the model has at least this many scored forecasts in the window'),
      horizonMinutes: z.int().min(1).max(525_600).optional(),
    }),
    z
      .strictObject({
        kind: z.literal('rune-stat'),
        metric: safeText()
          .max(40)
          .refine(isValidMetricName, 'must be a metric name such as holders or volume_1d_btc')
          .describe("the stat watched, as the rune's provider names it (holders, volume_1d_btc, …)"),
        percent: percentSchema
          .optional()
          .describe('fires when the stat changed this many percent, up or down, within windowMinutes'),
        above: z
          .number()
          .min(0, 'must be at least 0')
          .max(1e18)
          .optional()
          .describe(
            'fires when the stat is at or above this level; with windowMinutes, when it grew by this much within the window (the volume traded in it, for a running total)',
          ),
        windowMinutes: z
          .int()
          .min(1)
          .max(10_080)
          .optional()
          .describe('the span of a change (default 60 with percent)'),
      })
      .refine((condition) => (condition.percent === undefined) !== (condition.above === undefined), {
        message: 'give either percent or above',
        path: ['percent'],
      }),
    z.strictObject({
      kind: z.literal('sentiment-shift'),
      shift: z
        .number()
        .min(0.05, 'must be at least 0.05')
        .max(2, 'must be at most 2')
        .describe(
          'fires when the mean sentiment of the news (−1 to 1) moved this much, up or down, within windowMinutes',
        ),
      windowMinutes: z.int().min(60).max(10_080).default(1_440).describe('the span of the shift'),
      over: z
        .enum(['1h', '24h'], { error: 'must be 1h or 24h' })
        .default('24h')
        .describe('the mean over the news of the last hour or of the last day'),
    }),
    z.strictObject({
      kind: z.literal('job-failed'),
      jobKinds: z
        .array(jobKindSchema)
        .min(1)
        .optional()
        .describe('only jobs of these kinds (default every kind)'),
    }),
  ],
  {
    error:
      'kind must be price-cross, move, volume-spike, forecast-move, forecast-band, stale, job-failed, security, component-unhealthy, model-behind-naive, rune-stat or sentiment-shift',
  },
);
export type AlertCondition = z.infer<typeof alertConditionSchema>;
export type AlertConditionKind = AlertCondition['kind'];

export const quietHoursSchema = z
  .strictObject({
    start: timeOfDaySchema,
    end: timeOfDaySchema,
    timeZone: timeZoneSchema,
  })
  .describe('notifications inside this daily span are stored, not sent');
export type QuietHours = z.infer<typeof quietHoursSchema>;

/** Named fields a message template may use. */
export const alertTemplateFields = [
  'rule',
  'series',
  'price',
  'forecast',
  'lower95',
  'upper95',
  'change',
  'severity',
  'time',
  'level',
  'reference',
  'volume',
  'zScore',
  'horizonMinutes',
  'minutes',
  'job',
  'error',
  'event',
  'component',
  'state',
  'reason',
  'model',
  'relativeMae',
  'mae',
  'naiveMae',
  'scored',
  'metric',
  'value',
  'sentiment',
  'shift',
] as const;

const templateSchema = safeText({ multiline: true })
  .max(1_000)
  .refine(
    (template) =>
      [...template.matchAll(/\{([^{}]*)\}/g)].every((match) =>
        (alertTemplateFields as readonly string[]).includes(match[1]!),
      ),
    `may use only the fields ${alertTemplateFields.map((field) => `{${field}}`).join(', ')}`,
  );

export const alertRuleBodySchema = z.strictObject({
  name: channelNameSchema,
  /** One series, or every series when absent. */
  series: seriesKeySchema.optional(),
  condition: alertConditionSchema,
  severity: alertSeveritySchema.default('warning'),
  cooldownMinutes: z.int().min(0).max(10_080).default(60),
  channelIds: z.array(uuidSchema).max(10).default([]),
  template: templateSchema.optional(),
  quietHours: quietHoursSchema.optional(),
  enabled: z.boolean().default(true),
});
export type AlertRuleBody = z.infer<typeof alertRuleBodySchema>;

export const alertRuleSchema = z
  .object({
    id: uuidSchema,
    ownerUserId: uuidSchema,
    name: z.string(),
    series: z.string().nullable(),
    condition: alertConditionSchema,
    severity: alertSeveritySchema,
    cooldownMinutes: z.int(),
    channelIds: z.array(uuidSchema),
    template: z.string().nullable(),
    quietHours: quietHoursSchema.nullable(),
    enabled: z.boolean(),
    createdAtMs: z.int(),
    updatedAtMs: z.int(),
  })
  .meta({ id: 'AlertRule' });
export type AlertRule = z.infer<typeof alertRuleSchema>;

export const alertRuleListResponseSchema = z.object({ rules: z.array(alertRuleSchema) });

export const alertEventStatuses = ['open', 'acknowledged', 'snoozed', 'resolved'] as const;
export const alertEventStatusSchema = z.enum(alertEventStatuses);

export const alertEventSchema = z
  .object({
    id: uuidSchema,
    ruleId: uuidSchema,
    ownerUserId: uuidSchema,
    ruleName: z.string(),
    series: z.string(),
    severity: alertSeveritySchema,
    firedAtMs: z.int(),
    message: z.string(),
    /** The values that fired it. */
    values: z.record(z.string(), z.number()),
    status: alertEventStatusSchema,
    snoozedUntilMs: z.int().nullable(),
    /** Stored but not sent: quiet hours, or no channel. */
    silent: z.boolean(),
  })
  .meta({ id: 'AlertEvent' });
export type AlertEvent = z.infer<typeof alertEventSchema>;

export const alertHistoryQuerySchema = z.strictObject({
  status: alertEventStatusSchema.optional(),
  ruleId: uuidSchema.optional(),
  limit: integerQuerySchema({ min: 1, max: 500 }).default(100),
});

export const alertHistoryResponseSchema = z.object({
  events: z.array(alertEventSchema),
  /** Events still open (neither acknowledged, snoozed nor resolved), for the bell. */
  openCount: z.int(),
});

export const alertEventActionBodySchema = z.discriminatedUnion(
  'action',
  [
    z.strictObject({ action: z.literal('acknowledge') }),
    z.strictObject({ action: z.literal('resolve') }),
    z.strictObject({ action: z.literal('snooze'), minutes: z.int().min(1).max(43_200) }),
  ],
  { error: 'action must be acknowledge, resolve or snooze' },
);

export const alertDeliveryStates = ['pending', 'sent', 'dead'] as const;
export const alertDeliverySchema = z
  .object({
    id: uuidSchema,
    eventId: uuidSchema,
    channelId: uuidSchema,
    state: z.enum(alertDeliveryStates),
    attempts: z.int(),
    nextAttemptAtMs: z.int().nullable(),
    lastError: z.string().nullable(),
    deliveredAtMs: z.int().nullable(),
  })
  .meta({ id: 'AlertDelivery' });
export type AlertDelivery = z.infer<typeof alertDeliverySchema>;

export const alertDeliveryListResponseSchema = z.object({ deliveries: z.array(alertDeliverySchema) });

export const alertTestResponseSchema = z.object({
  delivered: z.boolean(),
  status: z.int().nullable().describe('HTTP status the receiver answered'),
  error: z.string().nullable(),
});

export const alertIdParamsSchema = z.strictObject({ id: uuidSchema });

/** How many firings a preview lists (the count covers them all). */
export const alertPreviewListedFirings = 20;

/** `POST /api/v1/alerts/rules/preview`: what a rule would have fired over the last 7 days of stored candles. */
export const alertRulePreviewResponseSchema = z.discriminatedUnion('available', [
  z.object({
    available: z.literal(true),
    series: z.string(),
    /** The span looked at: the last 7 days up to now. */
    fromMs: z.int(),
    toMs: z.int(),
    /** Stored candles of the series in that span. */
    candles: z.int(),
    /** How many times the rule would have fired (cooldown and re-arming included). */
    firingCount: z.int(),
    /** The first firings, oldest first, at most `alertPreviewListedFirings`. */
    firings: z.array(z.object({ firedAtMs: z.int(), values: z.record(z.string(), z.number()) })),
    /** The message of the most recent firing, as it would be sent; null when none. */
    latestMessage: z.string().nullable(),
  }),
  z.object({
    available: z.literal(false),
    /** Why no preview: the kind depends on forecasts, jobs or events that are not replayed. */
    reason: z.string(),
  }),
]);
export type AlertRulePreview = z.infer<typeof alertRulePreviewResponseSchema>;

export const alertDigestStates = ['pending', 'sent', 'dead', 'empty'] as const;

/** One channel's digest of one local day. */
export const alertDigestSchema = z
  .object({
    id: uuidSchema,
    channelId: uuidSchema,
    /** The local day summarised (YYYY-MM-DD in `timeZone`). */
    day: z.string(),
    timeZone: z.string(),
    /** The span of that day, and of any firing stored late for an earlier day. */
    fromMs: z.int(),
    toMs: z.int(),
    firingCount: z.int(),
    message: z.string(),
    /** `empty`: no firing that day, nothing sent. */
    state: z.enum(alertDigestStates),
    attempts: z.int(),
    nextAttemptAtMs: z.int().nullable(),
    lastError: z.string().nullable(),
    deliveredAtMs: z.int().nullable(),
    createdAtMs: z.int(),
  })
  .meta({ id: 'AlertDigest' });
export type AlertDigest = z.infer<typeof alertDigestSchema>;

export const alertDigestListQuerySchema = z.strictObject({
  channelId: uuidSchema.optional(),
  limit: integerQuerySchema({ min: 1, max: 500 }).default(50),
});

export const alertDigestListResponseSchema = z.object({ digests: z.array(alertDigestSchema) });
