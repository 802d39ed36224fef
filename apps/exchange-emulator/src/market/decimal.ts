/**
 * Exact decimal helpers. Exchange payloads carry decimal strings, and sums of volumes must equal
 * what the source files say to the last digit, so sums run on scaled integers, not on floats.
 */

/** True when `value` has at most `decimals` digits after the point (cheap; no text). */
export function fitsDecimals(value: number, decimals: number): boolean {
  const scaled = value * 10 ** decimals;
  return Math.abs(scaled - Math.round(scaled)) <= Math.abs(scaled) * 1e-12;
}

/** Digits after the decimal point in the shortest text of `value` (1e-7 → 7). */
export function decimalsOf(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return 0;
  const text = String(value);
  const exponentAt = text.search(/e/i);
  if (exponentAt < 0) {
    const pointAt = text.indexOf('.');
    return pointAt < 0 ? 0 : text.length - pointAt - 1;
  }
  const mantissa = text.slice(0, exponentAt);
  const exponent = Number(text.slice(exponentAt + 1));
  const pointAt = mantissa.indexOf('.');
  const mantissaDecimals = pointAt < 0 ? 0 : mantissa.length - pointAt - 1;
  return Math.max(0, mantissaDecimals - exponent);
}

/** The shortest decimal text of a number, never in exponent form (1e-7 → "0.0000001"). */
export function formatDecimal(value: number): string {
  const magnitude = Math.abs(value);
  // JavaScript prints exponents only below 1e-6 and from 1e21 on.
  if ((magnitude >= 1e-6 && magnitude < 1e21) || value === 0) return String(value);
  const text = String(value);
  if (!/e/i.test(text)) return text;
  if (Math.abs(value) < 1) return value.toFixed(Math.min(100, decimalsOf(value)));
  return BigInt(Math.round(value)).toString();
}

/** Fixed-point text with exactly `decimals` digits, from the exact decimal of the value. */
export function formatFixed(value: number, decimals: number): string {
  return unitsToText(toUnits(value, decimals), decimals);
}

/** `value` × 10^decimals as an exact integer (the value's own decimal text, rounded half up). */
export function toUnits(value: number, decimals: number): bigint {
  const text = formatDecimal(value);
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  const [integerPart = '0', fractionPart = ''] = digits.split('.');
  let units = BigInt(integerPart + fractionPart.slice(0, decimals).padEnd(decimals, '0'));
  const nextDigit = fractionPart.charCodeAt(decimals) - 48;
  if (nextDigit >= 5) units += 1n;
  return negative ? -units : units;
}

export function unitsToText(units: bigint, decimals: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(decimals + 1, '0');
  const integerPart = digits.slice(0, digits.length - decimals);
  const fractionPart = decimals > 0 ? digits.slice(digits.length - decimals).replace(/0+$/, '') : '';
  return (negative ? '-' : '') + integerPart + (fractionPart ? `.${fractionPart}` : '');
}

export function unitsToNumber(units: bigint, decimals: number): number {
  return Number(unitsToText(units, decimals));
}

const SAFE_SUM_LIMIT = 2 ** 51;

/** Exact sum of decimal values that have at most `decimals` digits after the point. */
export function sumExact(values: readonly number[], decimals: number): number {
  if (values.length === 0) return 0;
  const scale = 10 ** decimals;
  let largest = 0;
  for (const value of values) largest = Math.max(largest, Math.abs(value));
  if (largest * scale * values.length < SAFE_SUM_LIMIT) {
    let total = 0;
    for (const value of values) total += Math.round(value * scale);
    return unitsToNumber(BigInt(total), decimals);
  }
  let total = 0n;
  for (const value of values) total += toUnits(value, decimals);
  return unitsToNumber(total, decimals);
}
