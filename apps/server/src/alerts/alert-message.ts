import type { AlertRule, QuietHours } from '@runecast/contracts';

/** Up to 8 significant digits, without a trailing run of zeros. */
function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Number(value.toPrecision(8)).toString();
}

function formatChange(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;
}

/** The default wording of each rule kind; `{field}`s are filled like a user's template. */
function defaultTemplate(rule: AlertRule): string {
  const condition = rule.condition;
  switch (condition.kind) {
    case 'price-cross':
      return `{rule}: {series} crossed ${condition.direction} ${formatNumber(condition.level)} (now {price})`;
    case 'move':
      return `{rule}: {series} moved {change}% within ${condition.windowMinutes} min (now {price})`;
    case 'volume-spike':
      return `{rule}: {series} volume spike, z-score {zScore} (price {price})`;
    case 'forecast-move':
      return `{rule}: new forecast for {series} points {change}% away ({price} → {forecast})`;
    case 'forecast-band':
      return `{rule}: {series} at {price} left the forecast's 95% band [{lower95}, {upper95}]`;
    case 'stale':
      return `{rule}: no new candle of {series} for {minutes} min`;
    case 'job-failed':
      return `{rule}: {job} failed: {error}`;
    case 'security':
      return `{rule}: {event}: {error}`;
    case 'component-unhealthy':
      return `{rule}: {component} is {state}: {reason}`;
    case 'model-behind-naive':
      return `{rule}: {model} on {series} ({horizonMinutes} min) is behind naive: MAE {relativeMae}× naive's over {scored} scored forecasts`;
    case 'rune-stat': {
      const window = condition.windowMinutes ?? 60;
      if (condition.percent !== undefined)
        return `{rule}: {series} {metric} changed {change}% within ${window} min (now {value})`;
      return condition.windowMinutes === undefined
        ? `{rule}: {series} {metric} at {value}, at or above {level}`
        : `{rule}: {series} {metric} grew from {reference} to {value} within ${condition.windowMinutes} min (at least {level})`;
    }
    case 'sentiment-shift':
      return `{rule}: news sentiment on {series} moved {shift} within ${condition.windowMinutes} min (now {sentiment}, was {reference})`;
    default:
      return '{rule}: {series}';
  }
}

/**
 * Fills a rule's template (or its kind's default) with the values that fired it. Unknown
 * fields stay as written; the API refuses templates that name them.
 */
export function renderAlertMessage(
  rule: AlertRule,
  series: string,
  values: Record<string, number>,
  timeMs: number,
  texts: Record<string, string> = {},
): string {
  const fields: Record<string, string> = {
    rule: rule.name,
    series,
    severity: rule.severity,
    time: new Date(timeMs).toISOString(),
    ...texts,
  };
  for (const [name, value] of Object.entries(values)) {
    fields[name] = name === 'change' || name === 'shift' ? formatChange(value) : formatNumber(value);
  }
  return (rule.template ?? defaultTemplate(rule)).replace(
    /\{([A-Za-z0-9]+)\}/g,
    (whole, name: string) => fields[name] ?? whole,
  );
}

/** Minutes since midnight of `timeMs` in `timeZone`. */
function minuteOfDay(timeMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(timeMs));
  const hour = Number(parts.find((part) => part.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((part) => part.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

function parseTimeOfDay(text: string): number {
  const [hours, minutes] = text.split(':').map(Number);
  return hours! * 60 + minutes!;
}

/** Whether `timeMs` falls in the daily quiet span, in the owner's time zone (a span may wrap midnight). */
export function isInQuietHours(quiet: QuietHours, timeMs: number): boolean {
  const start = parseTimeOfDay(quiet.start);
  const end = parseTimeOfDay(quiet.end);
  if (start === end) return false;
  const now = minuteOfDay(timeMs, quiet.timeZone);
  return start < end ? now >= start && now < end : now >= start || now < end;
}
