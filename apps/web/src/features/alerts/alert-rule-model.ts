import {
  alertRuleBodySchema,
  createAlertChannelBodySchema,
  type AlertChannelKind,
  type AlertCondition,
  type AlertConditionKind,
  type AlertRule,
  type AlertRuleBody,
  type AlertSeverity,
  type CreateAlertChannelBody,
  type SecurityEventKind,
} from '@runecast/contracts';
import { formatNumber } from '../../lib/format.ts';

export const conditionKinds: readonly { kind: AlertConditionKind; label: string }[] = [
  { kind: 'price-cross', label: 'Price crosses a level' },
  { kind: 'move', label: 'Price moves fast' },
  { kind: 'volume-spike', label: 'Volume spikes' },
  { kind: 'forecast-move', label: 'A new forecast points far away' },
  { kind: 'forecast-band', label: "Price leaves the forecast's 95% band" },
  { kind: 'stale', label: 'No candle arrives for a while' },
  { kind: 'job-failed', label: 'A job fails' },
  { kind: 'security', label: 'A security event (admins)' },
  { kind: 'component-unhealthy', label: 'A component is unhealthy (admins)' },
  { kind: 'model-behind-naive', label: "A model's live accuracy falls behind naive" },
  { kind: 'rune-stat', label: 'A rune stat changes (holders, volume)' },
  { kind: 'sentiment-shift', label: 'News sentiment shifts' },
];

/** How a rune-stat rule judges its stat. */
export type StatMode = 'change' | 'level' | 'growth';

export const securityEventLabels: Record<SecurityEventKind, string> = {
  'login-burst': 'a burst of failed log-ins',
  'api-key-new-address': 'an API key used from a new address',
  'disabled-account-token': "a disabled account's token or key presented",
};

/** Conditions about jobs and security events, not series: a rule of these kinds has no series. */
export function watchesSeries(kind: AlertConditionKind): boolean {
  return kind !== 'job-failed' && kind !== 'security' && kind !== 'component-unhealthy';
}

/** `45 min`, `4 h`, `2 d`: the largest whole unit. */
export function formatMinutes(minutes: number): string {
  if (minutes >= 1440 && minutes % 1440 === 0) return `${minutes / 1440} d`;
  if (minutes >= 60 && minutes % 60 === 0) return `${minutes / 60} h`;
  return `${minutes} min`;
}

/** A rule's condition in words, e.g. `price crosses above 100,000`. */
export function describeCondition(condition: AlertCondition): string {
  switch (condition.kind) {
    case 'price-cross':
      return `price crosses ${condition.direction} ${formatNumber(condition.level, 10)}`;
    case 'move':
      return `price moves ${formatNumber(condition.percent)}% or more, up or down, within ${formatMinutes(condition.windowMinutes)}`;
    case 'volume-spike':
      return `volume ${formatNumber(condition.zScore)} standard deviations above the mean of the previous ${condition.lookbackCandles} candles`;
    case 'forecast-move':
      return `a new ${condition.horizonMinutes === undefined ? '' : `${formatMinutes(condition.horizonMinutes)} `}forecast points ${formatNumber(condition.percent)}% or more from the last close`;
    case 'forecast-band':
      return `price leaves the 95% band of the newest ${condition.horizonMinutes === undefined ? '' : `${formatMinutes(condition.horizonMinutes)} `}forecast`;
    case 'stale':
      return `no candle arrives for ${formatMinutes(condition.afterMinutes)}`;
    case 'job-failed':
      return condition.jobKinds === undefined
        ? 'a job of any kind fails'
        : `a ${condition.jobKinds.join(', ')} job fails`;
    case 'security':
      return condition.events === undefined
        ? 'any security event'
        : condition.events.map((event) => securityEventLabels[event]).join(', or ');
    case 'component-unhealthy':
      return `${condition.components === undefined ? 'any component' : condition.components.join(', ')} goes down${condition.includeDegraded === true ? ' or degraded' : ''}`;
    case 'rune-stat':
      if (condition.percent !== undefined)
        return `${condition.metric} changes ${formatNumber(condition.percent)}% or more, up or down, within ${formatMinutes(condition.windowMinutes ?? 60)}`;
      return condition.windowMinutes === undefined
        ? `${condition.metric} reaches ${formatNumber(condition.above ?? 0, 10)}`
        : `${condition.metric} grows by ${formatNumber(condition.above ?? 0, 10)} or more within ${formatMinutes(condition.windowMinutes)}`;
    case 'sentiment-shift':
      return `mean news sentiment over the last ${condition.over === '1h' ? 'hour' : 'day'} moves ${formatNumber(condition.shift)} or more, up or down, within ${formatMinutes(condition.windowMinutes)}`;
    case 'model-behind-naive':
      return `a ${condition.horizonMinutes === undefined ? '' : `${formatMinutes(condition.horizonMinutes)} `}model's MAE over its last 100 scored forecasts exceeds ${formatNumber(condition.relativeMae)}× naive's (at least ${condition.minScored} scored)`;
  }
}

