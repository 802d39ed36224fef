import { findKlineRowProblem, normalizeOpenTime, type KlineRow, type KlineRowError } from './kline-row.ts';

/** Binance's kline CSV: open_time, open, high, low, close, volume, close_time, quote_volume, count, … */
export const BINANCE_CSV_COLUMNS = [
  'open_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'close_time',
  'quote_volume',
  'count',
  'taker_buy_volume',
  'taker_buy_quote_volume',
  'ignore',
] as const;

const MINIMUM_COLUMNS = 6;
const DECIMAL_PATTERN = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export interface ParsedRows {
  rows: KlineRow[];
  /** 1-based line (or JSON position) of each row in `rows`. */
  lines: number[];
  errors: KlineRowError[];
}

export interface BinanceCsvDetails extends ParsedRows {
  hasHeader: boolean;
}

function parseDecimal(text: string | undefined): number {
  const trimmed = (text ?? '').trim();
  return DECIMAL_PATTERN.test(trimmed) ? Number(trimmed) : Number.NaN;
}

function describeField(name: string, text: string | undefined): string {
  return `${name} "${(text ?? '').trim()}" is not a number`;
}

function isHeaderLine(line: string): boolean {
  const firstField = line.split(',', 1)[0] ?? '';
  return !DECIMAL_PATTERN.test(firstField.trim());
}

/**
 * Parses the text of a Binance kline CSV (header row optional, times in ms or µs).
 * Bad rows become errors with their line number; this never throws for bad rows.
 */
export function parseBinanceCsvText(text: string): BinanceCsvDetails {
  const lines = text.split('\n');
  const rows: KlineRow[] = [];
  const rowLines: number[] = [];
  const errors: KlineRowError[] = [];
  let hasHeader = false;
  let seenContent = false;
  for (let index = 0; index < lines.length; index += 1) {
    let line = lines[index] ?? '';
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (index === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.trim() === '') continue;
    const lineNumber = index + 1;
    if (!seenContent) {
      seenContent = true;
      if (isHeaderLine(line)) {
        hasHeader = true;
        continue;
      }
    }
    const fields = line.split(',');
    if (fields.length < MINIMUM_COLUMNS) {
      errors.push({
        line: lineNumber,
        message: `expected ${BINANCE_CSV_COLUMNS.length} columns, found ${fields.length}`,
      });
      continue;
    }
    const rawTime = parseDecimal(fields[0]);
    if (Number.isNaN(rawTime)) {
      errors.push({ line: lineNumber, message: describeField('open_time', fields[0]) });
      continue;
    }
    const openTimeMs = normalizeOpenTime(rawTime);
    if (typeof openTimeMs === 'string') {
      errors.push({ line: lineNumber, message: openTimeMs });
      continue;
    }
    let fieldProblem: string | null = null;
    const values: number[] = [];
    for (let column = 1; column <= 5; column += 1) {
      const value = parseDecimal(fields[column]);
      if (Number.isNaN(value)) {
        fieldProblem = describeField(BINANCE_CSV_COLUMNS[column] ?? `column ${column + 1}`, fields[column]);
        break;
      }
      values.push(value);
    }
    if (fieldProblem !== null) {
      errors.push({ line: lineNumber, message: fieldProblem });
      continue;
    }
    let quoteVolume: number | null = null;
    if (fields.length > 7 && (fields[7] ?? '').trim() !== '') {
      quoteVolume = parseDecimal(fields[7]);
      if (Number.isNaN(quoteVolume)) {
        errors.push({ line: lineNumber, message: describeField('quote_volume', fields[7]) });
        continue;
      }
    }
    let tradeCount: number | null = null;
    if (fields.length > 8 && (fields[8] ?? '').trim() !== '') {
      tradeCount = parseDecimal(fields[8]);
      if (Number.isNaN(tradeCount)) {
        errors.push({ line: lineNumber, message: describeField('count', fields[8]) });
        continue;
      }
    }
    const [open = Number.NaN, high = Number.NaN, low = Number.NaN, close = Number.NaN, volume = Number.NaN] =
      values;
    const row: KlineRow = { openTimeMs, open, high, low, close, volume, quoteVolume, tradeCount };
    const problem = findKlineRowProblem(row);
    if (problem !== null) {
      errors.push({ line: lineNumber, message: problem });
      continue;
    }
    rows.push(row);
    rowLines.push(lineNumber);
  }
  return { rows, lines: rowLines, errors, hasHeader };
}
