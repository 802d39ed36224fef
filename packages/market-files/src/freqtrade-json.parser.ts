import type { ParsedRows } from './binance-csv.parser.ts';
import { KlineFileError } from './kline-file-error.ts';
import { findKlineRowProblem, normalizeOpenTime, type KlineRow, type KlineRowError } from './kline-row.ts';

const FIELD_NAMES = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
const DECIMAL_PATTERN = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && DECIMAL_PATTERN.test(value.trim())) return Number(value);
  return Number.NaN;
}

/**
 * Parses freqtrade/ccxt kline JSON: `[[openTimeMs, open, high, low, close, volume], …]`.
 * Numbers may also be numeric strings. Each element's 1-based position is its `line`.
 * Throws KlineFileError when the text is not such an array at all.
 */
export function parseFreqtradeJsonText(text: string): ParsedRows {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new KlineFileError(`not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(document)) {
    throw new KlineFileError(
      'expected a JSON array of [openTimeMs, open, high, low, close, volume] rows, found ' +
        (document === null ? 'null' : typeof document),
    );
  }
  const rows: KlineRow[] = [];
  const lines: number[] = [];
  const errors: KlineRowError[] = [];
  document.forEach((element: unknown, index) => {
    const line = index + 1;
    if (!Array.isArray(element) || element.length < FIELD_NAMES.length) {
      errors.push({
        line,
        message: `row ${line}: expected an array [openTimeMs, open, high, low, close, volume], found ${JSON.stringify(element)?.slice(0, 80)}`,
      });
      return;
    }
    const values = FIELD_NAMES.map((_, position) => toNumber(element[position]));
    const badPosition = values.findIndex((value) => Number.isNaN(value));
    if (badPosition >= 0) {
      errors.push({
        line,
        message: `row ${line}: ${FIELD_NAMES[badPosition]} ${JSON.stringify(element[badPosition])} is not a number`,
      });
      return;
    }
    const [rawTime = Number.NaN, open = Number.NaN, high = Number.NaN, low = Number.NaN, close = Number.NaN] =
      values;
    const volume = values[5] ?? Number.NaN;
    const openTimeMs = normalizeOpenTime(rawTime);
    if (typeof openTimeMs === 'string') {
      errors.push({ line, message: `row ${line}: ${openTimeMs}` });
      return;
    }
    const row: KlineRow = { openTimeMs, open, high, low, close, volume, quoteVolume: null, tradeCount: null };
    const problem = findKlineRowProblem(row);
    if (problem !== null) {
      errors.push({ line, message: `row ${line}: ${problem}` });
      return;
    }
    rows.push(row);
    lines.push(line);
  });
  return { rows, lines, errors };
}