export function describeScope(series: string | null): string {
  return series ?? 'every series';
}

/** The browser's own time zone, the default of quiet hours. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The rule form as typed: numbers stay text until the form is sent, so a half-typed value is kept. */
export interface RuleFormState {
  name: string;
  /** `''` for every series. */
  series: string;
  kind: AlertConditionKind;
  direction: 'above' | 'below';
  level: string;
  percent: string;
  windowMinutes: string;
  zScore: string;
  lookbackCandles: string;
  /** `''` for any horizon. */
  horizonMinutes: string;
  afterMinutes: string;
  /** Job kinds separated by commas or spaces; `''` for every kind. */
  jobKinds: string;
  /** Security events watched; none ticked means every one. */
  securityEvents: SecurityEventKind[];
  /** Component names or prefixes ending in `*`, separated by commas; `''` for every component. */
  components: string;
  includeDegraded: boolean;
  relativeMae: string;
  minScored: string;
  /** The stat of a rune-stat rule (holders, volume_1d_btc, …). */
  metric: string;
  statMode: StatMode;
  /** How far mean sentiment (−1 to 1) moves for a sentiment-shift rule. */
  shift: string;
  sentimentOver: '1h' | '24h';
  severity: AlertSeverity;
  cooldownMinutes: string;
  channelIds: string[];
  template: string;
  quietHoursOn: boolean;
  quietStart: string;
  quietEnd: string;
  quietTimeZone: string;
  enabled: boolean;
}

export type RuleFormField = Exclude<keyof RuleFormState, 'quietHoursOn' | 'enabled' | 'includeDegraded'>;
export type FormErrors<Field extends string> = Partial<Record<Field, string>>;

export function emptyRuleForm(timeZone: string): RuleFormState {
  return {
    name: '',
    series: '',
    kind: 'price-cross',
    direction: 'above',
    level: '',
    percent: '5',
    windowMinutes: '60',
    zScore: '3',
    lookbackCandles: '60',
    horizonMinutes: '',
    afterMinutes: '15',
    jobKinds: '',
    securityEvents: [],
    components: '',
    includeDegraded: false,
    relativeMae: '1',
    minScored: '20',
    metric: 'holders',
    statMode: 'change',
    shift: '0.3',
    sentimentOver: '24h',
    severity: 'warning',
    cooldownMinutes: '60',
    channelIds: [],
    template: '',
    quietHoursOn: false,
    quietStart: '22:00',
    quietEnd: '07:00',
    quietTimeZone: timeZone,
    enabled: true,
  };
}

