import { UsageError } from './usage-error.ts';

/**
 * Parses a time flag: ISO-8601 date or date-time (UTC when no zone is given) or epoch ms.
 * Throws UsageError naming the flag.
 */
export function parseTimeFlag(flag: string, value: string): number {
  const text = value.trim();
  if (/^\d{10,14}$/.test(text)) return Number(text);
  const isoPattern = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
  if (!isoPattern.test(text)) {
    throw new UsageError(
      `${flag} "${value}" is not a date; use ISO-8601 like 2023-03-17 or 2023-03-17T12:00Z`,
    );
  }
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text) && text.length > 10;
  const normalized = text.length === 10 ? `${text}T00:00:00Z` : hasZone ? text : `${text}Z`;
  const timeMs = Date.parse(normalized.replace(' ', 'T'));
  if (!Number.isFinite(timeMs)) throw new UsageError(`${flag} "${value}" is not a valid date`);
  return timeMs;
}

export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} "${value}" is not allowed; use one of ${choices.join(', ')}`);
  }
  return value as T;
}
