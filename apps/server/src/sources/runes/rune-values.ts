import { z } from 'zod';

/**
 * A provider's amount (an integer in the rune's smallest unit, often a string because it can
 * exceed 2^53) in whole units, as a float: stats and features need the magnitude, not every
 * digit. Null when it is not a non-negative integer.
 */
export function wholeUnits(amount: string | number, divisibility: number): number | null {
  const text =
    typeof amount === 'number' ? (Number.isSafeInteger(amount) ? String(amount) : '') : amount.trim();
  if (!/^\d{1,80}$/.test(text)) return null;
  return Number(text) / 10 ** divisibility;
}

/** A number that may come as a JSON number or a decimal string; finite, or the row is refused. */
export const numeric = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/)])
  .transform(Number)
  .pipe(z.number().finite());

/** A non-negative integer amount as a provider writes it (string or number). */
export const amountText = z.union([z.string().regex(/^\d{1,80}$/), z.number().int().nonnegative()]);

/** The first problem of a zod parse, in plain words for a rejected row. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unreadable row';
  const path = issue.path.length > 0 ? issue.path.join('.') : 'row';
  return `${path}: ${issue.message}`;
}

/** Keeps the entries whose value is a finite number. */
export function finiteMetrics(values: Record<string, number | null | undefined>): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'number' && Number.isFinite(value)) metrics[name] = value;
  }
  return metrics;
}