export function ruleFormFromRule(rule: AlertRule, timeZone: string): RuleFormState {
  const form = emptyRuleForm(timeZone);
  const condition = rule.condition;
  form.name = rule.name;
  form.series = rule.series ?? '';
  form.kind = condition.kind;
  switch (condition.kind) {
    case 'price-cross':
      form.direction = condition.direction;
      form.level = String(condition.level);
      break;
    case 'move':
      form.percent = String(condition.percent);
      form.windowMinutes = String(condition.windowMinutes);
      break;
    case 'volume-spike':
      form.zScore = String(condition.zScore);
      form.lookbackCandles = String(condition.lookbackCandles);
      break;
    case 'forecast-move':
      form.percent = String(condition.percent);
      form.horizonMinutes = condition.horizonMinutes === undefined ? '' : String(condition.horizonMinutes);
      break;
    case 'forecast-band':
      form.horizonMinutes = condition.horizonMinutes === undefined ? '' : String(condition.horizonMinutes);
      break;
    case 'stale':
      form.afterMinutes = String(condition.afterMinutes);
      break;
    case 'job-failed':
      form.jobKinds = condition.jobKinds?.join(', ') ?? '';
      break;
    case 'security':
      form.securityEvents = [...(condition.events ?? [])];
      break;
    case 'component-unhealthy':
      form.components = condition.components?.join(', ') ?? '';
      form.includeDegraded = condition.includeDegraded === true;
      break;
    case 'rune-stat':
      form.metric = condition.metric;
      form.statMode =
        condition.percent !== undefined
          ? 'change'
          : condition.windowMinutes === undefined
            ? 'level'
            : 'growth';
      if (condition.percent !== undefined) form.percent = String(condition.percent);
      if (condition.above !== undefined) form.level = String(condition.above);
      form.windowMinutes = String(condition.windowMinutes ?? 60);
      break;
    case 'sentiment-shift':
      form.shift = String(condition.shift);
      form.sentimentOver = condition.over;
      form.windowMinutes = String(condition.windowMinutes);
      break;
    case 'model-behind-naive':
      form.relativeMae = String(condition.relativeMae);
      form.minScored = String(condition.minScored);
      form.horizonMinutes = condition.horizonMinutes === undefined ? '' : String(condition.horizonMinutes);
      break;
  }
  form.severity = rule.severity;
  form.cooldownMinutes = String(rule.cooldownMinutes);
  form.channelIds = [...rule.channelIds];
  form.template = rule.template ?? '';
  if (rule.quietHours !== null) {
    form.quietHoursOn = true;
    form.quietStart = rule.quietHours.start;
    form.quietEnd = rule.quietHours.end;
    form.quietTimeZone = rule.quietHours.timeZone;
  }
  form.enabled = rule.enabled;
  return form;
}

/** The body that replaces a rule with itself, but for what `changes` says (enable, disable). */
export function ruleBodyFromRule(rule: AlertRule, changes: Partial<AlertRuleBody> = {}): AlertRuleBody {
  return {
    name: rule.name,
    ...(rule.series === null ? {} : { series: rule.series }),
    condition: rule.condition,
    severity: rule.severity,
    cooldownMinutes: rule.cooldownMinutes,
    channelIds: rule.channelIds,
    ...(rule.template === null ? {} : { template: rule.template }),
    ...(rule.quietHours === null ? {} : { quietHours: rule.quietHours }),
    enabled: rule.enabled,
    ...changes,
  };
}

/**
 * A rule's channel ids without those of channels deleted since: the API refuses a rule naming a
 * channel that no longer exists, so sending the rule back unchanged would fail. With the
 * channel list not loaded (`null`) the ids are kept as they are.
 */
export function withoutDeletedChannels(
  channelIds: readonly string[],
  channels: readonly { id: string }[] | null,
): string[] {
  if (channels === null) return [...channelIds];
  return channelIds.filter((id) => channels.some((channel) => channel.id === id));
}

interface NumberRule {
  integer?: boolean;
  min: number;
  max: number;
  /** The lower bound itself is not allowed (prices and percents above 0). */
  exclusiveMin?: boolean;
}

function readNumber<Field extends string>(
  text: string,
  field: Field,
  rule: NumberRule,
  errors: FormErrors<Field>,
): number {
  const trimmed = text.trim();
  if (trimmed === '') {
    errors[field] = 'required';
    return Number.NaN;
  }
  const value = Number(trimmed);
  if (!Number.isFinite(value)) {
    errors[field] = 'must be a number';
  } else if (rule.integer && !Number.isInteger(value)) {
    errors[field] = 'must be a whole number';
  } else if (rule.exclusiveMin ? value <= rule.min : value < rule.min) {
    errors[field] = rule.exclusiveMin ? `must be above ${rule.min}` : `must be at least ${rule.min}`;
  } else if (value > rule.max) {
    errors[field] = `must be at most ${rule.max}`;
  }
  return value;
}

