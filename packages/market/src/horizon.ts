import { ValidationError } from './errors.ts';
import { TIMEFRAME_MS, type Timeframe } from './timeframe.ts';

const UNIT_MINUTES: Readonly<Record<string, number>> = { m: 1, h: 60, d: 1440 };

/** Minutes in one candle of the timeframe. */
export function timeframeMinutes(timeframe: Timeframe): number {
  return TIMEFRAME_MS[timeframe] / 60_000;
}

/** Parses a horizon such as `4h`, `24h`, `15m`, `1d` or a plain number of minutes (`240`). */
export function parseHorizonMinutes(text: string | number): number {
  if (typeof text === 'number') return checkHorizonMinutes(text);
  const match = /^\s*(\d+)\s*([mhd]?)\s*$/.exec(text);
  if (!match) {
    throw new ValidationError(
      `horizon "${text}" is not understood; write minutes (240) or a duration (15m, 4h, 1d)`,
    );
  }
  return checkHorizonMinutes(Number(match[1]) * UNIT_MINUTES[match[2] || 'm']!);
}

function checkHorizonMinutes(minutes: number): number {
  if (!Number.isSafeInteger(minutes) || minutes <= 0) {
    throw new ValidationError(`horizon must be a positive whole number of minutes, got ${minutes}`);
  }
  return minutes;
}

/** `240` → `4h`, `1440` → `24h`, `90` → `90m`. */
export function formatHorizon(minutes: number): string {
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

/** Horizon in candles; throws a ValidationError naming valid horizons when it is not a multiple of the timeframe. */
export function horizonSteps(horizonMinutes: number, timeframe: Timeframe): number {
  checkHorizonMinutes(horizonMinutes);
  const stepMinutes = timeframeMinutes(timeframe);
  if (horizonMinutes % stepMinutes !== 0) {
    const below = Math.max(stepMinutes, Math.floor(horizonMinutes / stepMinutes) * stepMinutes);
    const above = Math.ceil(horizonMinutes / stepMinutes) * stepMinutes;
    const suggestions =
      below === above ? formatHorizon(below) : `${formatHorizon(below)} or ${formatHorizon(above)}`;
    throw new ValidationError(
      `horizon ${formatHorizon(horizonMinutes)} is not a multiple of the ${timeframe} timeframe (${stepMinutes} minutes); ` +
        `try ${suggestions}`,
      { horizonMinutes, timeframe },
    );
  }
  return horizonMinutes / stepMinutes;
}

/** Horizons forecast by default: 4h and 24h for hourly series, 5m, 15m and 60m for minute series. */
export function defaultHorizonsMinutes(timeframe: Timeframe): number[] {
  switch (timeframe) {
    case '1m':
      return [5, 15, 60];
    case '5m':
      return [15, 60, 240];
    case '15m':
      return [60, 240];
    case '1h':
      return [240, 1440];
    case '4h':
      return [1440, 4 * 1440];
    case '1d':
      return [1440, 7 * 1440];
  }
}

/** Longer horizons a user may ask for on any series whose timeframe divides them. */
const ASKED_HORIZONS_MINUTES = [240, 1440] as const;

/**
 * Horizons offered for a timeframe, shortest first: its defaults, plus 4h and 24h where they are
 * multiples of the timeframe and longer than one candle. Every page and command offers these.
 */
export function horizonChoicesMinutes(timeframe: Timeframe): number[] {
  const stepMinutes = timeframeMinutes(timeframe);
  const choices = new Set(defaultHorizonsMinutes(timeframe));
  for (const minutes of ASKED_HORIZONS_MINUTES) {
    if (minutes > stepMinutes && minutes % stepMinutes === 0) choices.add(minutes);
  }
  return [...choices].sort((left, right) => left - right);
}
