/** Decimals that keep about five significant digits for a price of this size. */
export function priceDecimals(price: number): number {
  const magnitude = Math.abs(price);
  if (magnitude === 0 || !Number.isFinite(magnitude)) return 2;
  return Math.min(10, Math.max(2, 4 - Math.floor(Math.log10(magnitude))));
}

const priceFormats = new Map<number, Intl.NumberFormat>();

export function formatPrice(price: number | null | undefined, decimals?: number): string {
  if (price === null || price === undefined || !Number.isFinite(price)) return '—';
  const digits = decimals ?? priceDecimals(price);
  let format = priceFormats.get(digits);
  if (format === undefined) {
    format = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
    priceFormats.set(digits, format);
  }
  return format.format(price);
}

/** `+1.23%` from a ratio such as 0.0123. */
export function formatChange(ratio: number | null | undefined, decimals = 2): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  const percent = ratio * 100;
  const sign = percent > 0 ? '+' : percent < 0 ? '−' : '';
  return `${sign}${Math.abs(percent).toFixed(decimals)}%`;
}

/** `12.3%` from a ratio such as 0.123. */
export function formatPercent(ratio: number | null | undefined, decimals = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${(ratio * 100).toFixed(decimals)}%`;
}

export function formatNumber(value: number | null | undefined, maximumFractionDigits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return new Intl.NumberFormat('en-US', { maximumFractionDigits }).format(value);
}

/** Large amounts as 12.3K, 4.5M. */
export function formatCompact(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 }).format(value);
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** The time zone this browser runs in (UTC when it cannot tell). */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** Whether this browser can show times in the zone. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Date and time fields of an instant in a time zone, by name (`year`, `hour`, `timeZoneName`…). */
function partsIn(timeMs: number, timeZone: string, withSeconds: boolean): Record<string, string> {
  const cacheKey = `${timeZone}|${withSeconds}`;
  let format = timeFormats.get(cacheKey);
  if (format === undefined) {
    // A zone this browser does not know (an older time zone database than the server's) is shown
    // as UTC, named as such, rather than breaking the page.
    const known = isKnownTimeZone(timeZone) ? timeZone : 'UTC';
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: known,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      ...(withSeconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    timeFormats.set(cacheKey, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(timeMs)) parts[part.type] = part.value;
  return parts;
}

/**
 * `2025-06-16 19:26 GMT+2`: an instant in the viewer's time zone (the workspace's, else the
 * browser's), with the zone named so a time copied elsewhere stays unambiguous.
 */
export function formatTime(timeMs: number | null | undefined, timeZone: string, withSeconds = false): string {
  if (timeMs === null || timeMs === undefined || !Number.isFinite(timeMs)) return '—';
  if (timeZone === 'UTC') return formatTimeUtc(timeMs, withSeconds);
  const parts = partsIn(timeMs, timeZone, withSeconds);
  const time = `${parts.hour}:${parts.minute}${withSeconds ? `:${parts.second}` : ''}`;
  return `${parts.year}-${parts.month}-${parts.day} ${time} ${parts.timeZoneName}`;
}

/** `2025-06-16`: the day an instant falls on in a time zone. */
export function formatDate(timeMs: number, timeZone: string): string {
  if (timeZone === 'UTC') return formatDateUtc(timeMs);
  const parts = partsIn(timeMs, timeZone, false);
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** `2025-06-16 17:26 UTC`: for times that are about UTC itself (candle grids, schedules). */
export function formatTimeUtc(timeMs: number | null | undefined, withSeconds = false): string {
  if (timeMs === null || timeMs === undefined || !Number.isFinite(timeMs)) return '—';
  const date = new Date(timeMs);
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}${withSeconds ? `:${pad(date.getUTCSeconds())}` : ''}`;
  return `${day} ${time} UTC`;
}

export function formatDateUtc(timeMs: number): string {
  const date = new Date(timeMs);
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** `3 min ago`, `in 2 h`: for times near now. */
export function formatRelative(timeMs: number | null | undefined, nowMs = Date.now()): string {
  if (timeMs === null || timeMs === undefined || !Number.isFinite(timeMs)) return '—';
  const deltaSeconds = Math.round((timeMs - nowMs) / 1000);
  const magnitude = Math.abs(deltaSeconds);
  const text =
    magnitude < 60
      ? `${magnitude} s`
      : magnitude < 3600
        ? `${Math.round(magnitude / 60)} min`
        : magnitude < 86_400
          ? `${(magnitude / 3600).toFixed(1).replace(/\.0$/, '')} h`
          : `${(magnitude / 86_400).toFixed(1).replace(/\.0$/, '')} d`;
  if (magnitude < 5) return 'just now';
  return deltaSeconds < 0 ? `${text} ago` : `in ${text}`;
}

/** `1 h 05 min`, `42 s`: a duration. */
export function formatDuration(durationMs: number | null | undefined): string {
  if (durationMs === null || durationMs === undefined || !Number.isFinite(durationMs) || durationMs < 0)
    return '—';
  const totalSeconds = Math.round(durationMs / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours} h ${pad(minutes)} min`;
  if (minutes > 0) return `${minutes} min ${pad(seconds)} s`;
  return `${seconds} s`;
}

/** `4h`, `24h`, `15m`, `2d` from minutes. */
export function formatHorizon(minutes: number): string {
  if (minutes % 1440 === 0 && minutes >= 2880) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}