const conditionFieldOf: Record<string, RuleFormField> = {
  direction: 'direction',
  level: 'level',
  percent: 'percent',
  windowMinutes: 'windowMinutes',
  zScore: 'zScore',
  lookbackCandles: 'lookbackCandles',
  horizonMinutes: 'horizonMinutes',
  afterMinutes: 'afterMinutes',
  jobKinds: 'jobKinds',
  events: 'securityEvents',
  metric: 'metric',
  above: 'level',
  shift: 'shift',
  over: 'sentimentOver',
};
const quietFieldOf: Record<string, RuleFormField> = {
  start: 'quietStart',
  end: 'quietEnd',
  timeZone: 'quietTimeZone',
};
const ruleFields = new Set<string>([
  'name',
  'series',
  'severity',
  'cooldownMinutes',
  'channelIds',
  'template',
]);

/** Which form field a problem the shared body schema found belongs to. */
function ruleFieldOfPath(path: readonly PropertyKey[]): RuleFormField {
  const [first, second] = path.map(String);
  if (first === 'condition' && second !== undefined && second in conditionFieldOf) {
    return conditionFieldOf[second]!;
  }
  if (first === 'quietHours' && second !== undefined && second in quietFieldOf) return quietFieldOf[second]!;
  if (first !== undefined && ruleFields.has(first)) return first as RuleFormField;
  return 'name';
}

export type BuildResult<Body, Field extends string> =
  { ok: true; body: Body } | { ok: false; errors: FormErrors<Field> };

/**
 * Checks every field of the rule form and builds the API body. Ranges are checked here for
 * plain messages; the shared body schema then has the last word, so nothing the API would refuse
 * is sent.
 */
export function buildRuleBody(form: RuleFormState): BuildResult<AlertRuleBody, RuleFormField> {
  const errors: FormErrors<RuleFormField> = {};
  const percent = () =>
    readNumber(form.percent, 'percent', { min: 0, max: 1000, exclusiveMin: true }, errors);
  const horizon = (): { horizonMinutes?: number } =>
    form.horizonMinutes.trim() === ''
      ? {}
      : {
          horizonMinutes: readNumber(
            form.horizonMinutes,
            'horizonMinutes',
            { integer: true, min: 1, max: 525_600 },
            errors,
          ),
        };
  let condition: AlertCondition;
  switch (form.kind) {
    case 'price-cross':
      condition = {
        kind: 'price-cross',
        direction: form.direction,
        level: readNumber(form.level, 'level', { min: 0, max: 1e15, exclusiveMin: true }, errors),
      };
      break;
    case 'move':
      condition = {
        kind: 'move',
        percent: percent(),
        windowMinutes: readNumber(
          form.windowMinutes,
          'windowMinutes',
          { integer: true, min: 1, max: 10_080 },
          errors,
        ),
      };
      break;
    case 'volume-spike':
      condition = {
        kind: 'volume-spike',
        zScore: readNumber(form.zScore, 'zScore', { min: 1, max: 100 }, errors),
        lookbackCandles: readNumber(
          form.lookbackCandles,
          'lookbackCandles',
          { integer: true, min: 10, max: 1440 },
          errors,
        ),
      };
      break;
    case 'forecast-move':
      condition = { kind: 'forecast-move', percent: percent(), ...horizon() };
      break;
    case 'forecast-band':
      condition = { kind: 'forecast-band', ...horizon() };
      break;
    case 'stale':
      condition = {
        kind: 'stale',
        afterMinutes: readNumber(
          form.afterMinutes,
          'afterMinutes',
          { integer: true, min: 1, max: 10_080 },
          errors,
        ),
      };
      break;
    case 'job-failed': {
      const jobKinds = form.jobKinds.split(/[\s,]+/).filter((kind) => kind !== '');
      condition = { kind: 'job-failed', ...(jobKinds.length === 0 ? {} : { jobKinds }) };
      break;
    }
    case 'security':
      condition = {
        kind: 'security',
        ...(form.securityEvents.length === 0 ? {} : { events: [...form.securityEvents] }),
      };
      break;
    case 'component-unhealthy': {
      const components = form.components
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '');
      condition = {
        kind: 'component-unhealthy',
        ...(components.length === 0 ? {} : { components }),
        ...(form.includeDegraded ? { includeDegraded: true } : {}),
      };
      break;
    }
    case 'rune-stat': {
      const windowMinutes = () =>
        readNumber(form.windowMinutes, 'windowMinutes', { integer: true, min: 1, max: 10_080 }, errors);
      const above = () => readNumber(form.level, 'level', { min: 0, max: 1e18 }, errors);
      const metric = form.metric.trim();
      if (metric === '') errors.metric = 'required';
      condition =
        form.statMode === 'change'
          ? { kind: 'rune-stat', metric, percent: percent(), windowMinutes: windowMinutes() }
          : form.statMode === 'level'
            ? { kind: 'rune-stat', metric, above: above() }
            : { kind: 'rune-stat', metric, above: above(), windowMinutes: windowMinutes() };
      break;
    }
    case 'sentiment-shift':
      condition = {
        kind: 'sentiment-shift',
        shift: readNumber(form.shift, 'shift', { min: 0.05, max: 2 }, errors),
        windowMinutes: readNumber(
          form.windowMinutes,
          'windowMinutes',
          { integer: true, min: 60, max: 10_080 },
          errors,
        ),
        over: form.sentimentOver,
      };
      break;
    case 'model-behind-naive':
      condition = {
        kind: 'model-behind-naive',
        relativeMae: readNumber(form.relativeMae, 'relativeMae', { min: 0.5, max: 10 }, errors),
        minScored: readNumber(form.minScored, 'minScored', { integer: true, min: 5, max: 100 }, errors),
        ...horizon(),
      };
      break;
  }
  const name = form.name.trim();
  if (name === '') errors.name = 'required';
  const cooldownMinutes = readNumber(
    form.cooldownMinutes,
    'cooldownMinutes',
    { integer: true, min: 0, max: 10_080 },
    errors,
  );
  const template = form.template.trim();
  if (form.quietHoursOn && form.quietTimeZone.trim() === '') errors.quietTimeZone = 'required';
  const candidate = {
    name,
    ...(form.series === '' || !watchesSeries(form.kind) ? {} : { series: form.series }),
    condition,
    severity: form.severity,
    cooldownMinutes,
    channelIds: form.channelIds,
    ...(template === '' ? {} : { template }),
    ...(form.quietHoursOn
      ? {
          quietHours: {
            start: form.quietStart,
            end: form.quietEnd,
            timeZone: form.quietTimeZone.trim(),
          },
        }
      : {}),
    enabled: form.enabled,
  };
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const parsed = alertRuleBodySchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = ruleFieldOfPath(issue.path);
      errors[field] ??= issue.message;
    }
    return { ok: false, errors };
  }
  return { ok: true, body: parsed.data };
}

