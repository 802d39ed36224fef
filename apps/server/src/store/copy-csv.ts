// Field encoders for the CSV that COPY reads (FORMAT csv, no header): an unquoted empty field
// is NULL, so text is quoted whenever it is empty or holds a delimiter, quote or line break.

const NEEDS_QUOTES = /[",\r\n]/;

export function csvText(value: string): string {
  if (value === '' || NEEDS_QUOTES.test(value)) return `"${value.replaceAll('"', '""')}"`;
  return value;
}

export function csvNullableText(value: string | null): string {
  return value === null ? '' : csvText(value);
}

/** Shortest round-trip form, which PostgreSQL parses back to the identical double. */
export function csvNumber(value: number): string {
  return String(value);
}

export function csvNullableNumber(value: number | null): string {
  return value === null ? '' : String(value);
}

export function csvBoolean(value: boolean): string {
  return value ? 't' : 'f';
}
