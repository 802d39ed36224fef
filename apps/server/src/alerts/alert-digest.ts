import type { AlertChannelDigest } from '@runecast/contracts';
import type { DigestContent, DigestEntry } from '../store/alert.repository.ts';

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(timeMs: number, timeZone: string): LocalParts {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(timeMs));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: part('year'),
    month: part('month'),
    day: part('day'),
    hour: part('hour'),
    minute: part('minute'),
    second: part('second'),
  };
}

/** The zone's offset from UTC at `timeMs`, in milliseconds (positive east of Greenwich). */
function offsetMs(timeMs: number, timeZone: string): number {
  const local = localParts(timeMs, timeZone);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  return asUtc - Math.floor(timeMs / 1_000) * 1_000;
}

/** The local calendar day of `timeMs` in `timeZone`, as YYYY-MM-DD. */
export function localDay(timeMs: number, timeZone: string): string {
  const { year, month, day } = localParts(timeMs, timeZone);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** `day` (YYYY-MM-DD) moved by `days` calendar days. */
export function addDays(day: string, days: number): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(Date.UTC(year!, month! - 1, date! + days)).toISOString().slice(0, 10);
}

/**
 * The instant of `time` (HH:MM) on `day` in `timeZone`. A time skipped by a clock change falls
 * an hour later; a time that happens twice is its first occurrence.
 */
export function zonedTimeMs(day: string, time: string, timeZone: string): number {
  const [year, month, date] = day.split('-').map(Number);
  const [hours, minutes] = time.split(':').map(Number);
  const wall = Date.UTC(year!, month! - 1, date!, hours!, minutes!);
  // The offset at the guess can differ from the offset at the answer near a clock change: try both.
  const first = wall - offsetMs(wall, timeZone);
  const second = wall - offsetMs(first, timeZone);
  const candidates = [first, second].filter(
    (candidate) => candidate + offsetMs(candidate, timeZone) === wall,
  );
  return candidates.length > 0 ? Math.min(...candidates) : Math.max(first, second);
}

/** The day a channel's digest is due for at `nowMs` (the local day before, once `at` has passed today). */
export interface DueDigestDay {
  day: string;
  /** The start of `day` and of the next day, in the channel's time zone. */
  fromMs: number;
  toMs: number;
}

/**
 * The digest due at `nowMs`: once today's `at` has passed (in the digest's time zone), the digest
 * of yesterday. Before that, yesterday's digest is the one composed the day before (or, if the
 * process was down then, now: the one of the day before yesterday, which takes yesterday's
 * firings too).
 */
export function dueDigestDay(digest: AlertChannelDigest, nowMs: number): DueDigestDay {
  const today = localDay(nowMs, digest.timeZone);
  const sendsToday = nowMs >= zonedTimeMs(today, digest.at, digest.timeZone);
  const endDay = sendsToday ? today : addDays(today, -1);
  const day = addDays(endDay, -1);
  return {
    day,
    fromMs: zonedTimeMs(day, '00:00', digest.timeZone),
    toMs: zonedTimeMs(endDay, '00:00', digest.timeZone),
  };
}

function localTime(timeMs: number, timeZone: string, day: string): string {
  const parts = localParts(timeMs, timeZone);
  const time = `${String(parts.hour).padStart(2, '0')}:${String(parts.minute).padStart(2, '0')}`;
  const firedDay = localDay(timeMs, timeZone);
  return firedDay === day ? time : `${firedDay} ${time}`;
}

/**
 * The digest's text: a heading with the day and the count, then one line per firing (its local
 * time, severity and message), oldest first; firings of an earlier day stored late show their date.
 */
export function composeDigest(
  channelName: string,
  day: string,
  timeZone: string,
  firingCount: number,
  events: DigestEntry[],
): DigestContent {
  const heading = `Runecast daily digest for ${day} (${timeZone}), channel "${channelName}": ${
    firingCount === 1 ? '1 firing' : `${firingCount} firings`
  }`;
  const lines = events.map(
    (event) => `${localTime(event.firedAtMs, timeZone, day)} [${event.severity}] ${event.message}`,
  );
  const more = firingCount - events.length;
  return {
    message: [heading, ...lines, ...(more > 0 ? [`… and ${more} more`] : [])].join('\n'),
    events,
  };
}