/** The channel form as typed; only the fields of the chosen kind are sent. */
export interface ChannelFormState {
  kind: AlertChannelKind;
  name: string;
  url: string;
  botToken: string;
  chatId: string;
  /** The address alert emails go to. */
  to: string;
}

export type ChannelFormField = Exclude<keyof ChannelFormState, 'kind'>;

export const channelKindLabels: Record<AlertChannelKind, string> = {
  webhook: 'Webhook (signed)',
  discord: 'Discord',
  slack: 'Slack',
  telegram: 'Telegram',
  email: 'Email',
};

export function emptyChannelForm(): ChannelFormState {
  return { kind: 'webhook', name: '', url: '', botToken: '', chatId: '', to: '' };
}

export function buildChannelBody(
  form: ChannelFormState,
): BuildResult<CreateAlertChannelBody, ChannelFormField> {
  const errors: FormErrors<ChannelFormField> = {};
  const name = form.name.trim();
  if (name === '') errors.name = 'required';
  const candidate =
    form.kind === 'telegram'
      ? { kind: form.kind, name, botToken: form.botToken.trim(), chatId: form.chatId.trim() }
      : form.kind === 'email'
        ? { kind: form.kind, name, to: form.to.trim() }
        : { kind: form.kind, name, url: form.url.trim() };
  if (form.kind === 'telegram') {
    if (form.botToken.trim() === '') errors.botToken = 'required';
    if (form.chatId.trim() === '') errors.chatId = 'required';
  } else if (form.kind === 'email') {
    if (form.to.trim() === '') errors.to = 'required';
  } else if (form.url.trim() === '') {
    errors.url = 'required';
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const parsed = createAlertChannelBodySchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const first = String(issue.path[0] ?? 'name');
      const field: ChannelFormField =
        first === 'url' || first === 'botToken' || first === 'chatId' || first === 'to' ? first : 'name';
      errors[field] ??= issue.message;
    }
    return { ok: false, errors };
  }
  return { ok: true, body: parsed.data };
}
