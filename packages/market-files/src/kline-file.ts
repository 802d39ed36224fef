import { readFile } from 'node:fs/promises';
import { gunzip, gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { parseBinanceCsvText } from './binance-csv.parser.ts';
import { parseFreqtradeJsonText } from './freqtrade-json.parser.ts';
import { KlineFileError } from './kline-file-error.ts';
import {
  findSequenceIssues,
  type KlineRow,
  type KlineRowError,
  type KlineSequenceIssue,
} from './kline-row.ts';

const gunzipAsync = promisify(gunzip);

export const KLINE_FILE_FORMATS = ['binance-csv', 'freqtrade-json'] as const;
export type KlineFileFormat = (typeof KLINE_FILE_FORMATS)[number];
export type KlineFormatOption = 'auto' | KlineFileFormat;

export interface ParseKlineOptions {
  /** Default `auto`: decided from the content (a JSON array starts with `[`). */
  format?: KlineFormatOption;
}

/** What a kline file holds. Bad rows are in `errors`; only valid rows are in `rows`, in file order. */
export interface KlineParseResult {
  format: KlineFileFormat;
  compressed: boolean;
  /** Binance CSV only: whether the first line was a header. */
  hasHeader: boolean;
  rows: KlineRow[];
  /** 1-based line (CSV) or array position (JSON) of each row in `rows`. */
  rowLines: number[];
  errors: KlineRowError[];
  /** Valid rows whose time repeats or goes backwards (kept in `rows`). */
  sequenceIssues: KlineSequenceIssue[];
}

const GZIP_MAGIC_FIRST = 0x1f;
const GZIP_MAGIC_SECOND = 0x8b;

export function isGzip(buffer: Uint8Array): boolean {
  return buffer.length >= 2 && buffer[0] === GZIP_MAGIC_FIRST && buffer[1] === GZIP_MAGIC_SECOND;
}

function firstSignificantCharacter(text: string): string | null {
  const match = /[^\s\ufeff]/.exec(text.slice(0, 4096));
  return match ? match[0] : null;
}

/** Decides the format from the content; throws KlineFileError for content of no known format. */
export function detectKlineFormat(text: string): KlineFileFormat {
  const first = firstSignificantCharacter(text);
  if (first === null) throw new KlineFileError('file is empty');
  if (first === '[') return 'freqtrade-json';
  if (/[0-9a-zA-Z_"]/.test(first)) {
    const firstLine = text.slice(0, 4096).split('\n', 1)[0] ?? '';
    if (firstLine.includes(',')) return 'binance-csv';
  }
  throw new KlineFileError(
    'unknown kline file format: expected a Binance kline CSV or a JSON array of [time, open, high, low, close, volume]',
  );
}

function textOf(buffer: Uint8Array, compressed: boolean): string {
  try {
    const raw = compressed ? gunzipSync(buffer) : buffer;
    return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  } catch (error) {
    throw new KlineFileError(`not a valid gzip file: ${(error as Error).message}`);
  }
}

/** Parses already-decompressed text. */
export function parseKlineText(
  text: string,
  options: ParseKlineOptions = {},
  compressed = false,
): KlineParseResult {
  const requested = options.format ?? 'auto';
  const detected = detectKlineFormat(text);
  if (requested !== 'auto' && requested !== detected) {
    throw new KlineFileError(
      `format ${requested} was requested but the content looks like ${detected}` +
        (detected === 'freqtrade-json' ? ' (a JSON array)' : ' (comma-separated text)'),
    );
  }
  if (detected === 'freqtrade-json') {
    const parsed = parseFreqtradeJsonText(text);
    return {
      format: detected,
      compressed,
      hasHeader: false,
      rows: parsed.rows,
      rowLines: parsed.lines,
      errors: parsed.errors,
      sequenceIssues: findSequenceIssues(parsed.rows, parsed.lines),
    };
  }
  const parsed = parseBinanceCsvText(text);
  if (parsed.rows.length === 0 && parsed.errors.length === 0 && !parsed.hasHeader) {
    throw new KlineFileError('file is empty');
  }
  return {
    format: detected,
    compressed,
    hasHeader: parsed.hasHeader,
    rows: parsed.rows,
    rowLines: parsed.lines,
    errors: parsed.errors,
    sequenceIssues: findSequenceIssues(parsed.rows, parsed.lines),
  };
}

/** Parses file bytes, gzip'd or not (told apart by the gzip magic bytes). */
export function parseKlineBuffer(buffer: Uint8Array, options: ParseKlineOptions = {}): KlineParseResult {
  const compressed = isGzip(buffer);
  return parseKlineText(textOf(buffer, compressed), options, compressed);
}

/**
 * Reads and parses one kline file. Throws KlineFileError (naming the path) when the file cannot
 * be read or is of no known format; bad rows never throw, they are listed in `errors`.
 */
export async function readKlineFile(
  path: string,
  options: ParseKlineOptions = {},
): Promise<KlineParseResult> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (error) {
    throw new KlineFileError(`cannot read file: ${(error as Error).message}`, path);
  }
  const compressed = isGzip(buffer);
  let text: string;
  try {
    text = compressed ? (await gunzipAsync(buffer)).toString('utf8') : buffer.toString('utf8');
  } catch (error) {
    throw new KlineFileError(`not a valid gzip file: ${(error as Error).message}`, path);
  }
  try {
    return parseKlineText(text, options, compressed);
  } catch (error) {
    if (error instanceof KlineFileError && error.path === undefined) {
      throw new KlineFileError(error.message, path);
    }
    throw error;
  }
}
